"""Many people at once: 50 concurrent clients for 60 s against a real server.

Loads the demo into a throwaway database, starts ``amends serve`` (gunicorn, as in
production) on 127.0.0.1 and lets ``--clients`` threads, each with its own
keep-alive connection and its own person (a web session or an API token), do a
realistic mix for ``--seconds``: the account list and a search, My work, the inbox,
account and case pages, API reads, recording a commitment, completing a step, a
wrong password, and the public feedback form. It reports requests per second,
p50/p95/p99 per kind of request, and errors: any 5xx, a broken connection, or an
answer the request should never get. The goal is **0 errors** on SQLite and on
PostgreSQL.

    .venv/bin/python bench/load.py                      # SQLite, then PostgreSQL
    .venv/bin/python bench/load.py --database sqlite    # one of them
    scripts/with-postgres .venv/bin/python bench/load.py --database postgres

PostgreSQL is the throwaway server of scripts/with-postgres (its AMENDS_DATABASE_URL).
Results go to bench/results/load-<date>.{json,md}.
"""

import argparse
import json
import os
import platform
import random
import re
import secrets
import string
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

from accounts import (
    BenchError,
    Client,
    Deadline,
    amends_command,
    percentile,
    run,
    stop,
    tail,
    wait_healthy,
    web_login,
)
from common import free_port, git_commit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PASSWORD = "amends-demo"
WEB_USERS = ["admin", "maria", "eleni", "tomek", "li"]
API_USERS = ["admin", "maria", "eleni"]


@dataclass
class Person:
    name: str
    client: Client
    api: bool


@dataclass
class Tally:
    times: dict = field(default_factory=lambda: defaultdict(list))
    statuses: dict = field(default_factory=lambda: defaultdict(Counter))
    errors: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, status: int | str, elapsed_ms: float, ok: bool, note: str = ""):
        with self.lock:
            self.times[kind].append(elapsed_ms)
            self.statuses[kind][str(status)] += 1
            if not ok:
                self.errors.append(f"{kind}: {status} {note}"[:300])


