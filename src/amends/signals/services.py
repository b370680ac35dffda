"""Recording signals, and the webhook sources that send them.

Every way in (the CSV import, the API, a webhook) checks its rows with
``rules.Checker`` and stores them with ``SignalWriter``: a prepared INSERT of many
rows at once, sent through the DB-API, which skips a (source, external_id) that is
already stored, so sending the same signals twice stores them once. The ORM's
``bulk_create`` builds a model instance per row and is several times slower.

Signals write no timeline events: there are far too many of them. Instead, other
apps hear of new signals through ``on_signals_recorded`` (complaints make an
inbox entry for each complaint).
"""

import hmac
import logging
import secrets
import sqlite3
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence, Set
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from hashlib import sha256
from itertools import chain
from types import TracebackType
from typing import Any, TypedDict, Unpack

from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from amends.people.access import READ, WRITE, team_ids_for
from amends.people.models import Team
from amends.signals.models import Signal, SignalHookRun, SignalSource, WebhookReceipt
from amends.signals.rules import AccountIndex, Checker
from amends.timeline.services import Actor, diff, event_record, field_names, said, snapshot

SignalsHook = Callable[[list[Signal]], None]
logger = logging.getLogger(__name__)

# Called inside the recording transaction, after the rows are in, with the signals
# that are new (never those that were already there), in lists of at most
# HOOK_BATCH. A hook that raises undoes the whole recording. (A large import calls
# them after its commit, in the worker: see SignalWriter.) A plain function
# appended here hears of every new signal, which for a large import means building
# every row as a model; register with ``signals_hook("complaint")`` to hear of some.
on_signals_recorded: list[SignalsHook] = []
HOOK_BATCH = 2000
BULK_ROWS = 50_000  # an import this large gets bulk_session and sets indexes aside
BULK_CACHE_KIB = -262_144  # 256 MiB of SQLite page cache while it runs
MAX_ITEMS = 1000  # per API request or webhook delivery; an import has no limit
# Rows per INSERT on SQLite, sent through the DB-API's own cursor: one statement of
# 100 rows costs less than 100 statements of one, each bound, stepped and reset (the
# bench's 1,000,000 rows: 2.7 s of CPU against 3.9 s with executemany).
ROWS_PER_INSERT = 100
# Indexes kept while a writer's thread stores a large file: a file in time order (as
# event logs export) adds each row at the end of its kind's part of (kind, at), which
# costs the thread little while the caller reads on, where building it after the rows
# costs the import 0.6 s of its own. (account, kind, at) is written all over: set aside.
KEPT_IN_BACKGROUND = {"signal_kind_at"}


def signals_hook(*kinds: str) -> Callable[[SignalsHook], SignalsHook]:
    """Register the decorated function for new signals of these kinds (of every
    kind when none is named)."""

    def register(hook: SignalsHook) -> SignalsHook:
        setattr(hook, "signal_kinds", frozenset(kinds) or None)  # noqa: B010 - read by getattr
        on_signals_recorded.append(hook)
        return hook

    return register


@dataclass
class RecordResult:
    created: int = 0
    already_there: int = 0
    hooks_run: int | None = None  # a SignalHookRun: the hooks run after the commit


def _column(name: str) -> str:
    field = Signal._meta.get_field(name)
    if not isinstance(field, models.Field) or field.column is None:
        raise TypeError(f"Signal.{name} has no column of its own.")
    return field.column


COLUMNS = [
    "account",
    "kind",
    "at",
    "source",
    "external_id",
    "value",
    "currency",
    "metric",
    "text",
    "created_at",
]


