from django.contrib import admin

from amends.timeline.models import Event


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """Read-only: history is appended by the services, never edited by hand."""

    list_display = ["at", "actor_name", "via", "action", "summary"]
    list_filter = ["via", "action"]
    search_fields = ["summary", "actor_name"]
    raw_id_fields = ["account", "actor"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
