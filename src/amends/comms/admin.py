from django.contrib import admin

from amends.comms.forms import MessageTemplateForm
from amends.comms.models import Message, MessageTemplate
from amends.comms.rendering import message_template_save
from amends.timeline.models import Via
from amends.timeline.services import Actor


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    """The same check as the templates page: a template that does not render is
    refused with the reason. Adding a language is adding a row here or there."""

    form = MessageTemplateForm
    list_display = ["kind", "language", "subject", "updated_at", "updated_by"]
    list_filter = ["kind", "language"]
    search_fields = ["subject", "body"]

    def save_model(self, request, obj, form, change):
        saved = message_template_save(
            actor=Actor(user=request.user, via=Via.WEB),
            template=MessageTemplate.objects.get(pk=obj.pk) if change else None,
            kind=form.cleaned_data["kind"],
            language=form.cleaned_data["language"],
            subject=form.cleaned_data["subject"],
            body=form.cleaned_data["body"],
        )
        obj.pk, obj.updated_at, obj.updated_by = saved.pk, saved.updated_at, saved.updated_by
        obj._state.adding = False


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """Read-only: the delivery log is written by sending, never by hand."""

    list_display = ["created_at", "kind", "recipient_email", "subject", "state", "sent_at"]
    list_filter = ["state", "kind"]
    search_fields = ["=recipient_email", "subject", "=key"]
    raw_id_fields = ["case", "account", "sent_by", "resend_of"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
