"""CSV import of signals: ``amends import signals FILE``.

All or nothing, as the accounts import, but streamed: a file of millions of rows
is never held in memory. It is read once, row by row; each row is checked, and
good rows are stored in batches inside one transaction, even after a problem:
the whole file is read, every problem is reported with its line and column, and
then the transaction is rolled back, so a bad file leaves nothing behind. Reading
a file twice, checking first and storing after, would cost a second parse of
every good file to save work on bad ones; and storing as it goes is how a key
named twice is found (the unique index), where a set of every key would hold the
whole file's ids in memory.

Rows are matched on (source, external_id): a signal already stored is skipped
and counted as already there, so the same file can be imported again. (A key
stored before the import is already there each time a file names it.)
"""

import csv
import gc
import io
import operator
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from django.core.management.base import CommandError
from django.db import transaction

from amends.accounts.csvio import ImportRejected
from amends.core.csvio import Problem
from amends.core.progress import ProgressBar
from amends.people.access import READ, WRITE, team_ids_for
from amends.signals.rules import AccountIndex, BatchChecker
from amends.signals.services import SignalWriter, bulk_session
from amends.timeline.services import Actor

COLUMNS = [
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
]
REQUIRED = {"account", "kind", "at", "external_id"}
DEFAULT_SOURCE = "csv"
MAX_ERRORS = 1000
BATCH = 5000
NOT_UTF8 = "the file is not UTF-8 text; save it as 'CSV UTF-8' and retry"


@dataclass
class SignalImportResult:
    rows: int = 0
    created: int = 0
    already_there: int = 0
    hooks_later: bool = False  # complaints are made by the worker, after the commit


def _count_lines(stream: BinaryIO) -> int | None:
    """Lines in a file that can be read twice (for the progress bar), else None."""
    if not stream.seekable():
        return None
    start = stream.tell()
    lines, last = 0, b"\n"
    while chunk := stream.read(1 << 20):
        lines += chunk.count(b"\n")
        last = chunk[-1:]
    stream.seek(start)
    return lines + (last != b"\n")


