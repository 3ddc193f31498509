"""The webhooks in the admin: registering receivers (the URL checked against private addresses), and the
delivery log, read-only. Registered by events/admin.py importing this module."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages

from ..models import Webhook, WebhookDelivery
from ..services import webhooks as services
from . import addresses


class WebhookForm(forms.ModelForm):
    url = forms.URLField(max_length=500, assume_scheme="https", help_text=Webhook._meta.get_field("url").help_text)

    class Meta:
        model = Webhook
        fields = ["url", "description", "competitions", "active"]

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        try:
            addresses.check_url(url)
        except addresses.RefusedURL as refused:
            raise forms.ValidationError(str(refused), code="refused") from None
        return url


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    """A newsroom's URL and the competitions it follows. The secret is made when the webhook is created and
    shown here, to those who may change webhooks, for the receiver to verify signatures with."""

    form = WebhookForm
    list_display = ["url", "description", "active", "created_by", "created_at"]
    list_filter = ["active", "competitions"]
    search_fields = ["url", "description"]
    filter_horizontal = ["competitions"]
    actions = ["send_test_delivery"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []  # the secret is made on saving
        secret = ["secret"] if self.has_change_permission(request, obj) else []
        return [*secret, "created_by", "created_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description="Send a test delivery", permissions=["change"])
    def send_test_delivery(self, request, queryset):
        for webhook in queryset:
            services.send_test_delivery(webhook=webhook)
        self.message_user(request, f"{queryset.count()} test delivery(ies) queued: see Webhook deliveries.",
                          messages.SUCCESS)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """The delivery log: what was sent where, how often, and what the receiver answered. Written only by the
    deliveries themselves (events/services/webhooks.py)."""

    list_display = ["id", "webhook", "match_id", "seq", "status", "attempts", "last_status_code", "last_error",
                    "next_attempt_at", "delivered_at", "created_at"]
    list_filter = ["status", "webhook"]
    list_select_related = ["webhook"]
    search_fields = ["=match__id", "=seq"]
    date_hierarchy = "created_at"
    actions = ["try_again"]
    fields = ["webhook", "match", "seq", "change", "status", "attempts", "last_status_code", "last_error",
              "created_at", "last_attempt_at", "next_attempt_at", "delivered_at", "payload"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_retry_permission(self, request):
        return request.user.has_perm("events.change_webhook")

    @admin.action(description="Try failed deliveries again now", permissions=["retry"])
    def try_again(self, request, queryset):
        count = services.retry_now(delivery_ids=list(queryset.values_list("id", flat=True)))
        self.message_user(request, f"{count} failed delivery(ies) queued again.", messages.SUCCESS)
