"""The signals benchmark: a million signals about 100,000 accounts, imported from CSV.

Loads the demo accounts into a throwaway SQLite database, writes a CSV file of
signals (a realistic mix of kinds over two years, more of them for some accounts
than for others, in time order as an event log exports them) and times
``amends import signals FILE`` as its own process, from start to exit: reading the
file, checking every row, storing them in one transaction. On the same file and
the same database it times the floor, the sqlite3 command-line shell's
``.import --csv FILE bare_table`` into a table without a check, a type or an
index, and reports the ratio of the two (goal: 3 or less). Then it imports the
same file again (every row already there).

    .venv/bin/python bench/signals.py [--accounts N] [--signals N] [--keep] [--no-save]
    .venv/bin/python bench/signals.py --reuse DIR      # a directory kept by --keep

Other benchmarks build on the same data: ``build(workdir)`` makes the database
(accounts and signals) and returns its path, and ``STEPS`` is the list of timed
steps that ``main`` runs after it, to which a step can be added. Django is set up
in this process, for this database, so call ``build`` in a fresh process. The
figures are printed and written to bench/results/signals-<date>.{json,md}. See
bench/README.md.
"""

import argparse
import csv
import json
import os
import platform
import random
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import git_commit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
AMENDS = ROOT / ".venv" / "bin" / "amends"
GOAL_RATIO = 3.0  # the import's time over the sqlite3 shell's .import of the same file
SEED = 1
SPAN_DAYS = 730
FLOOR_RUNS = 2  # the floor is timed this many times; the fastest counts
FLOOR_TABLE = "bench_bare_signals"
SHAPED_TABLE = '"bench_shaped_signals"'
KEPT = "kept.json"  # what --keep leaves beside the pristine database, for --reuse
PRISTINE = "accounts.sqlite3"  # the migrated database with the demo accounts, no signal

# kind, share, source, how its value, currency, metric and text are made
MIX = [
    ("usage", 44.0, "app"),
    ("order", 18.0, "erp"),
    ("ticket_opened", 8.0, "helpdesk"),
    ("ticket_closed", 7.5, "helpdesk"),
    ("csat", 5.0, "survey"),
    ("nps", 4.0, "survey"),
    ("meeting", 3.5, "crm"),
    ("late_payment", 2.5, "erp"),
    ("complaint", 2.0, "helpdesk"),
    ("praise", 1.5, "helpdesk"),
    ("referral", 0.5, "crm"),
    ("webinar_attended", 3.5, "marketing"),  # a kind of the customer's own
]
METRICS = ["logins", "api_calls", "active_seats", "documents_printed"]
CURRENCIES = ["EUR", "USD", "PLN", "CNY"]
COMPLAINTS = [
    "Delivery was two days late, again.",
    "The invoice shows the wrong VAT number",
    "Nobody called us back, as promised.",
    "Forms printed with the wrong year; we had to reprint 5,000",
    'Support said "next week" three weeks ago',
]
PRAISE = ["Quick answer, thank you!", "Eleni sorted it out in an hour.", "Great new portal"]


@dataclass
class Context:
    """What the steps share: where things are, and what each step measured."""

    workdir: Path
    accounts: int
    signals: int
    database: Path = Path()
    csv_path: Path = Path()
    figures: dict = field(default_factory=dict)


Step = Callable[[Context], None]


# --- the data -----------------------------------------------------------------------------


def setup_django(database: Path) -> None:
    """Point Django at ``database``, ignoring AMENDS_* settings of the environment."""
    for key in [key for key in os.environ if key.startswith("AMENDS_")]:
        del os.environ[key]
    os.environ.update(
        AMENDS_DATABASE_URL=f"sqlite:///{database}",
        AMENDS_SECRET_KEY=secrets.token_urlsafe(40),
        AMENDS_DEBUG="0",
        AMENDS_ALLOWED_HOSTS="127.0.0.1",
        AMENDS_LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="amends.settings",
    )
    import django

    django.setup()


