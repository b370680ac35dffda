"""What a signal must look like, whichever way it comes in: a CSV file, the API
or a webhook. One set of rules, one set of messages.

The checks run once per row of files with millions of rows, so they work on the
text as given: set lookups and anchored patterns first, ``Decimal`` and time zone
arithmetic only for the unusual value that the fast path does not recognise. A
checked row is a tuple in the column order of the INSERT in ``services``.
"""

import operator
import re
from collections.abc import Iterable, Sequence, Set
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from itertools import repeat

from django.db import connection
from django.db.models import Q

from amends.accounts.models import Account
from amends.signals.models import SignalKind

CUSTOM_KIND = re.compile(r"[a-z][a-z0-9_]{0,39}")
# What the value column holds: max_digits=16 with decimal_places=4.
NUMBER = re.compile(r"-?\d{1,12}(?:\.\d{1,4})?", re.ASCII)
WRITTEN_OUT = re.compile(r"-?\d+(?:\.\d+)?", re.ASCII)
SOURCE_MAX = 64
EXTERNAL_ID_MAX = 128
METRIC_MAX = 64
TEXT_MAX = 10_000
EARLIEST = "1900-01-01"
FUTURE_SLACK = timedelta(days=1)  # clocks differ; a day ahead is not a mistake yet

# How each built-in kind treats its value; any other slug is a custom kind (PLAIN).
PLAIN, NPS, CSAT, ORDER, USAGE = range(5)
RULES = {kind: PLAIN for kind in SignalKind.values} | {
    SignalKind.NPS.value: NPS,
    SignalKind.CSAT.value: CSAT,
    SignalKind.ORDER.value: ORDER,
    SignalKind.USAGE.value: USAGE,
}
SCORES = {
    NPS: (frozenset(str(n) for n in range(11)), 0, 10),
    CSAT: (frozenset(str(n) for n in range(1, 6)), 1, 5),
}
AMBIGUOUS = -1
KIND_HELP = (
    "is not a kind: use one of "
    + ", ".join(SignalKind.values)
    + ", or a slug of your own (a-z, 0-9 and _, starting with a letter, at most 40)"
)

_fromisoformat = datetime.fromisoformat


def stored_at(text: str) -> str | None:
    """ISO 8601 text as Django keeps a UTC time in SQLite ('2025-03-01 10:20:30'),
    or None when it is not a time. A time without an offset is UTC."""
    try:
        moment = _fromisoformat(text)
    except ValueError:
        return None
    # The common shapes, 2025-03-01T10:20:30Z and 2025-03-01 10:20:30, by slicing:
    # fromisoformat has already said the numbers make a real time.
    size = len(text)
    if (
        ((size == 20 and text[19] == "Z") or (size == 19 and moment.tzinfo is None))
        and text[4] == "-"
        and text[7] == "-"
        and text[13] == ":"
        and text[16] == ":"
    ):
        return text[:10] + " " + text[11:19]
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return str(moment)


def _number_problem(text: str) -> str:
    try:
        number = Decimal(text)
    except InvalidOperation:
        return f"{text!r} is not a number (write decimals with a dot: 1234.50)"
    if not number.is_finite():
        return f"{text!r} is not a number"
    if number.as_tuple().exponent < -4:
        return f"{text!r} has more than 4 decimal places"
    if not WRITTEN_OUT.fullmatch(text):
        return f"{text!r}: write the number out, with a dot for decimals: 1234.50"
    return f"{text!r} is too large (at most 12 digits before the dot)"


def _score(text: str, low: int, high: int) -> str | None:
    """'7', '7.0' and '07' are the score 7; None when it is no whole number in range."""
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    if number.is_finite() and number == number.to_integral_value() and low <= number <= high:
        return str(int(number))
    return None