def _insert_sql(rows: int = 1, placeholder: str = "%s", *, or_ignore: bool = False) -> str:
    """INSERT of ``rows`` rows that skips a (source, external_id) already stored.

    ``or_ignore``, for SQLite and checked rows only: ``INSERT OR IGNORE`` skips a row
    that breaks any constraint, where ``ON CONFLICT … DO NOTHING`` names the key. The
    rows are checked (no NULL, no other unique column), so the two skip the same rows,
    but a statement that may abort halfway makes SQLite keep a statement journal of
    every page it changes, on disk: the bench's million rows wrote 160 MB more and
    took 1 s longer (11.35 s against 10.3 s)."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(_column(name)) for name in COLUMNS)
    table = quote(Signal._meta.db_table)
    values = ", ".join(["(" + ", ".join([placeholder] * len(COLUMNS)) + ")"] * rows)
    # Names from the model, never from input.
    if or_ignore:
        return f"INSERT OR IGNORE INTO {table} ({columns}) VALUES {values}"  # noqa: S608
    return (
        f"INSERT INTO {table} ({columns}) "  # noqa: S608
        f"VALUES {values} "
        f"ON CONFLICT ({quote('source')}, {quote('external_id')}) DO NOTHING"
    )


class SignalWriter:
    """Stores checked rows (``Checker.check``) in batches, inside the one
    transaction of the whole recording:

        with transaction.atomic(), SignalWriter() as writer:
            repeated = writer.write(rows, lines)

    A row whose (source, external_id) is already stored is skipped and counted as
    already there, unless this writer stored it: then the recording named it twice,
    and ``write`` hands back its line (or item index) and key. So a file needs no
    set of every key it has named; the unique index is that set.

    On SQLite, when ``expected_rows`` are at least BULK_ROWS and more than the
    table holds already, the table's other indexes are dropped while the rows go in
    and built again at the end (``set_indexes_aside`` says so either way): sorting
    once beats a million random inserts, but not when a million rows are there
    already. Dropping an index is part of the transaction, so other connections
    never see the table without it, and a rolled-back import leaves it as it was.

    Leaving the block without an error calls the hooks with what is new; for a
    recording of BULK_ROWS or more (``hooks_after_commit`` says so either way) it
    leaves them to the worker after the commit instead (a ``SignalHookRun``): a
    million signals' complaints cost the import a fifth of its time, and an inbox
    filled a minute later loses nothing.
    """

    def __init__(
        self,
        *,
        expected_rows: int = 0,
        set_indexes_aside: bool | None = None,
        hooks_after_commit: bool | None = None,
        in_background: bool | None = None,
    ):
        self.created_at = timezone.now()
        # As the database driver wants it: text in SQLite, a datetime elsewhere.
        self.stamp = connection.ops.adapt_datetimefield_value(self.created_at)
        self.result = RecordResult()
        self.sql = _insert_sql()
        self.sqlite = connection.vendor == "sqlite"
        self.many_sql = self.one_sql = ""
        self.expected_rows = expected_rows
        self.set_indexes_aside = set_indexes_aside
        self.hooks = list(on_signals_recorded)
        self.hooks_after_commit = (
            expected_rows >= BULK_ROWS if hooks_after_commit is None else hooks_after_commit
        )
        self.aside: list[tuple[str, str]] = []
        self.table = connection.ops.quote_name(Signal._meta.db_table)
        # A thread of its own for the INSERTs, on SQLite, for a large recording: SQLite
        # stores a batch with Python's lock released, so the caller reads and checks
        # the next batch meanwhile, on the other core.
        if in_background is None:
            in_background = expected_rows >= BULK_ROWS
        self.pool = ThreadPoolExecutor(1) if in_background and self.sqlite else None
        self.pending: deque[Future] = deque()

    def __enter__(self) -> "SignalWriter":
        if not connection.in_atomic_block:
            raise RuntimeError("SignalWriter must run inside transaction.atomic()")
        self.cursor = connection.cursor()
        if self.sqlite:
            # The DB-API's own cursor, for INSERTs of many rows written for it (with "?").
            dbapi = connection.connection
            if not isinstance(dbapi, sqlite3.Connection):
                raise TypeError("SignalWriter expected a sqlite3 connection")
            self.dbapi_cursor = dbapi.cursor()
            limit = dbapi.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
            self.rows_per_insert = max(1, min(ROWS_PER_INSERT, limit // len(COLUMNS)))
            self.many_sql = _insert_sql(self.rows_per_insert, "?", or_ignore=True)
            self.one_sql = _insert_sql(1, "?", or_ignore=True)
        self.first_id = self._last_id()
        aside = self.set_indexes_aside
        if aside is None:
            # The largest id stands in for the number of rows: counting costs a scan.
            aside = self.expected_rows >= BULK_ROWS and self.expected_rows > self.first_id
        if aside and self.sqlite:
            self.cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                "AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%%'",
                [Signal._meta.db_table],
            )
            self.aside = [
                (name, sql)
                for name, sql in self.cursor.fetchall()
                if not (self.pool is not None and name in KEPT_IN_BACKGROUND)
            ]
            for name, _ in self.aside:
                self.cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
        return self

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """Run ``sql`` (with %s placeholders): on SQLite through the DB-API's cursor,
        which the writer's thread may use (Django's cursor belongs to its thread)."""
        if self.sqlite:
            return self.dbapi_cursor.execute(sql.replace("%s", "?"), params)
        self.cursor.execute(sql, params)
        return self.cursor

    def _last_id(self) -> int:
        return self._execute(f"SELECT MAX(id) FROM {self.table}").fetchone()[0] or 0  # noqa: S608

    def write_soon(self, rows: list[tuple], lines: list[int]) -> list[tuple[int, tuple[str, str]]]:
        """``write``, in the writer's thread when it has one; what ``write`` said of the
        batches done so far (``written`` says the rest)."""
        if self.pool is None:
            return self.write(rows, lines)
        self.pending.append(self.pool.submit(self.write, rows, lines))
        repeated = []
        # At most two batches wait: the reader may be faster than the database.
        while len(self.pending) > 2 or (self.pending and self.pending[0].done()):
            repeated += self.pending.popleft().result()
        return repeated

    def written(self) -> list[tuple[int, tuple[str, str]]]:
        """Wait for the batches still being stored; what ``write`` said of them."""
        repeated = []
        while self.pending:
            repeated += self.pending.popleft().result()
        return repeated

    def write(self, rows: list[tuple], lines: list[int]) -> list[tuple[int, tuple[str, str]]]:
        """Store ``rows``; the (line, key) of each that this writer had stored already."""
        if not rows:
            return []
        last_id = self._last_id()
        if self.sqlite:
            created = self._insert_sqlite(rows)
        else:
            # Checked rows hold SQLite's text for a UTC time; say it is UTC elsewhere.
            self.cursor.executemany(self.sql, [(*r[:2], r[2] + "+00:00", *r[3:]) for r in rows])
            created = self.cursor.rowcount
        self.result.created += created
        if created == len(rows):
            return []
        if not self.result.created:
            # Nothing stored by this writer yet, so all were there before: the common
            # case of a file imported again, spared a look-up per row.
            self.result.already_there += len(rows)
            return []
        # Some were skipped: those this writer stored (now or before) were named twice.
        mine = self._stored_by_me(rows)
        repeated, stored_now = [], set()
        for row, line in zip(rows, lines, strict=True):
            key = (row[3], row[4])
            pk = mine.get(key)
            if pk is None:
                self.result.already_there += 1
            elif pk <= last_id or key in stored_now:
                repeated.append((line, key))
            else:
                stored_now.add(key)
        return repeated

    def _insert_sqlite(self, rows: list[tuple[Any, ...]]) -> int:
        """Insert ``rows`` ROWS_PER_INSERT at a time (the rest one by one); how many
        were new."""
        cursor, step = self.dbapi_cursor, self.rows_per_insert
        whole = len(rows) - len(rows) % step
        created = 0
        for start in range(0, whole, step):
            cursor.execute(self.many_sql, list(chain.from_iterable(rows[start : start + step])))
            created += cursor.rowcount
        if whole < len(rows):
            cursor.executemany(self.one_sql, rows[whole:])
            created += cursor.rowcount
        return created

    def _stored_by_me(self, rows: list[tuple]) -> dict[tuple[str, str], int]:
        by_source: dict[str, set[str]] = {}
        for row in rows:
            by_source.setdefault(row[3], set()).add(row[4])
        mine: dict[tuple[str, str], int] = {}
        for source, external_ids in by_source.items():
            ordered = sorted(external_ids)
            for start in range(0, len(ordered), 500):
                chunk = ordered[start : start + 500]
                found = self._execute(
                    f"SELECT external_id, id FROM {self.table} WHERE id > %s "  # noqa: S608
                    f"AND created_at = %s AND source = %s "
                    f"AND external_id IN ({', '.join(['%s'] * len(chunk))})",
                    [self.first_id, self.stamp, source, *chunk],
                )
                mine.update(((source, external_id), pk) for external_id, pk in found)
        return mine

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            if self.pool is not None:
                for future in self.pending:
                    future.exception()  # waits; an error of its own is already raised
                self.pool.shutdown()
            if error is None:
                for _, sql in self.aside:
                    self.cursor.execute(sql)
                if self.hooks and self.result.created:
                    self._call_hooks()
        finally:
            self.cursor.close()
            if self.sqlite:
                self.dbapi_cursor.close()

    def _call_hooks(self) -> None:
        if self.hooks_after_commit:
            run = SignalHookRun.objects.create(after_id=self.first_id, created_at=self.created_at)
            transaction.on_commit(_hooks_enqueue)
            self.result.hooks_run = run.pk
        else:
            _hooks_call(self.hooks, after_id=self.first_id, created_at=self.created_at)


def _hooks_enqueue() -> None:
    from amends.signals.tasks import signal_hooks_run

    signal_hooks_run.enqueue()


def _hooks_call(hooks: list[SignalsHook], *, after_id: int, created_at: datetime) -> None:
    """Hand the signals after ``after_id`` stamped ``created_at`` to ``hooks``, in
    lists of HOOK_BATCH, each hook only those of its kinds."""
    wanted: list[frozenset[str] | None] = [getattr(hook, "signal_kinds", None) for hook in hooks]
    # Only one recording's rows: newer than before it began, and stamped by it.
    new = Signal.objects.filter(pk__gt=after_id, created_at=created_at)
    named = [kinds for kinds in wanted if kinds is not None]
    if len(named) == len(wanted):
        new = new.filter(kind__in=set().union(*named))
    batch: list[Signal] = []
    for signal in new.order_by("pk").iterator(chunk_size=HOOK_BATCH):
        batch.append(signal)
        if len(batch) == HOOK_BATCH:
            _hand_over(hooks, batch, wanted)
            batch = []
    if batch:
        _hand_over(hooks, batch, wanted)


def _hand_over(
    hooks: list[SignalsHook], batch: list[Signal], wanted: list[frozenset[str] | None]
) -> None:
    for hook, kinds in zip(hooks, wanted, strict=True):
        chosen = batch if kinds is None else [s for s in batch if s.kind in kinds]
        if chosen:
            hook(chosen)


def signal_hooks_run_pending() -> int:
    """Run the hooks of every recording that left them to the worker, each in its own
    transaction, claimed with a compare-and-set update, so two workers never run
    one twice; a run whose hook fails is tried again next time. How many ran."""
    ran = 0
    pending = SignalHookRun.objects.filter(done_at=None).order_by("pk")
    for run in list(pending.only("pk", "after_id", "created_at")):
        try:
            with transaction.atomic():
                claimed = SignalHookRun.objects.filter(pk=run.pk, done_at=None).update(
                    done_at=timezone.now()
                )
                if claimed:
                    hooks = list(on_signals_recorded)
                    _hooks_call(hooks, after_id=run.after_id, created_at=run.created_at)
                    ran += 1
        except Exception:
            logger.exception("hooks of signals after %s failed; tried again later", run.after_id)
    return ran


@contextmanager
def bulk_session(rows: int) -> Iterator[None]:
    """A connection set up for storing ``rows`` signals at once; enter it before the
    transaction. On SQLite that is a page cache big enough for the indexes being
    written, and foreign keys off: they cannot be turned off inside a transaction,
    and the import checks every account itself, reading the accounts inside its
    transaction, whose write lock keeps them from being deleted meanwhile.
    Anywhere else, or inside a transaction already, it changes nothing."""
    if connection.vendor != "sqlite" or connection.in_atomic_block or rows < BULK_ROWS:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (cache_size,) = cursor.fetchone()
        cursor.execute("PRAGMA foreign_keys")
        (foreign_keys,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = {BULK_CACHE_KIB}")
        cursor.execute("PRAGMA foreign_keys = OFF")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA foreign_keys = {int(foreign_keys)}")
            cursor.execute(f"PRAGMA cache_size = {int(cache_size)}")


# --- the API and webhooks: a few hundred signals at a time --------------------------------


class SignalsRejected(Exception):
    """Nothing was stored; ``problems`` are (item index, field, message)."""

    def __init__(self, problems: list[tuple[int, str, str]]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s); no signal was stored")


ITEM_FIELDS = (
    "account_id",
    "account",
    "account_source",
    "kind",
    "at",
    "source",
    "external_id",
    "value",
    "currency",
    "metric",
    "text",
)


def signals_record(
    *,
    actor: Actor,
    items: Sequence[Mapping[str, str]],
    default_source: str,
    team: Team | None = None,
    only_source: str | None = None,
) -> RecordResult:
    """Check every item (text values keyed by ``ITEM_FIELDS``) and, when all are
    good, store the new ones; all or nothing. ``team`` limits the accounts to one
    team's, on top of the actor's rights; ``only_source`` is the one source the
    items may claim."""
    writable = team_ids_for(actor.user, WRITE) if actor.user is not None else None
    readable: Set[int] | None = team_ids_for(actor.user, READ) if actor.user is not None else None
    if team is not None:
        writable = {team.pk} if writable is None else writable & {team.pk}
        readable = frozenset()
    values = [[(item.get(name) or "").strip() for name in ITEM_FIELDS] for item in items]
    accounts = AccountIndex.named(
        ids=[int(v[0]) for v in values if v[0].isascii() and v[0].isdigit()],
        external_ids=[v[1] for v in values],
    )
    with transaction.atomic(), SignalWriter() as writer:
        checker = Checker(
            accounts=accounts,
            writable=writable,
            readable=readable,
            scope=f" in team {team.name}" if team is not None else "",
            default_source=default_source,
            only_source=only_source,
            created_at=writer.stamp,
            now=writer.created_at,
        )
        problems: list[tuple[int, str, str]] = []
        rows = [checker.check(index, problems, *v) for index, v in enumerate(values)]
        first: dict[tuple[str, str], int] = {}
        for index, row in enumerate(rows):
            if row is not None:
                seen = first.setdefault((row[3], row[4]), index)
                if seen != index:
                    problems.append((index, "external_id", f"{row[4]!r} is also item {seen}"))
        if problems:
            raise SignalsRejected(sorted(problems, key=lambda problem: problem[0]))
        # Without a problem every item is a row: check gives None only with one.
        checked = [row for row in rows if row is not None]
        writer.write(checked, list(range(len(rows))))
    return writer.result


class WebhookRefused(Exception):
    """The delivery is refused as a whole, with an HTTP status and a reason."""

    def __init__(self, status: int, message: str):
        self.status = status
        super().__init__(message)


def webhook_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, sha256).hexdigest()


def webhook_source_verify(*, source: SignalSource | None, signature: str, body: bytes) -> str:
    """The hex digest of a good signature, or WebhookRefused saying what is wrong."""
    if source is None or not source.active:
        raise WebhookRefused(404, "No such signal source.")
    if not signature:
        raise WebhookRefused(401, "Sign the body: X-Amends-Signature: sha256=<HMAC-SHA256 hex>.")
    expected = webhook_signature(source.secret, body)
    # Compare the whole header in constant time, before looking at its parts.
    if not hmac.compare_digest(signature.strip().lower().encode(), expected.encode()):
        raise WebhookRefused(401, "The signature does not match the body.")
    return expected.removeprefix("sha256=")


def webhook_deliver(
    *, source: SignalSource, digest: str, items: Sequence[Mapping[str, str]]
) -> RecordResult:
    """Record a signed delivery once: the same signature again is a replay."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                WebhookReceipt.objects.create(source=source, signature=digest)
        except IntegrityError:
            raise WebhookRefused(409, "This delivery was already received.") from None
        return signals_record(
            actor=Actor.system(),
            items=items,
            default_source=source.slug,
            team=source.team,
            only_source=source.slug,
        )