def write_signals_csv(path: Path, *, accounts: int, signals: int, seed: int = SEED) -> None:
    """``signals`` rows about the demo accounts demo-000000…, oldest first."""
    rng = random.Random(seed)
    kinds = [kind for kind, _, _ in MIX]
    weights = [share for _, share, _ in MIX]
    sources = {kind: source for kind, _, source in MIX}
    end = datetime(2026, 11, 1, tzinfo=UTC)
    start = end - timedelta(days=SPAN_DAYS)
    step = SPAN_DAYS * 86_400 / signals
    moment = start.timestamp()
    counters = dict.fromkeys(kinds, 0)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(
            [
                "account",
                "kind",
                "at",
                "source",
                "external_id",
                "value",
                "currency",
                "metric",
                "text",
            ]
        )
        chosen = rng.choices(kinds, weights, k=signals)
        for kind in chosen:
            moment += rng.expovariate(1 / step)
            # Some accounts are busier than others: a few have hundreds of signals.
            number = int(accounts * rng.random() ** 2.5)
            counters[kind] += 1
            value = currency = metric = text = ""
            if kind == "usage":
                metric = rng.choice(METRICS)
                value = str(int(rng.lognormvariate(3, 1.2)))
            elif kind == "order":
                value = f"{rng.lognormvariate(7, 1.1):.2f}"
                currency = rng.choice(CURRENCIES)
            elif kind == "late_payment":
                value = f"{rng.lognormvariate(7, 1):.2f}"
                currency = rng.choice(CURRENCIES)
            elif kind == "nps":
                value = str(min(10, max(0, round(rng.gauss(7.5, 2)))))
            elif kind == "csat":
                value = str(rng.choices(range(1, 6), (3, 5, 12, 35, 45))[0])
            elif kind == "complaint":
                text = rng.choice(COMPLAINTS)
            elif kind == "praise":
                text = rng.choice(PRAISE)
            at = datetime.fromtimestamp(min(moment, end.timestamp()), UTC)
            writer.writerow(
                [
                    f"demo-{number:06d}",
                    kind,
                    at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    sources[kind],
                    f"{kind}-{counters[kind]}",
                    value,
                    currency,
                    metric,
                    text,
                ]
            )


def build(workdir: Path, *, accounts: int = 100_000, signals: int = 1_000_000) -> Path:
    """A new SQLite database in ``workdir`` with the demo accounts and their signals,
    imported from ``workdir/signals.csv``; its path. Sets Django up for it."""
    context = Context(workdir=Path(workdir), accounts=accounts, signals=signals)
    for _, step in PREPARE + STEPS[:1]:
        step(context)
    return context.database


# --- the steps ----------------------------------------------------------------------------


def step_database(context: Context) -> None:
    context.database = context.workdir / "bench.sqlite3"
    setup_django(context.database)
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def step_accounts(context: Context) -> None:
    from amends.core.progress import ProgressBar
    from amends.shell.demo import demo_load

    started = time.perf_counter()
    demo_load(accounts=context.accounts, seed=SEED, progress=ProgressBar("demo accounts"))
    context.figures["demo_seconds"] = round(time.perf_counter() - started, 2)


def step_csv(context: Context) -> None:
    context.csv_path = context.workdir / "signals.csv"
    started = time.perf_counter()
    write_signals_csv(context.csv_path, accounts=context.accounts, signals=context.signals)
    context.figures["csv_seconds"] = round(time.perf_counter() - started, 2)
    context.figures["csv_megabytes"] = round(context.csv_path.stat().st_size / 1e6, 1)


def keep_pristine(context: Context) -> None:
    """Copy the database with its accounts and no signal, for ``--reuse``."""
    from django.db import connections

    connections.close_all()  # the last connection to close folds the log in
    shutil.copyfile(context.database, context.workdir / PRISTINE)
    kept = {"accounts": context.accounts, "signals": context.signals, **context.figures}
    (context.workdir / KEPT).write_text(json.dumps(kept, indent=2) + "\n")


def reuse(context: Context) -> None:
    """Start again from a kept directory: its pristine database and its CSV."""
    context.database = context.workdir / "bench.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{context.database}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(context.workdir / PRISTINE, context.database)
    context.csv_path = context.workdir / "signals.csv"
    setup_django(context.database)
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)  # the code may have moved on


def run_timed(command: list[str]) -> dict:
    """Run ``command`` as its own process: its wall-clock seconds and what it printed.
    Stops the bench when it fails."""
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode:
        raise SystemExit(f"bench: {' '.join(command[:3])} … failed:\n{done.stderr.strip()}")
    return {"seconds": seconds, "out": done.stdout.strip(), "err": done.stderr.strip()}