class AccountIndex:
    """Accounts by id and by external id, with their teams, fetched in one query.

    An external id is unique per source only; named without ``account_source`` it
    must belong to one account, else the row is refused as ambiguous.
    """

    def __init__(self, rows: Iterable[tuple[int, int, str, str]]):
        self.team_of: dict[int, int] = {}
        self.by_source: dict[str, dict[str, int]] = {}
        self.by_external: dict[str, int] = {}
        for pk, team_id, source, external_id in rows:
            self.team_of[pk] = team_id
            if external_id:
                self.by_source.setdefault(source, {})[external_id] = pk
                known = self.by_external.get(external_id)
                self.by_external[external_id] = pk if known is None else AMBIGUOUS

    FIELDS = ("id", "team_id", "source", "external_id")

    @classmethod
    def every(cls) -> "AccountIndex":
        # The rows as the database sends them (four plain values need no converter):
        # 0.14 s for 100,000 accounts, against 0.26 s through the ORM's iterator.
        sql, params = Account.objects.values_list(*cls.FIELDS).order_by().query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cls(cursor.fetchall())

    @classmethod
    def named(cls, *, ids: Iterable[int], external_ids: Iterable[str]) -> "AccountIndex":
        ids, external_ids = set(ids), set(external_ids) - {""}
        if not ids and not external_ids:
            return cls([])
        wanted = Q(id__in=ids) | Q(external_id__in=external_ids)
        return cls(Account.objects.filter(wanted).values_list(*cls.FIELDS))

    def sources_of(self, external_id: str) -> list[str]:
        return sorted(s for s, ids in self.by_source.items() if external_id in ids)


