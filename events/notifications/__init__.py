"""Notifications of followed teams' matches: what a change says (content), the VAPID keys, the Web Push send,
the task queue's jobs and the global rate bound. The outbox and the attempts are in events/services/push.py;
docs/notifications.md describes both levels (in-page over the live socket, Web Push with the site closed)."""