def timed_import(context: Context, name: str) -> None:
    """``amends import signals FILE`` as a person runs it: its own process, timed from
    start to exit (Python's and Django's start included), with its CPU time."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load_before = os.getloadavg()[0]
    ran = run_timed([str(AMENDS), "import", "signals", str(context.csv_path)])
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    seconds = ran["seconds"]
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    context.figures[name] = {
        "seconds": round(seconds, 2),
        "per_second": round(context.signals / seconds),
        "cpu_seconds": round(cpu, 2),
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "said": ran["out"].splitlines()[-1] if ran["out"] else "",
    }
    print(
        f"  {name}: {seconds:.2f} s ({cpu:.2f} s CPU), {context.signals / seconds:,.0f} "
        f"signals/s\n    amends import signals: {context.figures[name]['said']}"
    )


def sqlite_shell() -> str | None:
    return shutil.which("sqlite3")


def _shaped_sql(database: Path) -> str:
    """SQL for the sqlite3 shell that stores the floor's bare rows as the import does:
    in a table made like signals_signal (its columns, types and unique key), each
    account looked up and each time written as stored, the two other indexes built
    after the rows, with the import's page cache. No Python: what SQLite itself needs."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
        (table,) = db.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'signals_signal'"
        ).fetchone()
        indexes = [
            sql
            for (sql,) in db.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'index' "
                "AND tbl_name = 'signals_signal' AND sql IS NOT NULL"
            )
        ]
    shaped = table.replace('"signals_signal"', SHAPED_TABLE, 1)
    indexes = [
        sql.replace('"signals_signal"', SHAPED_TABLE).replace(' "signal_', ' "bench_shaped_')
        for sql in indexes
    ]
    columns = "account_id, kind, at, source, external_id, value, currency, metric, text, created_at"
    return "; ".join(
        [
            "PRAGMA cache_size = -262144",  # as the import's bulk_session
            "BEGIN IMMEDIATE",
            shaped,
            f"INSERT INTO {SHAPED_TABLE} ({columns}) "  # noqa: S608 - the bench's own names
            "SELECT a.id, b.kind, replace(substr(b.at, 1, 19), 'T', ' '), b.source, "
            "b.external_id, nullif(b.value, ''), b.currency, b.metric, b.text, "
            "'2026-12-04 10:00:00.000000' "
            f"FROM {FLOOR_TABLE} b JOIN accounts_account a ON a.external_id = b.account",
            *indexes,
            "COMMIT",
        ]
    )


def step_floor(context: Context) -> None:
    """The floor: the sqlite3 shell's ``.import --csv`` of the same file into a bare
    table of the same database (one transaction; no type, check, index or key),
    FLOOR_RUNS times, dropping the table after each. After the first, the same rows
    stored by SQLite alone in a table made like signals_signal (``_shaped_sql``): the
    part of the import no Python can take away."""
    shell = sqlite_shell()
    if shell is None:
        print(
            "  floor: NOT MEASURED: the sqlite3 command-line shell is not installed "
            "(on Debian or Ubuntu: sudo apt-get install sqlite3); no ratio"
        )
        context.figures["floor"] = None
        return
    version = subprocess.run(
        [shell, "--version"], capture_output=True, text=True, check=True
    ).stdout.split()[0]
    runs = []
    shaped = None
    for run in range(FLOOR_RUNS):
        ran = run_timed(
            [shell, str(context.database), f".import --csv {context.csv_path} {FLOOR_TABLE}"]
        )
        runs.append(round(ran["seconds"], 2))
        tables = [FLOOR_TABLE]
        if run == 0:
            sql = _shaped_sql(context.database)
            shaped = round(run_timed([shell, str(context.database), sql])["seconds"], 2)
            tables.append(SHAPED_TABLE)
        with sqlite3.connect(context.database) as db:
            for table in tables:
                (rows,) = db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()  # noqa: S608
                db.execute(f"DROP TABLE {table}")
                if rows != context.signals:
                    raise SystemExit(f"bench: the sqlite3 shell stored {rows:,} rows in {table}")
    context.figures["floor"] = {
        "seconds": min(runs),
        "runs": runs,
        "sqlite3_shell": version,
        "shaped_seconds": shaped,
    }
    print(
        f"  floor: sqlite3 {version} .import, {runs} s; the fastest counts. The same rows "
        f"stored by SQLite alone as the import stores them: {shaped} s"
    )


def step_start(context: Context) -> None:
    """What the command's start costs (Python, Django, the system checks every command
    runs): ``amends check``, timed the same way, so the import's figure can be read
    with and without it."""
    context.figures["start_seconds"] = round(run_timed([str(AMENDS), "check"])["seconds"], 2)
    print(f"  amends check: {context.figures['start_seconds']} s")


def step_import(context: Context) -> None:
    timed_import(context, "import")


HOOKS_CODE = """
import time, django
django.setup()
from amends.signals.services import signal_hooks_run_pending
from amends.complaints.models import Complaint
started = time.perf_counter()
runs = signal_hooks_run_pending()
print(round(time.perf_counter() - started, 2), runs, Complaint.objects.count())
"""


