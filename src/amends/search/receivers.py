"""The index follows every write, in the writer's transaction.

The apps below cannot call search (it sits above them), so it listens: Django's
``post_save`` and ``post_delete`` for rows saved one at a time (services, the admin,
the mail pipeline), ``core.bulk.rows_written`` for the paths that insert or update
in bulk (imports, the demo, cases opened by an incident), and accounts'
``on_accounts_moved`` for cases and contacts that follow an account to another team.
A ``save(update_fields=…)`` that touches none of a kind's words changes nothing here.
"""

from django.db.models.signals import post_delete, post_save

from amends.accounts.models import Account, Contact
from amends.complaints.models import Complaint
from amends.core.bulk import rows_written
from amends.core.models import SearchKind
from amends.incidents.models import Incident
from amends.mail.models import Mail
from amends.recovery.models import RecoveryCase
from amends.search.documents import index_update

# The fields each kind's words (or team) come from; other saves are skipped.
WORDS = {
    Account: {"name", "external_id", "team", "team_id"},
    Contact: {"name", "email", "phone", "role", "account", "account_id"},
    Complaint: {
        "subject",
        "customer_name",
        "customer_email",
        "customer_company",
        "text",
        "answer",
        "team",
        "team_id",
    },
    RecoveryCase: {"reason", "closing_note", "account", "account_id", "team", "team_id"},
    Incident: {"title", "description", "tags", "team", "team_id"},
    Mail: {"complaint", "complaint_id", "subject", "text", "from_name", "direction"},
}


def _touches_words(sender, update_fields) -> bool:  # type: ignore[no-untyped-def]
    return update_fields is None or bool(WORDS[sender] & set(update_fields))


def accounts_changed(account_ids: list[int]) -> None:
    """An account's words are its contacts' too; its cases carry its name and team."""
    index_update(SearchKind.ACCOUNT, account_ids)
    index_update(
        SearchKind.CONTACT,
        Contact.objects.filter(account_id__in=account_ids).values_list("pk", flat=True),
    )
    index_update(
        SearchKind.CASE,
        RecoveryCase.objects.filter(account_id__in=account_ids).values_list("pk", flat=True),
    )


def accounts_moved(account_ids: list[int]) -> None:
    accounts_changed(account_ids)


def contacts_changed(contact_ids: list[int], account_ids: list[int]) -> None:
    index_update(SearchKind.CONTACT, contact_ids)
    index_update(SearchKind.ACCOUNT, account_ids)


def conversations_changed(complaint_ids: list[int]) -> None:
    index_update(SearchKind.CONVERSATION, complaint_ids)


def _on_save(sender, instance, created=False, update_fields=None, raw=False, **kwargs):  # type: ignore[no-untyped-def]
    if raw or not _touches_words(sender, update_fields):
        return
    _changed(sender, instance)


def _on_delete(sender, instance, **kwargs):  # type: ignore[no-untyped-def]
    _changed(sender, instance)


def _changed(sender, instance) -> None:  # type: ignore[no-untyped-def]
    if sender is Account:
        accounts_changed([instance.pk])
    elif sender is Contact:
        contacts_changed([instance.pk], [instance.account_id])
    elif sender is Complaint:
        conversations_changed([instance.pk])
    elif sender is Mail:
        if instance.complaint_id:
            conversations_changed([instance.complaint_id])
    elif sender is RecoveryCase:
        index_update(SearchKind.CASE, [instance.pk])
    elif sender is Incident:
        index_update(SearchKind.INCIDENT, [instance.pk])


def _on_rows_written(sender, ids, **kwargs):  # type: ignore[no-untyped-def]
    ids = list(ids)
    if sender is Account:
        accounts_changed(ids)
    elif sender is Contact:
        account_ids = Contact.objects.filter(pk__in=ids).values_list("account_id", flat=True)
        contacts_changed(ids, sorted(set(account_ids)))
    elif sender is Complaint:
        conversations_changed(ids)
    elif sender is Mail:
        complaint_ids = Mail.objects.filter(pk__in=ids, complaint__isnull=False).values_list(
            "complaint_id", flat=True
        )
        conversations_changed(sorted(set(complaint_ids)))
    elif sender is RecoveryCase:
        index_update(SearchKind.CASE, ids)
    elif sender is Incident:
        index_update(SearchKind.INCIDENT, ids)


def connect() -> None:
    for model in WORDS:
        uid = f"search-{model._meta.label_lower}"
        post_save.connect(_on_save, sender=model, dispatch_uid=f"{uid}-save")
        post_delete.connect(_on_delete, sender=model, dispatch_uid=f"{uid}-delete")
    rows_written.connect(_on_rows_written, dispatch_uid="search-rows-written")
