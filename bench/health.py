"""The health benchmark: a full rescore of 100,000 accounts with 1,000,000 signals,
beside one GROUP BY query that computes the per-account aggregates it needs.

Builds a throwaway SQLite database in a temporary directory: ``migrate``, the demo
generator's 100,000 accounts (``demo_load``), then 1,000,000 signals over about two
years inserted directly with executemany (a realistic mix: usage, orders, meetings,
tickets, NPS and CSAT answers, complaints, late payments, referrals). Then:

1. the floor: one GROUP BY account query over the signals, with Python's sqlite3,
   computing what the rescore reads per account (counts per kind in the factors'
   windows, the last touch, the order days, the latest NPS answer, the average
   CSAT answer, the usage sums in the two halves of its window), every row fetched;
2. a full rescore (scores, snapshots, cooling, BG/NBD per team, the at-risk rules
   that open thaw cases), twice: the first on a database with no scores yet, the
   second the next day, as the worker would run it. Each runs in a process of its
   own, started by a small launcher process that reports its peak memory:
   ``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss`` once it has ended (and, as a
   check, the rescore's process reads its own VmHWM from /proc);
3. the floor again: the faster of the two counts;
4. what SQLite alone needs to write a rescore's rows (``writes_floor``), the first's
   (scores, snapshots, the accounts' marks) and the next day's (scores rewritten,
   snapshots), from a temporary table in one transaction, no Python between, on a
   copy of the database.

Goals: each rescore at most twice the floor, measured in the same run, and under
200 MB at its peak. Last, it times the account list with health columns and
revenue at risk, in process (Django's test client, no HTTP).

    .venv/bin/python bench/health.py [--accounts N] [--signals N] [--requests N] [--keep]
    .venv/bin/python bench/health.py --reuse DIR       # a directory kept by --keep

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
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
GOAL_RATIO = 2.0  # a rescore's time over the floor query's
GOAL_MB = 200.0  # a rescore's peak memory (its process's ru_maxrss)
LIST_GOAL_MS = 50.0
DAYS = 730
SEED = 1
KEPT = "kept.json"  # what --keep leaves beside the pristine database, for --reuse
PRISTINE = "signals.sqlite3"  # accounts and signals, before any rescore
CHILD = "--rescore-in-this-process"  # how the bench runs one rescore in a child

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
    parser.add_argument(
        "--requests", type=int, default=100, help="timed requests per page (0: no pages)"
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the directory, with a copy of the database before any rescore, for --reuse",
    )
    parser.add_argument(
        "--reuse",
        type=Path,
        metavar="DIR",
        help="time again on a directory kept by --keep (--accounts and --signals are read from it)",
    )
    parser.add_argument("--no-save", action="store_true", help="do not write bench/results/")
    args = parser.parse_args(argv)
    if args.reuse and not (args.reuse / KEPT).is_file():
        parser.error(f"--reuse: {args.reuse} was not kept by --keep (no {KEPT})")
    return args


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


def sqlite_time(moment: datetime) -> str:
    """A UTC datetime as Django stores it in SQLite, for comparing with stored text."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")