def step_hooks(context: Context) -> None:
    """What a large import leaves to the worker (``signals.tasks.signal_hooks_run``):
    the inbox's complaints from its complaint signals, timed inside a process of its
    own, as the worker runs it. Not part of the import's ratio: it runs after the
    import's commit, in another process."""
    ran = run_timed([sys.executable, "-c", HOOKS_CODE])
    seconds, runs, complaints = ran["out"].split()
    context.figures["hooks"] = {
        "seconds": float(seconds),
        "runs": int(runs),
        "complaints": int(complaints),
    }
    print(f"  the worker's part: {seconds} s, {int(complaints):,} complaints")


def step_import_again(context: Context) -> None:
    timed_import(context, "import_again")


PREPARE: list[tuple[str, Step]] = [
    ("database", step_database),
    ("demo accounts", step_accounts),
    ("signals CSV", step_csv),
]
# Timed; the first must be the import (``build`` runs it). Add steps here.
STEPS: list[tuple[str, Step]] = [
    ("import", step_import),
    ("the worker's part: complaints", step_hooks),
    ("floor: the sqlite3 shell's .import", step_floor),
    ("import again", step_import_again),
    ("the command's start", step_start),
]


# --- the report ---------------------------------------------------------------------------


def ratio(figures: dict, seconds: float | None = None) -> float | None:
    """``seconds`` (the import's by default) over the floor's; None without a floor."""
    floor = figures.get("floor")
    if not floor:
        return None
    if seconds is None:
        seconds = figures["import"]["seconds"]
    return round(seconds / floor["seconds"], 2)