def _first_bad_line(stream: BinaryIO, fallback: int) -> int:
    """The exact line of the first byte that is not UTF-8 (the decoder reads ahead)."""
    if not stream.seekable():
        return fallback
    stream.seek(0)
    for number, line in enumerate(stream, start=1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            return number
    return fallback


def _header(reader) -> list[str]:
    try:
        names = next(reader, None)
    except csv.Error as error:
        raise ImportRejected([Problem(1, "", f"not valid CSV: {error}")]) from None
    if not names or not any(name.strip() for name in names):
        empty = "the file is empty; the first line must name columns"
        raise ImportRejected([Problem(1, "", empty)])
    header = [name.strip().lower() for name in names]
    problems = [
        Problem(1, name, f"unknown column; the columns are {', '.join(COLUMNS)}")
        for name in header
        if name not in COLUMNS
    ]
    problems += [
        Problem(1, name, "required column is missing") for name in sorted(REQUIRED - set(header))
    ]
    problems += [
        Problem(1, name, "column appears more than once")
        for name in sorted({name for name in header if header.count(name) > 1})
    ]
    if problems:
        raise ImportRejected(problems)
    return header


def signals_import(
    *,
    actor: Actor,
    stream: BinaryIO,
    default_source: str = "",
    progress: Callable[[int, int], None] | None = None,
    set_indexes_aside: bool | None = None,
    hooks_after_commit: bool | None = None,
    in_background: bool | None = None,
) -> SignalImportResult:
    """Check the CSV in ``stream`` (bytes) and, if every row is good, store its new
    signals. ``default_source`` is for rows whose ``source`` is empty ("csv").
    ``set_indexes_aside``, ``hooks_after_commit`` and ``in_background``: see
    SignalWriter; by default, for a large file."""
    total = _count_lines(stream)
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    try:
        reader = csv.reader(text, skipinitialspace=True)
        with _rare_garbage_collection():
            return _import(
                actor,
                stream,
                reader,
                total,
                default_source,
                progress,
                {
                    "set_indexes_aside": set_indexes_aside,
                    "hooks_after_commit": hooks_after_commit,
                    "in_background": in_background,
                },
            )
    finally:
        text.detach()  # the caller's stream stays open


@contextmanager
def _rare_garbage_collection() -> Iterator[None]:
    """An import makes millions of short-lived rows and no reference cycles, which
    refcounting frees: the cyclic collector, run every 2,000 new objects, would only
    rescan the batches and the account index again and again (a third of the check's
    time on the bench)."""
    thresholds = gc.get_threshold()
    gc.set_threshold(max(thresholds[0], 500_000), *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


def _import(actor, stream, reader, total, default_source, progress, writer_options):
    try:
        header = _header(reader)
    except UnicodeDecodeError:
        raise ImportRejected([Problem(_first_bad_line(stream, 1), "", NOT_UTF8)]) from None
    width = len(header)
    # A missing column reads the "" appended to every row.
    pick = operator.itemgetter(*[header.index(c) if c in header else width for c in COLUMNS])
    expected = total - 1 if total else 0
    default_source = default_source or DEFAULT_SOURCE

    user = actor.user
    writable = team_ids_for(user, WRITE) if user is not None else None
    readable = team_ids_for(user, READ) if user is not None else None
    result = SignalImportResult()
    problems: list[tuple[int, str, str]] = []
    repeated: list[tuple[int, tuple[str, str]]] = []
    with (
        bulk_session(expected),
        transaction.atomic(),
        SignalWriter(expected_rows=expected, **writer_options) as writer,
    ):
        checker = BatchChecker(
            accounts=AccountIndex.every(),  # inside the transaction: see bulk_session
            writable=writable,
            readable=readable,
            default_source=default_source,
            created_at=writer.stamp,
            now=writer.created_at,
        )
        for message in _checked_batches(stream, reader, pick, width, checker):
            if message[0] == "end":
                _, result.rows, problems = message
                break
            _, rows, lines, done = message
            # Rows after a problem are stored all the same, to find keys named twice;
            # the transaction is rolled back at the end.
            repeated += writer.write_soon(rows, lines)
            if progress and done < expected:
                progress(done, expected)
        repeated += writer.written()
        if repeated:
            first = _first_lines(stream, pick, width, default_source, {k for _, k in repeated})
            problems += [
                (line, "external_id", f"{key[1]!r} already appears on line {first.get(key, '?')}")
                for line, key in repeated
            ]
        if problems:
            problems.sort(key=lambda problem: problem[0])
            raise ImportRejected([Problem(*problem) for problem in problems[: MAX_ERRORS + 1]])
        if not result.rows:
            raise ImportRejected([Problem(2, "", "the file has a header but no signals")])
    if progress and expected:
        progress(expected, expected)
    result.created = writer.result.created
    result.already_there = writer.result.already_there
    result.hooks_later = writer.result.hooks_run is not None
    return result


def _checked_batches(stream, reader, pick, width, checker) -> Iterator[tuple]:
    """Read and check every row: ("rows", checked rows, their lines, rows read so far)
    for each batch, then ("end", rows read, problems). A batch is checked column by
    column (``BatchChecker.check_columns``) and, when that does not vouch for all of
    it, row by row (``_check_rows``), which finds and words each problem."""
    problems: list[tuple[int, str, str]] = []
    rows = 0
    last_line = 1  # the line the previous row ended on
    missing = ("",) * BATCH
    while True:
        raw: list[list[str]] = []
        ends: list[int] = []  # the line each row ends on
        keep, end = raw.append, ends.append
        stopped = False
        try:
            for fields in reader:
                keep(fields)
                end(reader.line_num)
                if len(raw) == BATCH:
                    break
        except csv.Error as error:
            problems.append((reader.line_num, "", f"not valid CSV: {error}"))
            stopped = True
        except UnicodeDecodeError:
            problems.append((_first_bad_line(stream, (ends or [last_line])[-1] + 1), "", NOT_UTF8))
            stopped = True
        if not raw:
            break
        lines = [last_line + 1, *map((1).__add__, ends[:-1])]
        last_line = ends[-1]
        checked = None
        if set(map(len, raw)) == {width}:
            columns = [*zip(*raw, strict=True), missing[: len(raw)]]
            checked = checker.check_columns(*pick(columns))
        if checked is not None:
            rows += len(raw)
            yield "rows", checked, lines, rows
        else:
            batch, batch_lines, read = _check_rows(raw, lines, pick, width, checker.check, problems)
            rows += read
            if batch:
                yield "rows", batch, batch_lines, rows
            if len(problems) >= MAX_ERRORS:
                problems.append((problems[-1][0], "", "too many problems; stopped checking here"))
                break
        if stopped or len(raw) < BATCH:
            break
    yield "end", rows, problems


def _check_rows(raw, lines, pick, width, check, problems) -> tuple[list, list, int]:
    """Check rows one by one: the good ones, their lines, and how many rows (blank
    lines are none); each problem is appended to ``problems``."""
    batch: list[tuple] = []
    batch_lines: list[int] = []
    scratch: list[tuple[int, str, str]] = []
    rows = 0
    for fields, line in zip(raw, lines, strict=True):
        if len(fields) != width:
            if fields:
                many = "more" if len(fields) > width else "fewer"
                problems.append((line, "", f"has {many} fields than the header"))
                if len(problems) >= MAX_ERRORS:
                    break
            continue
        if not fields[0] and not any(fields):
            continue
        rows += 1
        fields.append("")
        (
            account,
            account_source,
            kind,
            at,
            source,
            external_id,
            value,
            currency,
            metric,
            note,
        ) = pick(fields)
        # Stripping ten values a row costs a tenth of the check: strip those a space
        # would pass in (the reader drops the spaces after a comma). Elsewhere a space
        # makes the check fail, and the row is checked again, stripped, for its real
        # problems.
        row = check(
            line,
            scratch,
            "",
            account,
            account_source,
            kind,
            at,
            source.strip(),
            external_id.strip(),
            value,
            currency,
            metric.strip() if metric else metric,
            note.strip() if note else note,
        )
        if row is None:
            scratch.clear()
            row = check(line, problems, "", *[v.strip() for v in pick(fields)])
            if row is None and len(problems) >= MAX_ERRORS:
                break
        if row is not None:
            batch.append(row)
            batch_lines.append(line)
    return batch, batch_lines, rows


def _first_lines(stream: BinaryIO, pick, width: int, default_source: str, keys: set) -> dict:
    """Where each of ``keys`` (source, external_id) first appears: read the file again,
    which only a file with a key named twice costs."""
    if not stream.seekable():
        return {}
    stream.seek(0)
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    try:
        reader = csv.reader(text, skipinitialspace=True)
        next(reader)
        first: dict = {}
        last_line = 1
        for fields in reader:
            line, last_line = last_line + 1, reader.line_num
            if len(fields) == width:
                fields.append("")
                values = [field.strip() for field in pick(fields)]
                key = (values[4] or default_source, values[5])
                if key in keys:
                    first.setdefault(key, line)
        return first
    except (csv.Error, UnicodeDecodeError):
        return {}
    finally:
        text.detach()


def signals_import_command(command, *, actor: Actor, file: str, source: str) -> None:
    """``amends import signals FILE``: the file streamed from disk (or standard input),
    problems on stderr, one line of figures on stdout."""
    if file != "-" and not Path(file).is_file():
        raise CommandError(f"{file}: no such file")
    stdin = file == "-"
    try:
        with open(sys.stdin.fileno() if stdin else file, "rb", closefd=not stdin) as stream:
            result = signals_import(
                actor=actor, stream=stream, default_source=source, progress=ProgressBar("importing")
            )
    except ImportRejected as rejected:
        for problem in rejected.problems:
            command.stderr.write(f"{file}: {problem}")
        raise CommandError(f"{file}: {rejected}") from None
    later = " Complaints among them reach the inbox when the worker runs."
    command.stdout.write(
        f"{result.rows} rows: {result.created} created, {result.already_there} already there."
        + (later if result.hooks_later else "")
    )