def floor_query(db_path: Path, now: datetime) -> tuple[float, int]:
    """One GROUP BY account over the signals, computing what the rescore reads per
    account, in the windows of the enabled factors; every row fetched. Its seconds
    (a new connection, as the rescore's) and the number of accounts."""
    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        window = {"nps": 90, "csat": 90, "complaints": 90, "usage_trend": 90, "late_payments": 90}
        window |= dict(db.execute("SELECT key, window_days FROM health_healthfactor"))
        since = {key: sqlite_time(now - timedelta(days=days)) for key, days in window.items()}
        usage_days = window["usage_trend"]
        params = {
            **since,
            "now": sqlite_time(now),
            "segment": sqlite_time(now - timedelta(days=90)),
            "usage_middle": sqlite_time(now - timedelta(days=usage_days / 2)),
        }
        # The latest NPS answer in one pass: the greatest "time, \x01, value" (the
        # separator sorts below every character of a time, so a shorter time of the
        # same second cannot win).
        sql = """
            SELECT account_id,
              COUNT(CASE WHEN kind = 'complaint' AND at >= :complaints THEN 1 END),
              COUNT(CASE WHEN at >= :complaints THEN 1 END),
              COUNT(CASE WHEN kind = 'complaint' AND at >= :segment THEN 1 END),
              COUNT(CASE WHEN kind = 'late_payment' AND at >= :late_payments THEN 1 END),
              COUNT(CASE WHEN at >= :late_payments THEN 1 END),
              MAX(CASE WHEN kind <> 'late_payment' THEN at END),
              COUNT(CASE WHEN kind = 'referral' THEN 1 END),
              COUNT(DISTINCT CASE WHEN kind = 'order' THEN date(at) END),
              MIN(CASE WHEN kind = 'order' THEN at END),
              MAX(CASE WHEN kind = 'order' THEN at END),
              MAX(CASE WHEN kind = 'nps' AND at >= :nps AND value IS NOT NULL
                  THEN at || char(1) || value END),
              AVG(CASE WHEN kind = 'csat' AND at >= :csat THEN value END),
              SUM(CASE WHEN kind = 'usage' AND at >= :usage_middle THEN value END),
              SUM(CASE WHEN kind = 'usage' AND at >= :usage_trend AND at < :usage_middle
                  THEN value END)
            FROM signals_signal
            WHERE at <= :now
            GROUP BY account_id
        """
        started = time.perf_counter()
        rows = db.execute(sql, params).fetchall()
        return time.perf_counter() - started, len(rows)
    finally:
        db.close()


WRITES = {
    # A first rescore: every score, snapshot and mark is new.
    "first": (
        """
        BEGIN;
        DELETE FROM health_accounthealth;
        DELETE FROM health_healthsnapshot WHERE day = :day;
        UPDATE accounts_account SET health_band = '', health_segment = '';
        COMMIT;
        """,
        """
        BEGIN;
        INSERT INTO health_accounthealth SELECT * FROM temp.scored ORDER BY account_id;
        INSERT INTO health_healthsnapshot (account_id, day, score, band, segment)
          SELECT account_id, :day, score, band, segment FROM temp.scored ORDER BY account_id;
        UPDATE accounts_account SET health_band = m.band, health_segment = m.segment
          FROM (SELECT s.account_id, s.band, s.segment FROM temp.scored s
                JOIN accounts_account a ON a.id = s.account_id ORDER BY a.name, a.id) m
          WHERE accounts_account.id = m.account_id;
        COMMIT;
        """,
    ),
    # The next day: every score row rewritten in place (its time, score and trend move),
    # one new snapshot per account, the marks unchanged.
    "next day": (
        """
        BEGIN;
        DELETE FROM health_healthsnapshot WHERE day = :day;
        COMMIT;
        """,
        """
        BEGIN;
        UPDATE health_accounthealth SET score = s.score, nps_category = s.nps_category,
          factors = s.factors, last_touch_at = s.last_touch_at, p_alive = s.p_alive,
          expected_purchases = s.expected_purchases, cooling = s.cooling,
          previous_score = s.previous_score, trend = s.trend, scored_at = s.scored_at
          FROM (SELECT * FROM temp.scored ORDER BY account_id) s
          WHERE health_accounthealth.account_id = s.account_id;
        INSERT INTO health_healthsnapshot (account_id, day, score, band, segment)
          SELECT account_id, :day, score, band, segment FROM temp.scored ORDER BY account_id;
        COMMIT;
        """,
    ),
}


def writes_floor(db_path: Path, day: str, kind: str) -> tuple[float, int]:
    """What SQLite alone needs to write a rescore's rows (``WRITES[kind]``), no Python
    between: on a copy of the database after the rescores, its scores are set aside in
    a temporary table, and what the rescore of ``day`` wrote is taken away (not timed);
    then, timed, one transaction writes them back as a rescore does, with the rescore's
    page cache, commit included. Its seconds and the scores written."""
    copy = db_path.with_name("writes-floor.sqlite3")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{copy}{suffix}").unlink(missing_ok=True)
    source, db = sqlite3.connect(db_path), sqlite3.connect(copy)
    try:
        source.backup(db)
        db.isolation_level = None  # the statements say BEGIN and COMMIT themselves
        db.execute("PRAGMA cache_size = -8000")  # as the rescore's _small_page_cache
        db.execute("CREATE TEMP TABLE scored AS SELECT * FROM health_accounthealth")
        (rows,) = db.execute("SELECT COUNT(*) FROM temp.scored").fetchone()
        undo, redo = WRITES[kind]
        run_script(db, undo, day)
        started = time.perf_counter()
        run_script(db, redo, day)
        return time.perf_counter() - started, rows
    finally:
        source.close()
        db.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{copy}{suffix}").unlink(missing_ok=True)