# --- sources ------------------------------------------------------------------------------


def _new_secret() -> str:
    return secrets.token_urlsafe(32)


@transaction.atomic
def signal_source_create(
    *, actor: Actor, slug: str, name: str, team: Team | None = None
) -> tuple[SignalSource, str]:
    """A new webhook source and its secret, which is shown to the caller only now."""
    secret = _new_secret()
    source = SignalSource(slug=slug, name=name or slug, team=team, secret=secret)
    source.full_clean()
    source.save()
    event_record(
        actor=actor,
        action="signal_source.created",
        subject=source,
        account_id=None,
        summary=said(
            gettext_noop("Signal source %(slug)s created for team %(team)s")
            if team
            else gettext_noop("Signal source %(slug)s created for every team"),
            slug=source.slug,
            team=team.name if team else "",
        ),
        after={"slug": source.slug, "name": source.name, "team": team.slug if team else None},
    )
    return source, secret


@transaction.atomic
def signal_source_rotate(*, actor: Actor, source: SignalSource) -> str:
    """Give the source a new secret; the old one stops working at once."""
    secret = _new_secret()
    source.secret = secret
    source.save(update_fields=["secret"])
    event_record(
        actor=actor,
        action="signal_source.rotated",
        subject=source,
        account_id=None,
        summary=said(gettext_noop("Signal source %(slug)s: new secret"), slug=source.slug),
    )
    return secret


