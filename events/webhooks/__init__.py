"""Webhooks: every change of chosen competitions POSTed to newsrooms' URLs, signed, retried, logged (docs/webhooks.md).

The deliveries are written with the change, in its transaction (events/services/webhooks.py); here are what a
delivery is made of and how it travels: the payload (`payload`), the signature (`signing`), which URLs may be
called (`addresses`), the HTTP request (`sending`), the task queue's jobs and sweep (`tasks`, `worker`) and the
admin (`admin`).
"""
