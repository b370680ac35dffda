"""The health benchmark: a full rescore of 100,000 accounts with 1,000,000 signals.

Builds a throwaway SQLite database in a temporary directory: ``migrate``, the demo
generator's 100,000 accounts (``demo_load``), then 1,000,000 signals over about two
years inserted directly with executemany (a realistic mix: usage, orders, meetings,
tickets, NPS and CSAT answers, complaints, late payments, referrals). Then it times
a full rescore (scores, snapshots, cooling, BG/NBD per team, the at-risk rules that
open thaw cases) twice: the first on a database with no scores yet, the second the
next day, as the worker would run it. Last, it times the account list with health
columns and revenue at risk, in process (Django's test client, no HTTP).

The goal: a full rescore under 10 s on a 2-core machine.

    .venv/bin/python bench/health.py [--accounts N] [--signals N] [--requests N] [--keep]

Prints the figures and writes them to bench/results/health-<date>.{json,md}.
"""

import argparse
import json
import math
import os
import platform
import secrets
import shutil
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
GOAL_SECONDS = 10.0
LIST_GOAL_MS = 50.0
DAYS = 730
SEED = 1

# Kind mixes (share of an account's signals) for business and consumer accounts.
BUSINESS = {
    "usage": 40,
    "meeting": 10,
    "ticket_opened": 9,
    "ticket_closed": 8,
    "nps": 6,
    "csat": 7,
    "complaint": 4,
    "praise": 3,
    "late_payment": 4,
    "order": 6,
    "referral": 1,
    "webinar_attended": 2,  # a custom kind
}
CONSUMER = {
    "order": 60,
    "csat": 10,
    "nps": 8,
    "complaint": 5,
    "praise": 4,
    "ticket_opened": 6,
    "ticket_closed": 5,
    "referral": 2,
}

# The rescore's phases, in seconds (RescoreResult.seconds).
PHASES = ["measures", "buyers", "history", "score", "write", "rules"]
# How often each NPS answer from 0 to 10 is given.
NPS_SHARES = [2, 2, 2, 3, 3, 5, 8, 14, 16, 22, 23]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--signals", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=100, help="timed requests per list URL")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("--no-save", action="store_true", help="do not write bench/results/")
    return parser.parse_args(argv)


