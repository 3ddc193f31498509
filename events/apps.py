from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save

# Roles are Django groups; these are the permissions each one holds.
ROLE_PERMISSIONS = {
    "Editors": ["add_matchevent", "change_matchevent", "delete_matchevent", "view_matchevent", "view_match"],
    "Admins": [
        "add_matchevent",
        "change_matchevent",
        "delete_matchevent",
        "view_matchevent",
        "view_match",
        "change_match",
        "correct_match",
        "view_change",
        # The site's publishers and newsrooms: who may frame the widgets, who receives every change.
        "add_embedsite",
        "change_embedsite",
        "delete_embedsite",
        "view_embedsite",
        "add_webhook",
        "change_webhook",
        "delete_webhook",
        "view_webhook",
        "view_webhookdelivery",
    ],
}


def close_editor_sockets(sender, request, user, **kwargs):
    from live import publish

    if user is not None:
        publish.close_user_sockets(user.pk)


def ensure_roles(sender, **kwargs):
    from django.contrib.auth.models import Group as Role  # Django's auth group: a role, not a football group
    from django.contrib.auth.models import Permission

    for name, codenames in ROLE_PERMISSIONS.items():
        role, _ = Role.objects.get_or_create(name=name)
        role.permissions.add(*Permission.objects.filter(content_type__app_label="events", codename__in=codenames))


class EventsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "events"

    def ready(self):
        from django.contrib.auth.signals import user_logged_out

        post_migrate.connect(ensure_roles, sender=self)
        # The widgets' frame-ancestors are cached (events/reads/embeds.py): an admin's edit takes effect at once.
        from .reads.embeds import forget_origins

        post_save.connect(forget_origins, sender="events.EmbedSite", dispatch_uid="events.forget_origins.save")
        post_delete.connect(forget_origins, sender="events.EmbedSite", dispatch_uid="events.forget_origins.delete")
        # Signing out closes the user's editor consoles in every tab and process.
        user_logged_out.connect(close_editor_sockets, dispatch_uid="events.close_editor_sockets")
