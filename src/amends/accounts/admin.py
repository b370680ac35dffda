from django.contrib import admin

from amends.accounts.models import Account, Contact
from amends.accounts.services import accounts_moved


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "owner", "lifecycle", "tier", "annual_value", "currency"]
    list_filter = ["team", "lifecycle", "tier", "kind"]
    search_fields = ["name", "external_id"]
    list_select_related = ["team", "owner"]
    raw_id_fields = ["owner"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [ContactInline]

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        super().save_model(request, obj, form, change)
        if change and "team" in form.changed_data:
            accounts_moved([obj.pk])
