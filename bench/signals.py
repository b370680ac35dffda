"""The signals benchmark: a million signals about 100,000 accounts, imported from CSV.

Loads the demo accounts into a throwaway SQLite database, writes a CSV file of
signals (a realistic mix of kinds over two years, more of them for some accounts
than for others, in time order as an event log exports them) and times, in this
process, ``amends import signals FILE`` from start to finish: reading the file,
checking every row, storing them in one transaction. Then it imports the same
file again (every row already there). The goal is 100,000 signals a second.

    .venv/bin/python bench/signals.py [--accounts N] [--signals N] [--keep] [--no-save]

Other benchmarks build on the same data: ``build(workdir)`` makes the database
(accounts and signals) and returns its path, and ``STEPS`` is the list of timed
steps that ``main`` runs after it, to which a step can be added (a full rescore of
account health, say). Django is set up in this process, for this database, so
call ``build`` in a fresh process. The figures are printed and written to
bench/results/signals-<date>.{json,md}. See bench/README.md.
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
GOAL = 100_000  # signals a second
SEED = 1
SPAN_DAYS = 730

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


def timed_import(context: Context, name: str) -> None:
    """``amends import signals``, timed on the clock and in CPU time, with the time
    spent in other apps' hooks (the complaints inbox) measured apart."""
    import io

    from django.core.management import call_command

    from amends.signals import services

    in_hooks = {"seconds": 0.0, "signals": 0}

    def timing(hook):
        def timed(signals):
            started = time.perf_counter()
            try:
                hook(signals)
            finally:
                in_hooks["seconds"] += time.perf_counter() - started
                in_hooks["signals"] += len(signals)

        timed.signal_kinds = getattr(hook, "signal_kinds", None)
        return timed

    registered = list(services.on_signals_recorded)
    services.on_signals_recorded[:] = [timing(hook) for hook in registered]
    out = io.StringIO()
    load_before = os.getloadavg()[0]
    started, cpu_started = time.perf_counter(), time.process_time()
    try:
        call_command("import", "signals", str(context.csv_path), stdout=out)
    finally:
        services.on_signals_recorded[:] = registered
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    own = seconds - in_hooks["seconds"]
    context.figures[name] = {
        "seconds": round(seconds, 2),
        "per_second": round(context.signals / seconds),
        "cpu_seconds": round(cpu, 2),
        "hook_seconds": round(in_hooks["seconds"], 2),
        "hook_signals": in_hooks["signals"],
        "per_second_without_hooks": round(context.signals / own),
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "said": out.getvalue().strip(),
    }
    print(
        f"  {name}: {seconds:.2f} s ({cpu:.2f} s CPU), {context.signals / seconds:,.0f} "
        f"signals/s; hooks {in_hooks['seconds']:.2f} s for {in_hooks['signals']:,} signals, "
        f"{context.signals / own:,.0f} signals/s without them"
    )
    print(f"    amends import signals: {out.getvalue().strip()}")


def step_import(context: Context) -> None:
    timed_import(context, "import")


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
    ("import again", step_import_again),
]


# --- the report ---------------------------------------------------------------------------


def markdown(meta: dict) -> str:
    first, again = meta["import"], meta["import_again"]
    passed = first["per_second"] >= GOAL
    return "\n".join(
        [
            f"# Signals benchmark, {meta['date']}",
            "",
            f"{meta['signals']:,} signals ({meta['csv_megabytes']} MB of CSV) about "
            f"{meta['accounts']:,} demo accounts (seed {SEED}), imported in-process with "
            f"`amends import signals` into SQLite {meta['sqlite']}; {meta['cpus']} CPUs, "
            f"Python {meta['python']}, commit `{meta['commit']}`. 1-minute load average "
            f"{meta['load_average'][0]} before, {meta['load_average'][1]} after.",
            "",
            "| step | seconds | CPU s | signals/s | in hooks, s | signals/s without hooks "
            "| load before, after | says |",
            "|---|---:|---:|---:|---:|---:|---|---|",
            *(
                f"| {label} | {step['seconds']} | {step['cpu_seconds']} | "
                f"{step['per_second']:,} | {step['hook_seconds']} | "
                f"{step['per_second_without_hooks']:,} | "
                f"{step['load_average'][0]}, {step['load_average'][1]} | {step['said']} |"
                for label, step in (("import", first), ("import again", again))
            ),
            "",
            f"The hooks are other apps' work on the new signals: the complaints inbox makes "
            f"a complaint and a timeline event for each of the {first['hook_signals']:,} "
            "complaints.",
            "",
            f"Goal: {GOAL:,} signals/s for the first import. "
            f"Verdict: **{'PASS' if passed else 'FAIL'}**",
            "",
        ]
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=100_000, help="demo accounts (100,000)")
    parser.add_argument("--signals", type=int, default=1_000_000, help="signals (1,000,000)")
    parser.add_argument("--keep", action="store_true", help="keep the database and the CSV")
    parser.add_argument(
        "--no-save", action="store_true", help="do not write bench/results/ (for trial runs)"
    )
    args = parser.parse_args(argv)
    if args.accounts < 1 or args.signals < 1:
        parser.error("--accounts and --signals must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="amends-bench-signals-"))
    context = Context(workdir=workdir, accounts=args.accounts, signals=args.signals)
    try:
        load_before = os.getloadavg()
        for name, step in PREPARE + STEPS:
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
            "goal_per_second": GOAL,
            **context.figures,
            "database": "sqlite",
            "sqlite": sqlite_version,
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "commit": git_commit(),
            "load_average": [round(load_before[0], 2), round(load_after[0], 2)],
        }
        passed = context.figures["import"]["per_second"] >= GOAL
        print()
        print(
            f"{'PASS' if passed else 'FAIL'}: {context.figures['import']['per_second']:,} "
            f"signals/s (goal {GOAL:,})"
        )
        if not args.no_save:
            RESULTS.mkdir(parents=True, exist_ok=True)
            stem = RESULTS / f"signals-{meta['date']}"
            stem.with_suffix(".json").write_text(json.dumps(meta, indent=2) + "\n")
            stem.with_suffix(".md").write_text(markdown(meta))
            print(f"Written: {stem.relative_to(ROOT)}.json and .md")
        return 0 if passed else 1
    except KeyboardInterrupt:
        print("\nbench: interrupted", file=sys.stderr)
        return 130
    finally:
        if args.keep:
            print(f"Kept: {workdir} (bench.sqlite3, signals.csv)")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
