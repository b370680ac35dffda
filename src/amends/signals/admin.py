from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from amends.signals.models import Signal, SignalSource
from amends.signals.services import (
    signal_source_create,
    signal_source_rotate,
    signal_source_update,
)
from amends.timeline.models import Via
from amends.timeline.services import Actor


def _actor(request) -> Actor:
    return Actor(user=request.user, via=Via.WEB)


@admin.register(SignalSource)
class SignalSourceAdmin(admin.ModelAdmin):
    """The secret is never shown again: it is made when the source is added, or
    replaced with the rotate action, and shown once in a message."""

    list_display = ["slug", "name", "team", "active", "created_at"]
    list_filter = ["active", "team"]
    search_fields = ["slug", "name"]
    exclude = ["secret"]
    actions = ["rotate_secret"]

    def get_readonly_fields(self, request, obj=None):
        return ["slug"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        if change:
            # The form has set the new values on obj already: hand them to the service.
            changes = {name: getattr(obj, name) for name in form.changed_data}
            obj.refresh_from_db(fields=list(changes))
            signal_source_update(actor=_actor(request), source=obj, **changes)
            return
        made, secret = signal_source_create(
            actor=_actor(request), slug=obj.slug, name=obj.name, team=obj.team
        )
        obj.pk, obj.secret, obj.created_at = made.pk, made.secret, made.created_at
        obj._state.adding = False
        shown = {"slug": made.slug, "secret": secret}
        messages.warning(request, _("The secret of %(slug)s, shown only now: %(secret)s") % shown)

    @admin.action(description=_("Give the selected sources a new secret"))
    def rotate_secret(self, request, queryset):
        for source in queryset:
            secret = signal_source_rotate(actor=_actor(request), source=source)
            shown = {"slug": source.slug, "secret": secret}
            message = _("The new secret of %(slug)s, shown only now: %(secret)s") % shown
            messages.warning(request, message)


@admin.register(Signal)
class SignalAdmin(admin.ModelAdmin):
    """Read-only: signals come in through the import, the API and webhooks."""

    list_display = ["at", "kind", "account", "source", "external_id", "value", "currency"]
    list_select_related = ["account"]
    search_fields = ["=external_id"]
    raw_id_fields = ["account"]
    date_hierarchy = None
    show_full_result_count = False  # millions of rows: no COUNT(*) on every page

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