def setup_django(db_path: Path) -> None:
    for name in [n for n in os.environ if n.startswith("AMENDS_")]:
        del os.environ[name]
    os.environ["AMENDS_DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ["AMENDS_SECRET_KEY"] = secrets.token_urlsafe(50)
    os.environ["AMENDS_ALLOWED_HOSTS"] = "testserver"
    os.environ["DJANGO_SETTINGS_MODULE"] = "amends.settings"
    import django

    django.setup()


def stamp(seconds: np.ndarray) -> np.ndarray:
    """UTC datetimes as Django writes them in SQLite: 'YYYY-MM-DD HH:MM:SS.ffffff'."""
    micro = np.round(seconds * 1e6).astype(np.int64).astype("datetime64[us]")
    text = np.datetime_as_string(micro, unit="us")
    return np.char.replace(text, "T", " ")


def signal_rows(db: sqlite3.Connection, total: int, now: datetime, seed: int):
    """(account, kind, at, source, external_id, value, currency, metric, text, created_at)."""
    rng = np.random.default_rng(seed)
    ids, kinds = zip(*db.execute("SELECT id, kind FROM accounts_account ORDER BY id"), strict=True)
    ids = np.array(ids)
    consumer = np.array([k == "consumer" for k in kinds])
    n = len(ids)
    # Some accounts never send anything; the others are more or less busy (log-normal).
    weight = rng.lognormal(0.0, 1.0, n) * (rng.random(n) >= 0.08)
    counts = rng.multinomial(total, weight / weight.sum())
    # Each account is known from some day, and a quarter of them went quiet at some point.
    start = rng.uniform(30, DAYS, n)
    end = np.where(rng.random(n) < 0.25, rng.uniform(0, 1, n) * start, 0.0)
    who = np.repeat(np.arange(n), counts)
    days_ago = end[who] + rng.random(who.size) * (start[who] - end[who])
    now_s = now.timestamp()
    at = now_s - days_ago * 86400
    created = at + rng.uniform(60, 3600, who.size)  # arrived within the hour
    created = np.minimum(created, now_s)

    kind = np.empty(who.size, dtype=object)
    for mix, mask in ((BUSINESS, ~consumer[who]), (CONSUMER, consumer[who])):
        names = list(mix)
        p = np.array(list(mix.values()), dtype=float)
        kind[mask] = np.array(names, dtype=object)[
            rng.choice(len(names), size=int(mask.sum()), p=p / p.sum())
        ]
    value = np.full(who.size, None, dtype=object)
    metric = np.full(who.size, "", dtype=object)
    for name, draw in {
        "nps": lambda k: rng.choice(11, k, p=np.array(NPS_SHARES) / sum(NPS_SHARES)),
        "csat": lambda k: rng.choice([1, 2, 3, 4, 5], k, p=[0.05, 0.08, 0.17, 0.35, 0.35]),
        "order": lambda k: np.round(rng.lognormal(4.0, 1.0, k), 2),
        "usage": lambda k: np.round(rng.lognormal(5.0, 0.8, k)),
    }.items():
        mask = kind == name
        value[mask] = [float(v) for v in draw(int(mask.sum()))]
    usage = kind == "usage"
    metric[usage] = np.array(["active_users", "api_calls", "reports"], dtype=object)[
        rng.integers(0, 3, int(usage.sum()))
    ]
    at_text, created_text = stamp(at), stamp(created)
    for i in range(who.size):
        yield (
            int(ids[who[i]]),
            kind[i],
            at_text[i],
            "bench",
            f"b{i}",
            value[i],
            "",
            metric[i],
            "",
            created_text[i],
        )


def insert_signals(db_path: Path, total: int, now: datetime) -> float:
    started = time.perf_counter()
    db = sqlite3.connect(db_path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    rows = signal_rows(db, total, now, SEED)
    sql = (
        "INSERT INTO signals_signal (account_id, kind, at, source, external_id, value, "
        "currency, metric, text, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    )
    with db:
        while batch := [row for _, row in zip(range(50_000), rows, strict=False)]:
            db.executemany(sql, batch)
    # Fold the write-ahead log into the database, as SQLite soon does by itself: the
    # rescore should not pay for reading a 1,000,000-row log.
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return time.perf_counter() - started


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1]


def time_list(requests: int) -> list[dict]:
    from django.test import Client

    from amends.accounts.models import Account
    from amends.people.models import User

    client = Client()
    client.force_login(User.objects.get(username="admin"))
    middle = Account.objects.count() // 2
    account_id = Account.objects.get(external_id=f"demo-{middle:06d}").pk
    rows = []
    for label, path in [
        ("list", "/accounts/"),
        ("list, band red", "/accounts/?band=red"),
        ("list, at risk", "/accounts/?segment=at_risk"),
        ("list, loyal, page 50", "/accounts/?segment=loyal&page=50"),
        ("list, harbor, yellow", "/accounts/?q=harbor&band=yellow"),
        ("account page", f"/accounts/{account_id}/"),
        ("health API", f"/api/v1/accounts/{account_id}/health"),
        # Not a list: the dashboard reads every figure over 90 days; shown for scale.
        ("insights dashboard", "/insights/"),
        ("insights API, every figure", "/api/v1/insights"),
    ]:
        for _ in range(5):
            client.get(path)
        times = []
        for _ in range(requests):
            started = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{path} answered {response.status_code}")
        rows.append(
            {
                "label": label,
                "path": path,
                "p50": round(percentile(times, 50), 1),
                "p95": round(percentile(times, 95), 1),
                "max": round(max(times), 1),
            }
        )
    return rows


def markdown(meta: dict, runs: list[dict], lists: list[dict]) -> str:
    lines = [
        f"# Health benchmark, {meta['date']}",
        "",
        f"{meta['accounts']:,} accounts, {meta['signals']:,} signals; {meta['machine']}.",
        f"Demo load {meta['demo_seconds']:.1f} s; "
        f"signals inserted in {meta['insert_seconds']:.1f} s. 1-minute load average "
        f"{meta['load_average'][0]} before the rescores, {meta['load_average'][1]} after "
        "the pages.",
        "",
        "| rescore | " + " | ".join(PHASES) + " | total s | scored | red | cooling | thaw cases |",
        "|---" * (len(PHASES) + 6) + "|",
    ]
    for run in runs:
        phases = " | ".join(f"{run['seconds'].get(name, 0):.2f}" for name in PHASES)
        lines.append(
            f"| {run['label']} | {phases} | **{run['total']:.2f}** | {run['scored']:,} | "
            f"{run['red']:,} | {run['cooling']:,} | {run['cases_opened']:,} |"
        )
    lines += ["", "| page (in process) | p50 ms | p95 ms | max ms |", "|---|---|---|---|"]
    lines += [f"| `{r['path']}` | {r['p50']} | {r['p95']} | {r['max']} |" for r in lists]
    return "\n".join(lines) + "\n"


def bench(args: argparse.Namespace, workdir: Path) -> int:
    db_path = workdir / "bench.sqlite3"
    setup_django(db_path)
    from django.core.management import call_command
    from django.utils import timezone

    from amends.health.services import health_rescore
    from amends.shell.demo import demo_load

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    demo_load(accounts=args.accounts)
    demo_seconds = time.perf_counter() - started
    print(f"Demo load: {args.accounts:,} accounts in {demo_seconds:.1f} s")

    now = timezone.now()
    insert_seconds = insert_signals(db_path, args.signals, now)
    print(f"Signals: {args.signals:,} inserted in {insert_seconds:.1f} s")

    runs = []
    load_before = os.getloadavg()[0]
    days = [("first (the baseline: no rules)", now), ("next day", now + timedelta(days=1))]
    for label, at in days:
        result = health_rescore(now=at)
        run = {
            "label": label,
            "seconds": result.seconds,
            "total": result.total_seconds,
            "scored": result.scored,
            "unscored": result.unscored,
            "red": result.bands["red"],
            "segments": dict(result.segments),
            "cooling": result.cooling,
            "forecasts": result.forecasts,
            "teams_fitted": result.teams_fitted,
            "cases_opened": result.cases_opened,
        }
        runs.append(run)
        verdict = "PASS" if result.total_seconds < GOAL_SECONDS else "FAIL"
        print(f"Rescore, {label}: {result.summary()}")
        steps = ", ".join(f"{k} {v:.2f} s" for k, v in result.seconds.items())
        print(f"  {steps}: {verdict} against {GOAL_SECONDS:.0f} s")

    lists = time_list(args.requests)
    print(f"\n{'page (in process)':<52} {'p50':>7} {'p95':>7} {'max':>7}")
    for row in lists:
        flag = "" if row["p95"] < LIST_GOAL_MS or "insights" in row["path"] else "  over 50 ms"
        print(f"{row['path']:<52} {row['p50']:>7} {row['p95']:>7} {row['max']:>7}{flag}")

    meta = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "accounts": args.accounts,
        "signals": args.signals,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}",
        "demo_seconds": demo_seconds,
        "insert_seconds": insert_seconds,
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }
    if not args.no_save:
        RESULTS.mkdir(exist_ok=True)
        base = RESULTS / f"health-{meta['date']}"
        base.with_suffix(".json").write_text(
            json.dumps({"meta": meta, "rescores": runs, "pages": lists}, indent=2) + "\n"
        )
        base.with_suffix(".md").write_text(markdown(meta, runs, lists))
        print(f"\nWritten: {base}.json and .md")
    return 0 if all(run["total"] < GOAL_SECONDS for run in runs) else 1


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="amends-health-bench-"))
    try:
        return bench(args, workdir)
    finally:
        if args.keep:
            print(f"Kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