@transaction.atomic
def signal_source_set_active(*, actor: Actor, source: SignalSource, active: bool) -> SignalSource:
    if source.active != active:
        source.active = active
        source.save(update_fields=["active"])
        event_record(
            actor=actor,
            action="signal_source.activated" if active else "signal_source.deactivated",
            subject=source,
            account_id=None,
            summary=said(
                gettext_noop("Signal source %(slug)s active again")
                if active
                else gettext_noop("Signal source %(slug)s stopped"),
                slug=source.slug,
            ),
            before={"active": not active},
            after={"active": active},
        )
    return source


SOURCE_FIELDS = ["name", "team", "active"]


class SourceChanges(TypedDict, total=False):
    name: str
    team: Team | None
    active: bool


@transaction.atomic
def signal_source_update(
    *, actor: Actor, source: SignalSource, **changes: Unpack[SourceChanges]
) -> SignalSource:
    """Change a source's name, team or state (its team decides whose accounts it may
    name, so every change is on the timeline)."""
    before = snapshot(source, SOURCE_FIELDS)
    for name, value in changes.items():
        if name not in SOURCE_FIELDS:
            raise TypeError(f"a signal source has no field {name!r} to change")
        setattr(source, name, value)
    old, new = diff(before, snapshot(source, SOURCE_FIELDS))
    if new:
        source.full_clean()
        source.save(update_fields=list(changes))
        event_record(
            actor=actor,
            action="signal_source.updated",
            subject=source,
            account_id=None,
            summary=said(
                gettext_noop("Signal source %(slug)s changed: %(fields)s"),
                slug=source.slug,
                fields=field_names(SignalSource, list(new)),
            ),
            before=old,
            after=new,
        )
    return source