class Checker:
    """Checks one signal at a time and returns it as a row to insert, or None after
    appending ``(where, column, message)`` to ``problems``.

    ``writable`` are the team ids whose accounts may get signals (None: all).
    An account of a team in ``readable`` but not ``writable`` is refused as
    look-only; of any other team, as "no account", as if it did not exist, with
    ``scope`` (", in team North") added to say where it was looked for.
    ``only_source``, when set, is the one source the signals may claim (a webhook's).
    """

    def __init__(
        self,
        *,
        accounts: AccountIndex,
        writable: set[int] | None,
        default_source: str,
        created_at,
        now: datetime,
        readable: Set[int] | None = frozenset(),
        scope: str = "",
        only_source: str | None = None,
    ):
        self.accounts = accounts
        self.by_external = accounts.by_external
        self.team_of = accounts.team_of
        self.writable = writable
        self.readable = readable
        self.scope = scope
        self.default_source = default_source
        self.created_at = created_at
        self.latest = str((now + FUTURE_SLACK).astimezone(UTC).replace(tzinfo=None))
        self.only_source = only_source
        self.kinds = dict(RULES)  # custom kinds join once seen, to skip the pattern
        self.numbers: set[str] = set()  # values that passed NUMBER, up to a bound

    def account_pk(self, where, problems: list, pk_text: str, external_id: str, source: str):
        accounts = self.accounts
        if pk_text:
            column = "account_id"
            try:
                pk = int(pk_text)
            except ValueError:
                problems.append((where, column, f"{pk_text!r} is not an account id"))
                return None
            if pk not in accounts.team_of:
                pk = None
            name = repr(pk_text)
        else:
            column = "account"
            if not external_id:
                problems.append((where, "account", "is required"))
                return None
            if source:
                pk = accounts.by_source.get(source, {}).get(external_id)
            else:
                pk = accounts.by_external.get(external_id)
                if pk == AMBIGUOUS:
                    sources = ", ".join(accounts.sources_of(external_id))
                    problems.append(
                        (
                            where,
                            "account",
                            f"{external_id!r} is an account in several sources ({sources}); "
                            "name one in account_source",
                        )
                    )
                    return None
            name = f"{external_id!r} from source {source!r}" if source else repr(external_id)
        if pk is not None and self.writable is not None:
            team = accounts.team_of[pk]
            if team not in self.writable:
                if self.readable is None or team in self.readable:  # look-only
                    problems.append(
                        (where, column, "you may look at this account but not add signals to it")
                    )
                    return None
                pk = None
        if pk is None:
            problems.append((where, column, f"no account {name}{self.scope}"))
        return pk

    def check(
        self,
        where,
        problems: list,
        account_pk: str,
        account: str,
        account_source: str,
        kind: str,
        at: str,
        source: str,
        external_id: str,
        value: str,
        currency: str,
        metric: str,
        text: str,
    ) -> tuple | None:
        before = len(problems)
        # The common case inline: an external id of one account the writer may change.
        pk = None if account_pk or account_source else self.by_external.get(account)
        if (
            pk is None
            or pk < 0
            or (self.writable is not None and self.team_of[pk] not in self.writable)
        ):
            pk = self.account_pk(where, problems, account_pk, account, account_source)

        rule = self.kinds.get(kind)
        if rule is None:
            lowered = kind.lower()
            rule = self.kinds.get(lowered)
            if rule is None and CUSTOM_KIND.fullmatch(lowered):
                rule = self.kinds[lowered] = PLAIN
            if rule is None:
                problems.append((where, "kind", f"{kind!r} {KIND_HELP}" if kind else "is required"))
                rule = PLAIN  # and the value is checked as any kind's would be
            else:
                kind = lowered

        when = stored_at(at)
        if when is None:
            problems.append(
                (where, "at", f"{at!r} is not a time; write ISO 8601: 2025-03-01T10:20:30Z")
                if at
                else (where, "at", "is required")
            )
        elif not EARLIEST <= when <= self.latest:
            late = when > self.latest
            problems.append(
                (where, "at", f"{at!r} is more than a day in the future")
                if late
                else (where, "at", f"{at!r} is before {EARLIEST[:4]}")
            )

        if not source:
            source = self.default_source
        elif len(source) > SOURCE_MAX or (self.only_source and source != self.only_source):
            problems.append(
                (where, "source", f"must be {self.only_source!r} or left out")
                if self.only_source
                else (where, "source", f"is longer than {SOURCE_MAX} characters")
            )
        if not external_id or len(external_id) > EXTERNAL_ID_MAX:
            problems.append(
                (where, "external_id", f"is longer than {EXTERNAL_ID_MAX} characters")
                if external_id
                else (where, "external_id", "is required")
            )

        if rule == PLAIN:
            if not value:
                value = None
            elif value not in self.numbers:
                self._number(where, problems, value)
        elif rule in SCORES:
            good, low, high = SCORES[rule]
            if value not in good:
                score = _score(value, low, high) if value else None
                if score is None:
                    wanted = f"a whole number from {low} to {high}"
                    message = f"{value!r} is not {wanted}" if value else f"is required: {wanted}"
                    problems.append((where, "value", message))
                value = score
        elif not value:
            problems.append((where, "value", f"is required for {kind}"))
        elif (
            value not in self.numbers
            and self._number(where, problems, value)
            and rule == ORDER
            and value[0] == "-"
        ):
            problems.append((where, "value", f"{value!r}: an order's amount is 0 or more"))

        if currency:
            if len(currency) != 3 or not currency.isalpha() or not currency.isascii():
                problems.append(
                    (where, "currency", f"{currency!r}: use a three-letter code such as EUR")
                )
            elif not currency.isupper():
                currency = currency.upper()
        elif rule == ORDER:
            problems.append((where, "currency", "is required for order"))

        if metric:
            if len(metric) > METRIC_MAX:
                problems.append((where, "metric", f"is longer than {METRIC_MAX} characters"))
        elif rule == USAGE:
            problems.append((where, "metric", "is required for usage"))
        if text and len(text) > TEXT_MAX:
            problems.append((where, "text", f"is longer than {TEXT_MAX:,} characters"))

        if len(problems) != before:
            return None
        return (pk, kind, when, source, external_id, value, currency, metric, text, self.created_at)

    def _number(self, where, problems: list, value: str) -> bool:
        """Whether ``value`` fits the value column; remembers the good ones (non-negative)."""
        if not NUMBER.fullmatch(value):
            problems.append((where, "value", _number_problem(value)))
            return False
        if len(self.numbers) < 100_000 and value[0] != "-":
            self.numbers.add(value)
        return True


# --- a batch at once ----------------------------------------------------------------------

