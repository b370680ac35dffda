"""CSV import and export of accounts.

An import is all or nothing: the whole file is checked first and every problem
is reported with its line and column; only a clean file is written, in one
transaction. Rows are matched on (source, external_id), so importing the same
file twice changes nothing the second time.
"""

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from amends.accounts.models import Account, Kind, Lifecycle, Tier, currency_code, language_code
from amends.accounts.services import ACCOUNT_FIELDS, accounts_moved
from amends.core.bulk import rows_written_send
from amends.core.csvio import FileRejected, Problem
from amends.people.access import WRITE, admin_q, team_ids_for
from amends.people.models import Membership, Team, User
from amends.timeline.models import Event
from amends.timeline.services import Actor, diff, event_build, field_names, said, snapshot

COLUMNS = [
    "external_id",
    "name",
    "team",
    "kind",
    "owner",
    "annual_value",
    "currency",
    "tier",
    "lifecycle",
    "language",
    "source",
]
REQUIRED = {"external_id", "name", "team"}
CHOICES = {"kind": Kind, "tier": Tier, "lifecycle": Lifecycle}
MAX_ERRORS = 1000
BATCH = 2000


class ImportRejected(FileRejected):
    outcome = "nothing was imported"


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rows: int = 0


@dataclass
class _Row:
    line: int
    values: dict[str, Any] = field(default_factory=dict)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ImportRejected(
            [Problem(line, "", "the file is not UTF-8 text; save it as 'CSV UTF-8' and retry")]
        ) from None


class _Lookups:
    """Teams and owners named in a file, fetched once for the whole file."""

    def __init__(self, actor: Actor):
        self.teams: dict[str, Team] = {}
        for team in Team.objects.all():
            self.teams[team.slug.casefold()] = team
            self.teams[team.name.casefold()] = team
        self.writable = team_ids_for(actor.user, WRITE) if actor.user is not None else None
        self.users = {u.username.casefold(): u for u in User.objects.filter(is_active=True)}
        self.members: set[tuple[int, int]] = set(
            Membership.objects.values_list("user_id", "team_id")
        )
        self.admins = set(User.objects.filter(admin_q()).values_list("pk", flat=True))


_GROUPED = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")


def _amount(text: str) -> Decimal:
    """``8000``, ``8 000``, ``8,000.50``; a lone comma is refused rather than guessed,
    since ``350,50`` is 350.50 in Poland and 35050 in the US."""
    compact = re.sub(r"[\s\u00a0\u202f_]", "", text)
    if "," in compact:
        if not _GROUPED.match(compact):
            raise InvalidOperation
        compact = compact.replace(",", "")
    return Decimal(compact)


def _check_row(raw: dict[str, str], line: int, lookups: _Lookups, problems: list[Problem]) -> _Row:
    row = _Row(line=line)

    def bad(column: str, message: str) -> None:
        problems.append(Problem(line, column, message))

    values = {key: (raw.get(key) or "").strip() for key in COLUMNS}
    for column in REQUIRED:
        if not values[column]:
            bad(column, "is required")
    if len(values["name"]) > 200:
        bad("name", "is longer than 200 characters")
    if len(values["external_id"]) > 128:
        bad("external_id", "is longer than 128 characters")
    row.values["name"] = values["name"]
    row.values["external_id"] = values["external_id"]
    row.values["source"] = values["source"] or "csv"
    if len(row.values["source"]) > 64:
        bad("source", "is longer than 64 characters")

    team = lookups.teams.get(values["team"].casefold()) if values["team"] else None
    if values["team"] and team is None:
        bad("team", f"no team named {values['team']!r}")
    elif team is not None and lookups.writable is not None and team.pk not in lookups.writable:
        bad("team", f"you may not add or change accounts of {team.name}")
    row.values["team"] = team

    for column, choices in CHOICES.items():
        value = values[column].lower()
        if not value:
            row.values[column] = choices.values[0] if column != "tier" else Tier.STANDARD
        elif value in choices.values:
            row.values[column] = value
        else:
            bad(column, f"{values[column]!r} is not one of {', '.join(choices.values)}")

    owner = None
    if values["owner"]:
        owner = lookups.users.get(values["owner"].casefold())
        if owner is None:
            bad("owner", f"no active user named {values['owner']!r}")
        elif (
            team is not None
            and owner.pk not in lookups.admins
            and (owner.pk, team.pk) not in lookups.members
        ):
            bad("owner", f"{owner.username} is not a member of {team.name}")
    row.values["owner"] = owner

    if values["annual_value"]:
        try:
            amount = _amount(values["annual_value"])
            if not amount.is_finite() or amount < 0 or amount >= Decimal("1e12"):
                raise InvalidOperation
            row.values["annual_value"] = amount.quantize(Decimal("0.01"))
        except InvalidOperation:
            bad(
                "annual_value",
                f"{values['annual_value']!r} is not an amount of 0 or more "
                "(write decimals with a dot: 1234.50)",
            )
    else:
        row.values["annual_value"] = Decimal("0.00")

    for column, validator, default in (
        ("currency", currency_code, "EUR"),
        ("language", language_code, "en"),
    ):
        value = values[column] or default
        value = value.upper() if column == "currency" else value.lower()
        try:
            validator(value)
        except ValidationError as error:
            bad(column, f"{values[column]!r}: {error.messages[0]}")
        row.values[column] = value
    return row


