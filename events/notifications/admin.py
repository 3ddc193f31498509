"""Web Push in the admin, read-only: the browsers' subscriptions (active or switched off, and why) and the delivery
log. Nothing here writes: subscriptions are the browsers' own (the API), deliveries the worker's. Registered by
events/admin.py importing this module."""

from __future__ import annotations

from django.contrib import admin

from ..models import PushAnnouncement, PushDelivery, PushSubscription


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PushSubscription)
class PushSubscriptionAdmin(ReadOnly):
    list_display = ["id", "active", "delay_seconds", "language", "failures", "last_success_at", "created_at"]
    list_filter = ["active"]
    # The endpoint is a capability (whoever holds it may change the subscription): listed, never searched by.
    readonly_fields = ["endpoint", "teams", "delay_seconds", "language", "active", "failures", "deactivated_reason",
                       "created_at", "updated_at", "last_success_at"]
    exclude = ["p256dh", "auth"]


@admin.register(PushDelivery)
class PushDeliveryAdmin(ReadOnly):
    list_display = ["id", "subscription", "match", "seq", "tag", "status", "attempts", "last_status_code", "sent_at"]
    list_filter = ["status"]
    list_select_related = ["match"]


@admin.register(PushAnnouncement)
class PushAnnouncementAdmin(ReadOnly):
    """A notifying change waiting for (or done with) the writing of its deliveries, one per following browser."""

    list_display = ["id", "change", "match", "created_at", "fanned_out_at", "deliveries"]
    list_select_related = ["match", "change"]