def markdown(meta: dict) -> str:
    first, again, floor = meta["import"], meta["import_again"], meta["floor"]
    measured = meta["ratio"]
    verdict = (
        "not measured (no sqlite3 shell)"
        if measured is None
        else f"**{measured}×**, {'PASS' if measured <= GOAL_RATIO else 'FAIL'}"
    )
    floor_rows = (
        [
            f'| floor: `sqlite3 DB ".import --csv FILE {FLOOR_TABLE}"` ({floor["sqlite3_shell"]}'
            f"; runs {', '.join(str(s) for s in floor['runs'])} s, the fastest counts) | "
            f"{floor['seconds']} | | {round(meta['signals'] / floor['seconds']):,} | 1× | |",
            f"| the floor's rows stored by the sqlite3 shell as the import stores them (a table "
            f"made like signals_signal, accounts looked up, times rewritten, two indexes built "
            f"after) | {floor['shaped_seconds']} | | "
            f"{round(meta['signals'] / floor['shaped_seconds']):,} | "
            f"{ratio(meta, floor['shaped_seconds'])}× | |",
            f"| `amends check` (the start every command pays: Python, Django, system checks) | "
            f"{meta['start_seconds']} | | | {ratio(meta, meta['start_seconds'])}× | |",
            *(
                [
                    f"| after the import, in the worker (`signal_hooks_run`): the inbox's "
                    f"{meta['hooks']['complaints']:,} complaints from the complaint signals | "
                    f"{meta['hooks']['seconds']} | | | {ratio(meta, meta['hooks']['seconds'])}× | |"
                ]
                if meta.get("hooks")
                else []
            ),
        ]
        if floor
        else ["| floor: the sqlite3 shell is not installed | | | | | |"]
    )
    return "\n".join(
        [
            f"# Signals benchmark, {meta['date']}",
            "",
            f"{meta['signals']:,} signals ({meta['csv_megabytes']} MB of CSV) about "
            f"{meta['accounts']:,} demo accounts (seed {SEED}), imported with "
            f"`amends import signals FILE` run as its own process, into SQLite "
            f"{meta['sqlite']}; {meta['cpus']} CPUs, Python {meta['python']}, commit "
            f"`{meta['commit']}`. 1-minute load average {meta['load_average'][0]} before, "
            f"{meta['load_average'][1]} after.",
            "",
            "| step | seconds | CPU s | signals/s | over the floor | says |",
            "|---|---:|---:|---:|---:|---|",
            *(
                f"| {label} | {step['seconds']} | {step['cpu_seconds']} | "
                f"{step['per_second']:,} | {ratio(meta, step['seconds'])}× | {step['said']} |"
                for label, step in (
                    ("`amends import signals FILE`", first),
                    ("the same again (all already there)", again),
                )
            ),
            *floor_rows,
            "",
            "The import's seconds are the whole command, from the process's start to its "
            "exit, as a person runs it. An import this large leaves the hooks (the complaints "
            "inbox makes a complaint and a timeline event for each complaint signal) to the "
            "worker after its commit: their seconds are in their own row, not in the "
            "import's. The floor stores the same text in a table of the same database with "
            "no type, check, index or key.",
            "",
            f"Ratio, import over floor: {verdict} (goal: {GOAL_RATIO:g}× or less).",
            "",
        ]
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=100_000, help="demo accounts (100,000)")
    parser.add_argument("--signals", type=int, default=1_000_000, help="signals (1,000,000)")
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the directory: the database, the CSV, and a copy of the database "
        "before the import, for --reuse",
    )
    parser.add_argument(
        "--reuse",
        type=Path,
        metavar="DIR",
        help="time again on a directory kept by --keep (its accounts and CSV; "
        "--accounts and --signals are read from it)",
    )
    parser.add_argument(
        "--no-save", action="store_true", help="do not write bench/results/ (for trial runs)"
    )
    args = parser.parse_args(argv)
    if args.accounts < 1 or args.signals < 1:
        parser.error("--accounts and --signals must be at least 1")
    if args.reuse and not (args.reuse / KEPT).is_file():
        parser.error(f"--reuse: {args.reuse} was not kept by --keep (no {KEPT})")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.reuse:
        workdir = args.reuse.resolve()
        kept = json.loads((workdir / KEPT).read_text())
        args.accounts, args.signals = kept["accounts"], kept["signals"]
    else:
        workdir = Path(tempfile.mkdtemp(prefix="amends-bench-signals-"))
    context = Context(workdir=workdir, accounts=args.accounts, signals=args.signals)
    try:
        if args.reuse:
            context.figures.update(
                {k: v for k, v in kept.items() if k not in ("accounts", "signals")}
            )
            reuse(context)
        else:
            for name, step in PREPARE:
                print(f"{name} …", flush=True)
                step(context)
            if args.keep:
                keep_pristine(context)
        if sqlite_shell() is None:
            print(
                "bench: the sqlite3 command-line shell is not installed, so the floor "
                "cannot be measured and no ratio will be given (on Debian or Ubuntu: "
                "sudo apt-get install sqlite3)",
                file=sys.stderr,
            )
        load_before = os.getloadavg()
        for name, step in STEPS:
            print(f"{name} …", flush=True)
            step(context)
        load_after = os.getloadavg()
        with sqlite3.connect(f"file:{context.database}?mode=ro", uri=True) as db:
            sqlite_version = db.execute("SELECT sqlite_version()").fetchone()[0]
            (stored,) = db.execute("SELECT COUNT(*) FROM signals_signal").fetchone()
        if stored != args.signals:
            print(f"bench: {stored:,} signals stored, not {args.signals:,}", file=sys.stderr)
            return 2
        now = datetime.now(UTC).astimezone()
        meta = {
            "date": now.strftime("%Y-%m-%d"),
            "started_at": now.isoformat(timespec="seconds"),
            "accounts": args.accounts,
            "signals": args.signals,
            "seed": SEED,
            "goal_ratio": GOAL_RATIO,
            **context.figures,
            "ratio": ratio(context.figures),
            "database": "sqlite",
            "sqlite": sqlite_version,
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "commit": git_commit(),
            "load_average": [round(load_before[0], 2), round(load_after[0], 2)],
        }
        measured = meta["ratio"]
        print()
        first = context.figures["import"]
        if measured is None:
            print(f"NO RATIO: import {first['seconds']} s; the floor was not measured")
        else:
            verdict = "PASS" if measured <= GOAL_RATIO else "FAIL"
            floor = meta["floor"]
            print(
                f"{verdict}: import {first['seconds']} s, floor {floor['seconds']} s: "
                f"{measured}× (goal {GOAL_RATIO:g}× or less). For scale: SQLite alone storing "
                f"the rows as the import does, {ratio(meta, floor['shaped_seconds'])}×; "
                f"the command's start, {ratio(meta, meta['start_seconds'])}×"
            )
        if not args.no_save:
            RESULTS.mkdir(parents=True, exist_ok=True)
            stem = RESULTS / f"signals-{meta['date']}"
            stem.with_suffix(".json").write_text(json.dumps(meta, indent=2) + "\n")
            stem.with_suffix(".md").write_text(markdown(meta))
            print(f"Written: {stem.relative_to(ROOT)}.json and .md")
        if measured is None:
            return 2
        return 0 if measured <= GOAL_RATIO else 1
    except KeyboardInterrupt:
        print("\nbench: interrupted", file=sys.stderr)
        return 130
    finally:
        if args.reuse:
            print(f"Reused: {workdir}")
        elif args.keep:
            print(f"Kept: {workdir} (bench.sqlite3, signals.csv; {PRISTINE} for --reuse)")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