def _parse(text: str, lookups: _Lookups) -> list[_Row]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip().lower() for name in (reader.fieldnames or [])]
    problems: list[Problem] = []
    if not header:
        raise ImportRejected(
            [Problem(1, "", "the file is empty; the first line must name columns")]
        )
    unknown = [name for name in header if name not in COLUMNS]
    missing = sorted(REQUIRED - set(header))
    repeated = sorted({name for name in header if header.count(name) > 1})
    for name in unknown:
        problems.append(Problem(1, name, f"unknown column; the columns are {', '.join(COLUMNS)}"))
    for name in missing:
        problems.append(Problem(1, name, "required column is missing"))
    for name in repeated:
        problems.append(Problem(1, name, "column appears more than once"))
    if problems:
        raise ImportRejected(problems)
    reader.fieldnames = header

    rows: list[_Row] = []
    seen: dict[tuple[str, str], int] = {}
    try:
        for raw in reader:
            line = reader.line_num
            if None in raw:
                problems.append(Problem(line, "", "has more fields than the header"))
                continue
            if any(value is None for value in raw.values()):
                problems.append(Problem(line, "", "has fewer fields than the header"))
                continue
            if not any(value.strip() for value in raw.values()):
                continue
            row = _check_row(raw, line, lookups, problems)
            key = (row.values["source"], row.values["external_id"])
            if row.values["external_id"]:
                if key in seen:
                    problems.append(
                        Problem(
                            line, "external_id", f"{key[1]!r} already appears on line {seen[key]}"
                        )
                    )
                else:
                    seen[key] = line
            rows.append(row)
            if len(problems) >= MAX_ERRORS:
                problems.append(Problem(line, "", "too many problems; stopped checking here"))
                break
    except csv.Error as error:
        problems.append(Problem(reader.line_num, "", f"not valid CSV: {error}"))
    if problems:
        raise ImportRejected(problems)
    if not rows:
        raise ImportRejected([Problem(2, "", "the file has a header but no accounts")])
    return rows


def accounts_import(
    *,
    actor: Actor,
    data: bytes,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Check ``data`` (CSV bytes) and, if it is clean, create or update its accounts."""
    lookups = _Lookups(actor)
    rows = _parse(_decode(data), lookups)
    result = ImportResult(rows=len(rows))
    now = timezone.now()
    with transaction.atomic():
        for start in range(0, len(rows), BATCH):
            batch = rows[start : start + BATCH]
            _write_batch(actor, lookups, batch, result, now)
            if progress:
                progress(start + len(batch), len(rows))
    return result


def _write_batch(
    actor: Actor, lookups: _Lookups, batch: list[_Row], result: ImportResult, now
) -> None:
    keys = {(r.values["source"], r.values["external_id"]) for r in batch}
    existing: dict[tuple[str, str], Account] = {}
    for source in {k[0] for k in keys}:
        ids = [k[1] for k in keys if k[0] == source]
        for account in Account.objects.filter(source=source, external_id__in=ids).select_related(
            "team", "owner"
        ):
            existing[(account.source, account.external_id)] = account

    created: list[Account] = []
    updated: list[tuple[Account, dict, dict]] = []
    for row in batch:
        values = row.values
        account = existing.get((values["source"], values["external_id"]))
        if account is None:
            account = Account(**values, created_at=now, updated_at=now)
            account.search_text = Account.search_text_for(account.name, account.external_id)
            created.append(account)
            continue
        if lookups.writable is not None and account.team_id not in lookups.writable:
            raise ImportRejected(
                [Problem(row.line, "external_id", "belongs to a team you may not change")]
            )
        before = snapshot(account, ACCOUNT_FIELDS)
        for name, value in values.items():
            setattr(account, name, value)
        old, new = diff(before, snapshot(account, ACCOUNT_FIELDS))
        if new:
            account.search_text = Account.search_text_for(account.name, account.external_id)
            account.updated_at = now
            updated.append((account, old, new))
        else:
            result.unchanged += 1

    Account.objects.bulk_create(created)
    if updated:
        Account.objects.bulk_update(
            [a for a, _, _ in updated], [*ACCOUNT_FIELDS, "search_text", "updated_at"]
        )
        accounts_moved([a.pk for a, _, new in updated if "team" in new])
    rows_written_send(Account, [a.pk for a in created] + [a.pk for a, _, _ in updated])
    events = [
        event_build(
            actor=actor,
            action="account.created",
            subject=a,
            account_id=a.pk,
            summary=said(gettext_noop("Account %(name)s imported"), name=a.name),
            after=snapshot(a, ACCOUNT_FIELDS),
            at=now,
        )
        for a in created
    ] + [
        event_build(
            actor=actor,
            action="account.updated",
            subject=a,
            account_id=a.pk,
            summary=said(
                gettext_noop("Account %(name)s updated by import: %(fields)s"),
                name=a.name,
                fields=field_names(Account, list(new)),
            ),
            before=old,
            after=new,
            at=now,
        )
        for a, old, new in updated
    ]
    Event.objects.bulk_create(events)
    result.created += len(created)
    result.updated += len(updated)


def accounts_export_rows(accounts: Iterable[Account]) -> Iterator[list[str]]:
    yield COLUMNS
    for account in accounts:
        yield [
            account.external_id,
            account.name,
            account.team.slug,
            account.kind,
            account.owner.username if account.owner else "",
            str(account.annual_value),
            account.currency,
            account.tier,
            account.lifecycle,
            account.language,
            account.source,
        ]


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[list[str]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    for row in rows:
        yield writer.writerow(row)