class Mix:
    """What one client does, chosen at random with these weights (reads dominate, as
    on a real desk; about one request in six writes)."""

    WEB = [
        ("web: account list", 10),
        ("web: account search", 5),
        ("web: my work", 8),
        ("web: inbox", 5),
        ("web: account page", 10),
        ("web: case page", 10),
        ("web: wrong password", 2),
        ("public: feedback", 3),
    ]
    API = [
        ("api: accounts", 10),
        ("api: account", 10),
        ("api: cases", 6),
        ("api: case", 8),
        ("api: record a commitment", 5),
        ("api: complete a step", 5),
    ]

    def __init__(self, port: int, data: dict, tally: Tally, stop_at: float, seed: int):
        self.port, self.data, self.tally, self.stop_at = port, data, tally, stop_at
        self.random = random.Random(seed)

    def pick(self, api: bool) -> str:
        choices = self.API if api else self.WEB
        return self.random.choices([c for c, _ in choices], [w for _, w in choices])[0]

    def timed(self, person: Person, kind: str, method: str, path: str, expect: set, **kw):
        started = time.perf_counter()
        try:
            response, body = person.client.request(method, path, **kw)
        except Exception as error:  # a broken connection is an error like a 500
            person.client.close()
            self.tally.add(kind, type(error).__name__, 0.0, False, path)
            return None, b""
        elapsed = (time.perf_counter() - started) * 1000
        ok = response.status in expect
        note = "" if ok else f"{path} {body[:160]!r}"
        self.tally.add(kind, response.status, elapsed, ok, note)
        return response, body

    def loop(self, person: Person) -> None:
        while time.monotonic() < self.stop_at:
            kind = self.pick(person.api)
            getattr(self, "do_" + re.sub(r"\W+", "_", kind.split(": ", 1)[1]))(person, kind)

    # -- reads --------------------------------------------------------------------------

    def do_account_list(self, p, kind):
        self.timed(p, kind, "GET", "/accounts/", {200})

    def do_account_search(self, p, kind):
        word = self.random.choice(["harbor", "print", "foods", "logistics", "nowak"])
        self.timed(p, kind, "GET", f"/accounts/?{urlencode({'q': word})}", {200})

    def do_my_work(self, p, kind):
        self.timed(p, kind, "GET", "/cases/", {200})

    def do_inbox(self, p, kind):
        self.timed(p, kind, "GET", "/inbox/", {200})

    def do_account_page(self, p, kind):
        account = self.random.choice(self.data["accounts"])
        self.timed(p, kind, "GET", f"/accounts/{account}/", {200, 404})

    def do_case_page(self, p, kind):
        case = self.random.choice(self.data["cases"])
        self.timed(p, kind, "GET", f"/cases/{case}/", {200, 404})

    def do_accounts(self, p, kind):
        page = self.random.randint(1, 4)
        self.timed(p, kind, "GET", f"/api/v1/accounts?page={page}", {200})

    def do_account(self, p, kind):
        account = self.random.choice(self.data["accounts"])
        self.timed(p, kind, "GET", f"/api/v1/accounts/{account}", {200, 404})

    def do_cases(self, p, kind):
        self.timed(p, kind, "GET", "/api/v1/cases", {200})

    def do_case(self, p, kind):
        case = self.random.choice(self.data["cases"])
        self.timed(p, kind, "GET", f"/api/v1/cases/{case}", {200, 404})

    # -- writes -------------------------------------------------------------------------

    def do_record_a_commitment(self, p, kind):
        case = self.random.choice(self.data["cases"])
        due = (datetime.now(UTC) + timedelta(days=self.random.randint(1, 20))).isoformat()
        body = json.dumps(
            {"what": "Call back with the reprint date", "measure": "a call held", "due_at": due}
        )
        # 422: the case closed meanwhile; 404: not this person's team.
        self.timed(
            p,
            kind,
            "POST",
            f"/api/v1/cases/{case}/commitments",
            {201, 404, 422},
            body=body,
            headers={"Content-Type": "application/json"},
        )

    def do_complete_a_step(self, p, kind):
        case = self.random.choice(self.data["cases"])
        response, body = self.timed(p, "api: case", "GET", f"/api/v1/cases/{case}", {200, 404})
        if response is None or response.status != 200:
            return
        steps = [
            s for s in json.loads(body)["steps"] if not s["done_at"] and not s["skipped_reason"]
        ]
        if not steps:
            return
        step = self.random.choice(steps)
        # 422 when its records are missing or someone finished it a moment before.
        self.timed(
            p,
            kind,
            "POST",
            f"/api/v1/cases/{case}/steps/{step['id']}/complete",
            {200, 422},
            body="{}",
            headers={"Content-Type": "application/json"},
        )

    def do_wrong_password(self, p, kind):
        # A stranger's guess: the login throttle records it (a write) from this address.
        guest = Client(self.port)
        try:
            response, body = guest.request("GET", "/login/")
            token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
            cookie = response.headers.get("Set-Cookie", "").split(";")[0]
            form = urlencode(
                {
                    "csrfmiddlewaretoken": token.group(1).decode() if token else "",
                    "username": f"guess-{self.random.randrange(10**9)}",
                    "password": "wrong",
                }
            )
            person = Person("guest", guest, api=False)
            self.timed(
                person,
                kind,
                "POST",
                "/login/",
                {200, 429},
                body=form,
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Cookie": cookie,
                    "Referer": f"http://127.0.0.1:{self.port}/login/",
                },
            )
        finally:
            guest.close()

    def do_feedback(self, p, kind):
        guest = Client(self.port)
        key = self.data["feedback_key"]
        try:
            person = Person("customer", guest, api=False)
            response, body = self.timed(
                person, "public: feedback form", "GET", f"/api/v1/feedback/{key}", {200}
            )
            if response is None or response.status != 200:
                return
            payload = {
                "token": json.loads(body)["token"],
                "message": "The forms came with last year's date on them.",
                "name": "A customer",
                "email": f"customer{self.random.randrange(10**6)}@example.com",
                "kind": "complaint",
            }
            self.timed(
                person,
                kind,
                "POST",
                f"/api/v1/feedback/{key}",
                {200, 201},
                body=json.dumps(payload),
                headers={"Content-Type": "application/json"},
            )
        finally:
            guest.close()