# A time as event logs export it, the only shape ``check_columns`` takes (any other goes
# through ``check``): 2025-03-01T10:20:30Z or 2025-03-01 10:20:30, numbers in range.
_PLAIN_TIME = (
    r"\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])[T ](?:[01]\d|2[0-3]):[0-5]\d:[0-5]\dZ?"
)
PLAIN_TIMES = re.compile(rf"(?:{_PLAIN_TIME}\n)*{_PLAIN_TIME}", re.ASCII)
_day = operator.itemgetter(slice(0, 10))


class BatchChecker(Checker):
    """``Checker`` for many rows at once, column by column: each test is one pass in C
    over a column (a set, a map, a join) rather than Python per row, which is what a
    file of millions of rows costs. It takes only batches it can vouch for whole:
    every account an unambiguous external id the writer may change, every value
    already in its usual shape. For anything else it answers None, and the caller
    checks that batch row by row with ``check``, which finds and words each problem.
    Whatever it accepts, ``check`` would have made the same rows of."""

    def check_columns(
        self,
        account: Sequence[str],
        account_source: Sequence[str],
        kind: Sequence[str],
        at: Sequence[str],
        source: Sequence[str],
        external_id: Sequence[str],
        value: Sequence[str],
        currency: Sequence[str],
        metric: Sequence[str],
        text: Sequence[str],
    ) -> list[tuple] | None:
        if self.only_source is not None or any(account_source):
            return None
        pks = list(map(self.by_external.get, account))
        if None in pks or min(pks) < 0:  # type: ignore[type-var] - None is ruled out first
            return None
        if self.writable is not None and not set(map(self.team_of.__getitem__, set(pks))).issubset(
            self.writable
        ):
            return None

        kinds = self.kinds
        for name in set(kind) - kinds.keys():
            # A new custom kind joins the known ones; one in capitals needs ``check``.
            if name != name.lower() or not CUSTOM_KIND.fullmatch(name):
                return None
            kinds[name] = PLAIN

        if not PLAIN_TIMES.fullmatch("\n".join(at)):
            return None
        try:
            for day in set(map(_day, at)):
                date.fromisoformat(day)  # 2025-02-30 has the shape but is no day
        except ValueError:
            return None
        # The shape is known: only the T and the Z differ from what is stored.
        whens = "\n".join(at).replace("T", " ").replace("Z", "").split("\n")
        if min(whens) < EARLIEST or max(whens) > self.latest:
            return None

        # What check strips (a space left after a comma passes the other tests).
        source = list(map(str.strip, source))
        external_id = list(map(str.strip, external_id))
        metric = list(map(str.strip, metric))
        text = list(map(str.strip, text))
        if "" in source:
            source = [name or self.default_source for name in source]
        if max(map(len, source)) > SOURCE_MAX:
            return None
        if "" in external_id or max(map(len, external_id)) > EXTERNAL_ID_MAX:
            return None
        if max(map(len, metric)) > METRIC_MAX or max(map(len, text)) > TEXT_MAX:
            return None
        for code in set(currency) - {""}:
            if not (len(code) == 3 and code.isalpha() and code.isascii() and code.isupper()):
                return None
        for name, number, code, measure in set(zip(kind, value, currency, metric, strict=True)):
            if not self._usual_value(kinds[name], name, number, code, measure):
                return None

        values = [number or None for number in value]
        return list(
            zip(
                pks,
                kind,
                whens,
                source,
                external_id,
                values,
                currency,
                metric,
                text,
                repeat(self.created_at, len(pks)),
                strict=True,
            )
        )

    def _usual_value(self, rule: int, name: str, value: str, currency: str, metric: str) -> bool:
        """Whether ``check`` takes this value as it is, with nothing to say or change."""
        if rule in SCORES:
            return value in SCORES[rule][0]
        if rule == ORDER and not currency:
            return False
        if rule == USAGE and not metric:
            return False
        if not value:
            return rule == PLAIN
        if value in self.numbers:
            return True
        if not NUMBER.fullmatch(value):
            return False
        if value[0] == "-":
            return rule != ORDER
        if len(self.numbers) < 100_000:
            self.numbers.add(value)
        return True
