"""Writes to accounts and contacts. Each service checks the values, changes the
row and records the change on the timeline in one transaction."""

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext, gettext_noop

from amends.accounts.models import Account, Contact, ProtectedStaff
from amends.accounts.selectors import PROTECTED_MESSAGE, protected_pairs
from amends.people.access import user_can
from amends.people.models import Team, User
from amends.timeline.services import Actor, diff, event_record, field_names, said, snapshot

ACCOUNT_FIELDS = [
    "name",
    "kind",
    "team",
    "owner",
    "annual_value",
    "currency",
    "tier",
    "lifecycle",
    "language",
    "source",
    "external_id",
]
CONTACT_FIELDS = ["name", "role", "email", "phone", "language", "is_decision_maker"]

# The apps above that keep an account's team on rows of their own (recovery's cases)
# hear of accounts that moved to another team, inside the transaction that moves them.
on_accounts_moved: list[Callable[[list[int]], None]] = []


def accounts_moved(account_ids: list[int]) -> None:
    """Tell the apps above that these accounts changed team (the service, the CSV
    import and the admin site call it)."""
    if account_ids:
        for hook in on_accounts_moved:
            hook(account_ids)


def _require_write(actor: Actor, team: Team) -> None:
    # The system (demo, scheduled jobs, CLI run by the server's operator) may write anywhere.
    actor.require_write(team.pk, gettext("You may not change accounts of this team."))


def _check_owner(owner: User | None, team: Team, account_id: int | None = None) -> None:
    if owner is not None and not user_can(owner, "read", team.pk):
        raise ValidationError(
            {
                "owner": gettext("%(value)s is not a member of %(name)s.")
                % {"value": owner.get_username(), "name": team.name}
            }
        )
    if (
        owner is not None
        and account_id
        and (account_id, owner.pk) in protected_pairs(account_ids=[account_id])
    ):
        raise ValidationError({"owner": PROTECTED_MESSAGE.format(name=owner.get_username())})


def _prepare(account: Account) -> None:
    account.currency = (account.currency or "").upper()
    account.external_id = (account.external_id or "").strip()
    account.search_text = Account.search_text_for(account.name, account.external_id)
    account.full_clean(exclude=["search_text"])


@transaction.atomic
def account_create(*, actor: Actor, team: Team, **fields: Any) -> Account:
    _require_write(actor, team)
    unknown = set(fields) - set(ACCOUNT_FIELDS)
    if unknown:
        raise TypeError(f"unknown account fields: {', '.join(sorted(unknown))}")
    account = Account(team=team, **fields)
    _check_owner(account.owner, team)
    _prepare(account)
    account.save()
    if not account.external_id:
        # Accounts born here get an id of their own, so an export can be imported
        # back (and matched) like any other source's file.
        account.source, account.external_id = "amends", str(account.pk)
        account.search_text = Account.search_text_for(account.name, account.external_id)
        account.save(update_fields=["source", "external_id", "search_text"])
    event_record(
        actor=actor,
        action="account.created",
        subject=account,
        account_id=account.pk,
        summary=said(gettext_noop("Account %(name)s created"), name=account.name),
        after=snapshot(account, ACCOUNT_FIELDS),
    )
    return account


@transaction.atomic
def account_update(*, actor: Actor, account: Account, **changes: Any) -> Account:
    unknown = set(changes) - set(ACCOUNT_FIELDS)
    if unknown:
        raise TypeError(f"unknown account fields: {', '.join(sorted(unknown))}")
    _require_write(actor, account.team)
    if "team" in changes:
        _require_write(actor, changes["team"])
    before = snapshot(account, ACCOUNT_FIELDS)
    for name, value in changes.items():
        setattr(account, name, value)
    # Protection from a customer let go for abuse matters only when the owner changes.
    owner_changed = before.get("owner") != snapshot(account, ["owner"])["owner"]
    _check_owner(account.owner, account.team, account.pk if owner_changed else None)
    _prepare(account)
    old, new = diff(before, snapshot(account, ACCOUNT_FIELDS))
    if not new:
        return account
    account.save()
    if "team" in new:
        accounts_moved([account.pk])
    event_record(
        actor=actor,
        action="account.updated",
        subject=account,
        account_id=account.pk,
        summary=said(
            gettext_noop("Account %(name)s updated: %(fields)s"),
            name=account.name,
            fields=field_names(Account, list(new)),
        ),
        before=old,
        after=new,
    )
    return account


@transaction.atomic
def accounts_owner_set(*, actor: Actor, accounts: list[Account], owner: User) -> int:
    """Give many accounts to one owner (the account list's bulk action), all or none:
    each change is checked as ``account_update`` checks it (the owner must be of the
    account's team, and not someone its customer was kept away from) and recorded on
    its timeline. Returns how many changed owner."""
    for account in accounts:
        _require_write(actor, account.team)
    changed = 0
    for account in accounts:
        if account.owner_id == owner.pk:
            continue
        try:
            account_update(actor=actor, account=account, owner=owner)
        except ValidationError as error:
            message = f"{account.name}: {'; '.join(error.messages)}"
            raise ValidationError({"owner": message}) from error
        changed += 1
    return changed


@transaction.atomic
def contact_create(*, actor: Actor, account: Account, **fields: Any) -> Contact:
    _require_write(actor, account.team)
    contact = Contact(account=account, **fields)
    contact.full_clean()
    contact.save()
    event_record(
        actor=actor,
        action="contact.created",
        subject=contact,
        account_id=account.pk,
        summary=said(gettext_noop("Contact %(name)s added"), name=contact.name),
        after=snapshot(contact, CONTACT_FIELDS),
    )
    return contact


@transaction.atomic
def contact_update(*, actor: Actor, contact: Contact, **changes: Any) -> Contact:
    _require_write(actor, contact.account.team)
    before = snapshot(contact, CONTACT_FIELDS)
    for name, value in changes.items():
        if name not in CONTACT_FIELDS:
            raise TypeError(f"unknown contact field: {name}")
        setattr(contact, name, value)
    contact.full_clean()
    old, new = diff(before, snapshot(contact, CONTACT_FIELDS))
    if not new:
        return contact
    contact.save()
    event_record(
        actor=actor,
        action="contact.updated",
        subject=contact,
        account_id=contact.account_id,
        summary=said(
            gettext_noop("Contact %(name)s updated: %(fields)s"),
            name=contact.name,
            fields=field_names(Contact, list(new)),
        ),
        before=old,
        after=new,
    )
    return contact


@transaction.atomic
def contact_delete(*, actor: Actor, contact: Contact) -> None:
    _require_write(actor, contact.account.team)
    before = snapshot(contact, CONTACT_FIELDS)
    event_record(
        actor=actor,
        action="contact.removed",
        subject=contact,
        account_id=contact.account_id,
        summary=said(gettext_noop("Contact %(name)s removed"), name=contact.name),
        before=before,
    )
    contact.delete()


def account_staff_protect(
    *, actor: Actor, account: Account, users: list[User], reason: str
) -> list[ProtectedStaff]:
    """Protect these people from this customer for good (let go for abuse)."""
    _require_write(actor, account.team)
    made = []
    for user in users:
        row, created = ProtectedStaff.objects.get_or_create(
            account=account, user=user, defaults={"reason": reason}
        )
        if created:
            made.append(row)
    if made:
        event_record(
            actor=actor,
            action="account.staff_protected",
            subject=account,
            account_id=account.pk,
            summary=said(
                gettext_noop("%(count)s staff protected from this customer"), count=len(made)
            ),
            after={"users": [row.user_id for row in made], "reason": reason},
        )
    return made