# --- the set-up ---------------------------------------------------------------------------


def environment(database_url: str) -> dict:
    alphabet = string.ascii_letters + string.digits
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("AMENDS_") and key != "DJANGO_SETTINGS_MODULE"
    }
    env.update(
        AMENDS_DATABASE_URL=database_url,
        AMENDS_SECRET_KEY="".join(secrets.choice(alphabet) for _ in range(50)),
        AMENDS_ALLOWED_HOSTS="127.0.0.1",
        AMENDS_DEBUG="0",
        AMENDS_LOG_LEVEL="WARNING",
        # Every client comes from 127.0.0.1: lift the public page's per-address limit
        # (as a deployment behind a proxy counts real addresses), so every feedback is
        # a real write, and let the form be sent as soon as it is read.
        AMENDS_FEEDBACK_MIN_SECONDS="0",
        AMENDS_FEEDBACK_LIMIT_PER_ADDRESS="1000000",
        AMENDS_FEEDBACK_LIMIT_PER_PAGE="1000000",
        PYTHONUNBUFFERED="1",
    )
    return env


SETUP = """
import json
from amends.accounts.models import Account
from amends.complaints.feedback_page import feedback_page_enable
from amends.people.models import Team
from amends.recovery.models import RecoveryCase
from amends.timeline.services import Actor
team = Team.objects.order_by("pk").first()
page = feedback_page_enable(actor=Actor.system(), team=team)
print(json.dumps({
    "accounts": list(Account.objects.order_by("pk").values_list("pk", flat=True)[:400]),
    "cases": list(RecoveryCase.objects.filter(closed_at__isnull=True)
                  .order_by("pk").values_list("pk", flat=True)[:400]),
    "feedback_key": page.public_key,
}))
"""


def one_database(label: str, database_url: str, args, workdir: Path, deadline: Deadline) -> dict:
    env = environment(database_url)
    log = workdir / f"server-{label}.log"
    run(["migrate", "--no-input", "-v", "0"], env, deadline, 600)
    run(["demo", "--accounts", str(args.accounts), "--seed", "1"], env, deadline, 1200)
    data = json.loads(run(["shell", "-c", SETUP], env, deadline, 120).strip().splitlines()[-1])
    if not data["cases"]:
        raise BenchError("the demo has no open cases")
    tokens = {
        user: run(["token", "create", "--user", user, "--name", "load"], env, deadline, 120)
        .strip()
        .splitlines()[-1]
        for user in API_USERS
    }
    port = args.port or free_port()
    serve = ["serve", "--host", "127.0.0.1", "--port", str(port), "--no-migrate"]
    with log.open("w") as out:
        server = subprocess.Popen(
            [*amends_command(), *serve],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_healthy(server, port, log, deadline)
        cookies = {user: web_login(port, user, PASSWORD) for user in WEB_USERS}
        people = []
        for n in range(args.clients):
            if n % 2:
                user = API_USERS[n % len(API_USERS)]
                headers = {"Authorization": f"Bearer {tokens[user]}", "Accept": "application/json"}
                people.append(Person(user, Client(port, headers), api=True))
            else:
                user = WEB_USERS[n % len(WEB_USERS)]
                people.append(Person(user, Client(port, {"Cookie": cookies[user]}), api=False))
        tally = Tally()
        stop_at = time.monotonic() + args.seconds
        load_before = os.getloadavg()[0]
        threads = [
            threading.Thread(
                target=Mix(port, data, tally, stop_at, seed=n).loop, args=(person,), daemon=True
            )
            for n, person in enumerate(people)
        ]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=max(1.0, deadline.left()))
        took = time.monotonic() - started
        for person in people:
            person.client.close()
        server_errors = [line for line in tail(log, 400).splitlines() if "Traceback" in line]
    finally:
        stop(server)
    return summary(label, tally, took, args, load_before, server_errors, tail(log, 40))


