"""The search benchmark (issue 15, item 5): one search box over 100,000 accounts, their
contacts, 200,000 inbox conversations, the cases and the incidents, through a real server.

Needs a world kept by bench/scale.py (--keep): it migrates it (which fills the search
index when it is new: the time is reported), rebuilds the index with `amends search
rebuild` when asked (timed), starts ``amends serve`` and times, one request after
another over a keep-alive connection, the search page, its htmx partial and
GET /api/v1/search for words in English, Chinese (inside a sentence), Greek without
accents and Polish without ogonki, a prefix as typed, and a word in every conversation;
as an administrator and as a manager who sees two teams. Then the inbox and the API
lists with ``q`` (which hold at most the latest 2,000 matches).

    .venv/bin/python bench/search.py --reuse DIR [--rebuild] [--requests N] [--no-save]

Goal: p95 under 100 ms for every search and list.
Results go to bench/results/search-<date>.{json,md}.
"""

import argparse
import json
import os
import platform
import secrets
import signal
import sqlite3
import string
import subprocess
import sys
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from accounts import (
    BenchError,
    Case,
    Client,
    Deadline,
    amends_command,
    measure,
    port_is_free,
    run,
    stop,
    tail,
    text_table,
    wait_healthy,
    web_login,
)
from common import free_port, git_commit, markdown_table

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PASSWORD = "amends-demo"
ADMIN, MANAGER = "admin", "maria"  # maria manages two of the demo's teams
GOAL_MS = 100.0

# (label, query, what the answer must contain). The scale world's conversations each
# say "Order N arrived late … 订单 N 迟到了。": "order" and 订单 are in every one of them.
SEARCHES = [
    ("a company word", "harbor", "Harbor"),
    ("a prefix as typed", "harb", "Harbor"),
    ("Chinese inside a sentence", "订单", "订单"),
    ("Greek without accents", "ακροπολη", "Ακρόπολη"),
    ("Polish without ogonki", "wisniewski", "Wiśniewski"),
    ("a customer and a number", "customer 12345", "Customer 12345"),
    ("a word in every conversation", "order", "Order"),
    ("nothing matches", "xylophone", ""),
]
LISTS = [
    ("inbox, a customer", "/inbox/?q=customer%2012345", "admin"),
    ("inbox, a word in every conversation", "/inbox/?q=order", "admin"),
    ("API complaints, a customer", "/api/v1/complaints?q=customer%2012345", "api"),
    ("API complaints, a word in every conversation", "/api/v1/complaints?q=order", "api"),
    ("API cases, an account word", "/api/v1/cases?q=harbor", "api"),
]


def contains(text: str):
    def check(body: bytes) -> None:
        # The API writes JSON with \u escapes: read it as the text it says.
        said = (
            json.dumps(json.loads(body), ensure_ascii=False) if body[:1] == b"{" else body.decode()
        )
        if text and text not in said:
            raise BenchError(f"the answer lacks {text!r}")

    return check


def cases() -> tuple[list[Case], list[Case]]:
    searches = []
    for label, query, wanted in SEARCHES:
        q = quote(query)
        for who in ("admin", "manager"):
            searches.append(
                Case(f"web /search/ {label} ({who})", f"/search/?q={q}", who, contains(wanted))
            )
        searches.append(
            Case(f"htmx /search/ {label} (admin)", f"/search/?q={q}", "htmx", contains(wanted))
        )
        searches.append(
            Case(f"api /api/v1/search {label}", f"/api/v1/search?q={q}", "api", contains(wanted))
        )
    lists = [Case(f"list: {label}", path, who, contains("")) for label, path, who in LISTS]
    return searches, lists


def index_counts(database: Path) -> dict[str, int]:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
        rows = db.execute("SELECT kind, count(*) FROM core_searchentry GROUP BY kind").fetchall()
    return dict(rows)