def run_script(db: sqlite3.Connection, script: str, day: str) -> None:
    """Each statement of ``script`` in turn, ``:day`` bound (executescript binds none)."""
    for statement in filter(str.strip, script.split(";")):
        db.execute(statement, {"day": day} if ":day" in statement else {})


# Runs a command and prints the peak memory of its process, ru_maxrss in kilobytes
# from getrusage(RUSAGE_CHILDREN). Started from this small process, not from the bench:
# Linux counts in a child's ru_maxrss the memory of the process it was forked from, and
# the bench holds hundreds of megabytes of data by then.
LAUNCHER = """
import resource, subprocess, sys
status = subprocess.run(sys.argv[1:], check=False).returncode
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)
sys.exit(status)
"""


def rescore_in_child(db_path: Path, now: datetime, label: str) -> dict:
    """One full rescore in a process of its own: its figures, its seconds (the
    rescore alone, measured inside), and its peak memory (ru_maxrss)."""
    command = [sys.executable, __file__, CHILD, str(db_path), now.isoformat()]
    done = subprocess.run(
        [sys.executable, "-c", LAUNCHER, *command], capture_output=True, text=True, check=False
    )
    if done.returncode:
        raise SystemExit(f"bench: the rescore ({label}) failed:\n{done.stderr}")
    run = json.loads(done.stdout.strip().splitlines()[-1])
    run["label"] = label
    # ru_maxrss is in kilobytes on Linux.
    run["peak_mb"] = round(int(done.stderr.strip().splitlines()[-1]) / 1024, 1)
    return run