def summary(label, tally, took, args, load_before, server_errors, log_tail) -> dict:
    every = sorted(t for times in tally.times.values() for t in times)
    total = sum(sum(c.values()) for c in tally.statuses.values())
    kinds = []
    for kind in sorted(tally.times):
        times = sorted(tally.times[kind])
        kinds.append(
            {
                "kind": kind,
                "requests": len(times),
                "statuses": dict(tally.statuses[kind]),
                "p50": round(percentile(times, 50), 1),
                "p95": round(percentile(times, 95), 1),
                "p99": round(percentile(times, 99), 1),
            }
        )
    return {
        "database": label,
        "clients": args.clients,
        "seconds": round(took, 1),
        "requests": total,
        "requests_per_second": round(total / took, 1),
        "p50": round(percentile(every, 50), 1),
        "p95": round(percentile(every, 95), 1),
        "p99": round(percentile(every, 99), 1),
        "errors": len(tally.errors),
        "error_samples": tally.errors[:20],
        "server_tracebacks": len(server_errors),
        "load_average_before": round(load_before, 2),
        "kinds": kinds,
        "log_tail": log_tail if tally.errors else "",
    }


def report(results: list[dict], args) -> str:
    lines = [
        f"# Load: {args.clients} concurrent clients for {args.seconds} s, "
        f"{datetime.now(UTC):%Y-%m-%d}",
        "",
        f"`amends serve` (gunicorn, 2 workers x 4 threads) on 127.0.0.1, {args.accounts} demo "
        f"accounts, {os.cpu_count()} CPUs, Python {platform.python_version()}, commit "
        f"`{git_commit()}`. The clients run on the same machine. Times in ms, client-side.",
        "",
        "| database | requests | req/s | p50 | p95 | p99 | errors |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r['database']} | {r['requests']:,} | {r['requests_per_second']} | {r['p50']} "
            f"| {r['p95']} | {r['p99']} | **{r['errors']}** |"
        )
    for r in results:
        lines += ["", f"## {r['database']}", "", "| request | n | answers | p50 | p95 | p99 |"]
        lines.append("|---|---:|---|---:|---:|---:|")
        for k in r["kinds"]:
            answers = ", ".join(f"{s}×{n}" for s, n in sorted(k["statuses"].items()))
            lines.append(
                f"| {k['kind']} | {k['requests']} | {answers} | {k['p50']} | {k['p95']} "
                f"| {k['p99']} |"
            )
        if r["error_samples"]:
            lines += ["", "Errors:", *(f"- `{e}`" for e in r["error_samples"])]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--accounts", type=int, default=2000, help="demo accounts (2,000)")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--json", help="write this run's results here (used for 'both')")
    parser.add_argument("--no-save", action="store_true", help="do not write bench/results/")
    args = parser.parse_args(argv)
    deadline = Deadline(args.seconds * 2 + 1800)
    results = []
    with tempfile.TemporaryDirectory(prefix="amends-load-") as tmp:
        workdir = Path(tmp)
        if args.database in {"sqlite", "both"}:
            url = f"sqlite:///{workdir / 'load.sqlite3'}"
            results.append(one_database("SQLite", url, args, workdir, deadline))
        if args.database == "postgres":
            url = os.environ.get("AMENDS_DATABASE_URL", "")
            if not url.startswith("postgres"):
                parser.error("--database postgres runs under scripts/with-postgres")
            results.append(one_database("PostgreSQL", url, args, workdir, deadline))
        if args.database == "both":
            out = workdir / "postgres.json"
            own = [sys.executable, __file__, "--database", "postgres", "--json", str(out)]
            own += ["--clients", str(args.clients), "--seconds", str(args.seconds)]
            own += ["--accounts", str(args.accounts), "--no-save"]
            subprocess.run([str(ROOT / "scripts" / "with-postgres"), *own], check=True)
            results += json.loads(out.read_text())
    if args.json:
        Path(args.json).write_text(json.dumps(results))
    text = report(results, args)
    print(text)
    if not args.no_save:
        RESULTS.mkdir(exist_ok=True)
        stem = RESULTS / f"load-{datetime.now(UTC):%Y-%m-%d}"
        stem.with_suffix(".md").write_text(text)
        stem.with_suffix(".json").write_text(json.dumps(results, indent=2))
    return 1 if any(r["errors"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