def bench(args: argparse.Namespace, deadline: Deadline) -> int:
    workdir: Path = args.reuse
    database = workdir / "bench.sqlite3"
    world = json.loads((workdir / "world.json").read_text())
    log = workdir / "search-server.log"
    alphabet = string.ascii_letters + string.digits
    env = {k: v for k, v in os.environ.items() if not k.startswith("AMENDS_")}
    env.update(
        AMENDS_DATABASE_URL=f"sqlite:///{database}",
        AMENDS_SECRET_KEY="".join(secrets.choice(alphabet) for _ in range(50)),
        AMENDS_ALLOWED_HOSTS="127.0.0.1",
        AMENDS_LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    timings = {}
    started = time.perf_counter()
    run(["migrate", "--no-input", "-v", "0"], env, deadline, 3600)
    timings["migrate"] = round(time.perf_counter() - started, 1)
    if args.rebuild:
        started = time.perf_counter()
        print(run(["search", "rebuild"], env, deadline, 3600).strip())
        timings["rebuild"] = round(time.perf_counter() - started, 1)
    counts = index_counts(database)
    print(f"Index: {counts}; {timings}")
    token = run(["token", "create", "--user", ADMIN, "--name", "bench"], env, deadline, 120)
    port = args.port or free_port()
    if not port_is_free(port):
        raise BenchError(f"port {port} is taken")
    with log.open("wb") as log_file:
        server = subprocess.Popen(
            [
                *amends_command(),
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--no-migrate",
            ],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_healthy(server, port, log, deadline)
        admin_cookie = web_login(port, ADMIN, PASSWORD)
        clients = {
            "admin": Client(port, {"Cookie": admin_cookie}),
            "htmx": Client(port, {"Cookie": admin_cookie, "HX-Request": "true"}),
            "manager": Client(port, {"Cookie": web_login(port, MANAGER, PASSWORD)}),
            "api": Client(port, {"Authorization": f"Bearer {token.strip().splitlines()[-1]}"}),
        }
        searches, lists = cases()
        results = []
        load_before = os.getloadavg()
        for case in [*searches, *lists]:
            print(f"  {case.label} …", end="", flush=True)
            result = measure(case, clients[case.client], args.requests, deadline)
            result.passed = result.p95 < GOAL_MS
            print(f" p95 {result.p95:.1f} ms")
            results.append(result)
        load_after = os.getloadavg()
    finally:
        stop(server)
    if server.returncode not in (0, -signal.SIGTERM, -signal.SIGKILL):
        print(f"(the server exited with {server.returncode})\n{tail(log, 10)}")
    rows = [["request", "p50", "p95", "p99", "goal", "result"]]
    for r in results:
        rows.append(
            [
                r.label,
                f"{r.p50:.1f}",
                f"{r.p95:.1f}",
                f"{r.p99:.1f}",
                f"{GOAL_MS:.0f}",
                "PASS" if r.passed else "FAIL",
            ]
        )
    passed = all(r.passed for r in results)
    print()
    print(text_table(rows))
    now = datetime.now(UTC).astimezone()
    meta = {
        "date": now.strftime("%Y-%m-%d"),
        "accounts": world["accounts"],
        "conversations": world.get("conversations"),
        "index": counts,
        "timings": timings,
        "requests": args.requests,
        "database": "SQLite " + sqlite3.sqlite_version,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "commit": git_commit(),
        "server": "amends serve: gunicorn gthread, 2 workers x 4 threads",
        "load_average": [round(load_before[0], 2), round(load_after[0], 2)],
        "passed": passed,
    }
    if not args.no_save:
        RESULTS.mkdir(parents=True, exist_ok=True)
        stem = RESULTS / f"search-{meta['date']}"
        stem.with_suffix(".json").write_text(
            json.dumps(
                {**meta, "results": [asdict(r) for r in results]}, indent=2, ensure_ascii=False
            )
            + "\n"
        )
        entries = ", ".join(f"{n:,} {kind}" for kind, n in sorted(counts.items()))
        lines = [
            f"# Search benchmark, {meta['date']}",
            "",
            f"{meta['accounts']:,} accounts and {meta['conversations'] or 0:,} inbox "
            f"conversations (bench/scale.py's world); the index holds {entries}. "
            f"{meta['database']}, {meta['server']}, {meta['cpus']} CPUs, commit "
            f"`{meta['commit']}`. {args.requests} sequential requests each after warm-up; ms, "
            f"client-side. Load average {meta['load_average'][0]} before, "
            f"{meta['load_average'][1]} after. Migrating (the index filled): "
            f"{timings['migrate']} s"
            + (f"; `amends search rebuild`: {timings['rebuild']} s" if "rebuild" in timings else "")
            + ".",
            "",
            *markdown_table(rows),
            "",
            f"Verdict (goal p95 under {GOAL_MS:.0f} ms): **{'PASS' if passed else 'FAIL'}**",
            "",
        ]
        stem.with_suffix(".md").write_text("\n".join(lines))
        print(f"Written: {stem.relative_to(ROOT)}.json and .md")
    return 0 if passed else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reuse", type=Path, required=True, help="a world kept by bench/scale.py")
    parser.add_argument("--rebuild", action="store_true", help="time `amends search rebuild`")
    parser.add_argument("--requests", type=int, default=100, help="timed requests per URL")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--limit", type=float, default=3600, help="seconds for the whole run")
    parser.add_argument("--no-save", action="store_true", help="do not write bench/results")
    args = parser.parse_args(argv)
    if not (args.reuse / "world.json").exists():
        print(
            f"{args.reuse} holds no world.json: build one with bench/scale.py --keep",
            file=sys.stderr,
        )
        return 2
    try:
        return bench(args, Deadline(args.limit))
    except BenchError as error:
        print(f"\nBENCHMARK ERROR: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