def peak_of_this_process() -> float:
    """VmHWM, the peak resident memory of this process since it started, in MB: a
    check on ru_maxrss, which the bench reads from outside."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def child_main(db_path: str, now_text: str) -> int:
    """In the child: one rescore, its figures as one JSON line on stdout."""
    setup_django(Path(db_path))
    from amends.health.services import health_rescore

    at_rest = peak_of_this_process()
    started = time.perf_counter()
    result = health_rescore(now=datetime.fromisoformat(now_text))
    seconds = time.perf_counter() - started
    figures = {
        "seconds": result.seconds,
        "total": round(seconds, 3),
        "at_rest_mb": at_rest,
        "vm_hwm_mb": peak_of_this_process(),
        "scored": result.scored,
        "unscored": result.unscored,
        "red": result.bands["red"],
        "segments": dict(result.segments),
        "cooling": result.cooling,
        "forecasts": result.forecasts,
        "teams_fitted": result.teams_fitted,
        "cases_opened": result.cases_opened,
    }
    print(json.dumps(figures))
    return 0


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


def markdown(meta: dict, floor: dict, runs: list[dict], lists: list[dict]) -> str:
    lines = [
        f"# Health benchmark, {meta['date']}",
        "",
        f"{meta['accounts']:,} accounts, {meta['signals']:,} signals; {meta['machine']}; "
        f"commit `{meta['commit']}`.",
        f"{'Built by an earlier run (--reuse): ' if meta.get('reused') else ''}"
        f"Demo load {meta['demo_seconds']:.1f} s; "
        f"signals inserted in {meta['insert_seconds']:.1f} s. 1-minute load average "
        f"{meta['load_average'][0]} before the rescores, {meta['load_average'][1]} after.",
        "",
        f"Floor: one GROUP BY account query over the signals computing the aggregates the "
        f"rescore reads ({floor['accounts']:,} accounts), runs "
        f"{', '.join(f'{s:.2f}' for s in floor['runs'])} s; the fastest, "
        f"**{floor['seconds']:.2f} s**, counts.",
        "",
        "| rescore | "
        + " | ".join(PHASES)
        + " | total s | ratio to the floor | peak MB | scored | red | cooling | thaw cases |",
        "|---" + "|---:" * (len(PHASES) + 7) + "|",
    ]
    for run in runs:
        phases = " | ".join(f"{run['seconds'].get(name, 0):.2f}" for name in PHASES)
        lines.append(
            f"| {run['label']} | {phases} | **{run['total']:.2f}** | **{run['ratio']}×** | "
            f"**{run['peak_mb']}** | {run['scored']:,} | {run['red']:,} | {run['cooling']:,} | "
            f"{run['cases_opened']:,} |"
        )
    lines += [
        "",
        f"Goals: each rescore at most {GOAL_RATIO:g}× the floor and under {GOAL_MB:g} MB. "
        f"Verdict: **{'PASS' if meta['passed'] else 'FAIL'}**.",
        "",
        "Each rescore runs in its own process; its seconds are `health_rescore()` alone, "
        "timed inside it; its peak memory is that process's `ru_maxrss`, read with "
        "`getrusage(RUSAGE_CHILDREN)` by a small process that started it (VmHWM, read by "
        f"the process itself, says {', '.join(str(r['vm_hwm_mb']) for r in runs)} MB); "
        f"Python, Django and numpy at rest, before the rescore, take "
        f"{runs[0]['at_rest_mb']} MB of it.",
    ]
    if "writes" in floor:
        lines += [
            "",
            "What SQLite alone needs to write a rescore's rows, from a temporary table in one "
            "transaction with no Python between (`writes_floor`, on a copy of the database), "
            "beside the floor, with no scoring at all:",
            "",
            "| rescore | rows | runs s | writes s | writes over the floor | reading and "
            "writing over the floor |",
            "|---|---:|---|---:|---:|---:|",
        ]
        for kind, w in floor["writes"].items():
            both = (floor["seconds"] + w["seconds"]) / floor["seconds"]
            lines.append(
                f"| {kind} | {w['rows']:,} | {', '.join(f'{s:.2f}' for s in w['runs'])} | "
                f"**{w['seconds']:.2f}** | {w['seconds'] / floor['seconds']:.2f}× | "
                f"**{both:.2f}×** |"
            )
    if lists:
        lines += ["", "| page (in process) | p50 ms | p95 ms | max ms |", "|---|---|---|---|"]
        lines += [f"| `{r['path']}` | {r['p50']} | {r['p95']} | {r['max']} |" for r in lists]
    return "\n".join(lines) + "\n"


def prepare(args: argparse.Namespace, workdir: Path, db_path: Path) -> dict:
    """The database with its accounts and signals: built, or copied from --reuse."""
    if args.reuse:
        kept = json.loads((workdir / KEPT).read_text())
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(workdir / PRISTINE, db_path)
        setup_django(db_path)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)  # the code may have moved on since it was kept
        return kept
    setup_django(db_path)
    from django.core.management import call_command
    from django.db import connections
    from django.utils import timezone

    from amends.shell.demo import demo_load

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    demo_load(accounts=args.accounts)
    demo_seconds = time.perf_counter() - started
    print(f"Demo load: {args.accounts:,} accounts in {demo_seconds:.1f} s")
    now = timezone.now()
    connections.close_all()
    insert_seconds = insert_signals(db_path, args.signals, now)
    print(f"Signals: {args.signals:,} inserted in {insert_seconds:.1f} s")
    built = {
        "accounts": args.accounts,
        "signals": args.signals,
        "now": now.isoformat(),
        "demo_seconds": demo_seconds,
        "insert_seconds": insert_seconds,
    }
    if args.keep:
        shutil.copyfile(db_path, workdir / PRISTINE)
        (workdir / KEPT).write_text(json.dumps(built, indent=2) + "\n")
    return built


def bench(args: argparse.Namespace, workdir: Path) -> int:
    from common import git_commit

    db_path = workdir / "bench.sqlite3"
    built = prepare(args, workdir, db_path)
    from django.db import connections

    connections.close_all()  # the children write; this process holds no connection
    now = datetime.fromisoformat(built["now"])

    load_before = os.getloadavg()[0]
    floors = []
    seconds, accounts = floor_query(db_path, now)
    floors.append(seconds)
    print(f"Floor, one GROUP BY: {seconds:.2f} s for {accounts:,} accounts")
    runs = []
    for label, at in [
        ("first (the baseline: no rules)", now),
        ("next day", now + timedelta(days=1)),
    ]:
        run = rescore_in_child(db_path, at, label)
        runs.append(run)
        steps = ", ".join(f"{k} {v:.2f} s" for k, v in run["seconds"].items())
        print(
            f"Rescore, {label}: {run['total']:.2f} s ({steps}); peak {run['peak_mb']} MB; "
            f"{run['scored']:,} scored, {run['red']:,} red, {run['cases_opened']:,} thaw cases"
        )
    seconds, _ = floor_query(db_path, now)
    floors.append(seconds)
    print(f"Floor again: {seconds:.2f} s")
    writes = {}
    for kind, day in [("first", now.date()), ("next day", (now + timedelta(days=1)).date())]:
        timed = [writes_floor(db_path, day.isoformat(), kind) for _ in range(2)]
        writes[kind] = {
            "seconds": round(min(s for s, _ in timed), 3),
            "runs": [round(s, 3) for s, _ in timed],
            "rows": timed[0][1],
        }
        print(f"SQLite alone, writing a {kind} rescore's rows: {writes[kind]['seconds']:.2f} s")
    load_after = os.getloadavg()[0]
    floor = {
        "seconds": min(floors),
        "runs": [round(s, 3) for s in floors],
        "accounts": accounts,
        "writes": writes,
    }
    for run in runs:
        run["ratio"] = round(run["total"] / floor["seconds"], 2)
    passed = all(run["ratio"] <= GOAL_RATIO and run["peak_mb"] < GOAL_MB for run in runs)
    print()
    for run in runs:
        print(
            f"{run['label']}: {run['ratio']}× the floor (goal {GOAL_RATIO:g}×), "
            f"{run['peak_mb']} MB at its peak (goal under {GOAL_MB:g})"
        )
    print(f"{'PASS' if passed else 'FAIL'}")

    lists = time_list(args.requests) if args.requests else []
    if lists:
        print(f"\n{'page (in process)':<52} {'p50':>7} {'p95':>7} {'max':>7}")
    for row in lists:
        flag = "" if row["p95"] < LIST_GOAL_MS or "insights" in row["path"] else "  over 50 ms"
        print(f"{row['path']:<52} {row['p50']:>7} {row['p95']:>7} {row['max']:>7}{flag}")

    meta = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "accounts": built["accounts"],
        "signals": built["signals"],
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}",
        "commit": git_commit(),
        "demo_seconds": built["demo_seconds"],
        "insert_seconds": built["insert_seconds"],
        "load_average": [round(load_before, 2), round(load_after, 2)],
        "reused": bool(args.reuse),
        "goal_ratio": GOAL_RATIO,
        "goal_mb": GOAL_MB,
        "passed": passed,
    }
    if not args.no_save:
        RESULTS.mkdir(exist_ok=True)
        base = RESULTS / f"health-{meta['date']}"
        base.with_suffix(".json").write_text(
            json.dumps({"meta": meta, "floor": floor, "rescores": runs, "pages": lists}, indent=2)
            + "\n"
        )
        base.with_suffix(".md").write_text(markdown(meta, floor, runs, lists))
        print(f"\nWritten: {base}.json and .md")
    return 0 if passed else 1


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == [CHILD]:
        return child_main(*argv[1:])
    args = parse_args(argv)
    workdir = (
        args.reuse.resolve()
        if args.reuse
        else Path(tempfile.mkdtemp(prefix="amends-health-bench-"))
    )
    try:
        return bench(args, workdir)
    finally:
        if args.reuse:
            print(f"Reused: {workdir}")
        elif args.keep:
            print(f"Kept: {workdir} ({PRISTINE} for --reuse)")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
