"""The accounts benchmark: 100,000 demo accounts, a real server on loopback.

Loads the demo data set into a throwaway SQLite database, starts ``amends serve``
(gunicorn, as in production) on 127.0.0.1 and times, one request after another
over a keep-alive connection, the account list (first page, a search, a filter,
page 50), an account page and the same calls through the API, beside a constant
page served by the same server. The goal is a 95th percentile under 50 ms each.

    .venv/bin/python bench/accounts.py [--accounts N] [--requests N] [--keep] [--port P]

Only the standard library is used. The table is printed and written as JSON and
Markdown to bench/results/accounts-<date>.{json,md}. See bench/README.md.
"""

import argparse
import contextlib
import html
import http.client
import json
import math
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import string
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from common import free_port, git_commit, markdown_table

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
GOAL_MS = 50.0
SEED = 1
SEARCH_WORD = "harbor"  # one of 14 English company words: some demo accounts, not all
FILTER_STATE = "at_risk"
PAGE = 50
PAGE_SIZE = 25  # settings.AMENDS_PAGE_SIZE and the API's default page_size
ADMIN = "admin"
AGENT = "tomek"  # an agent of team growth only: sees a filtered set
PASSWORD = "amends-demo"
WARMUP = 5
REQUEST_TIMEOUT = 30.0


class BenchError(Exception):
    """Something went wrong that makes the figures meaningless."""


class Deadline:
    """The whole run is bounded: every wait asks how long it may still take."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def left(self, cap: float | None = None) -> float:
        remaining = self.end - time.monotonic()
        if remaining <= 0:
            raise BenchError(f"the benchmark took longer than its limit of {self.seconds:.0f} s")
        return remaining if cap is None else min(remaining, cap)


# --- the database, read directly: what each page must show ---------------------------------

ORACLE = {
    "all": (
        "SELECT COUNT(*) FROM accounts_account",
        "SELECT id, name FROM accounts_account ORDER BY name, id LIMIT 1 OFFSET ?",
    ),
    "search": (
        "SELECT COUNT(*) FROM accounts_account WHERE search_text LIKE ?",
        "SELECT id, name FROM accounts_account WHERE search_text LIKE ? "
        "ORDER BY name, id LIMIT 1 OFFSET ?",
    ),
    "state": (
        "SELECT COUNT(*) FROM accounts_account WHERE lifecycle = ?",
        "SELECT id, name FROM accounts_account WHERE lifecycle = ? "
        "ORDER BY name, id LIMIT 1 OFFSET ?",
    ),
    "agent_search": (
        "SELECT COUNT(*) FROM accounts_account WHERE search_text LIKE ? AND team_id IN ("
        " SELECT m.team_id FROM people_membership m JOIN people_user u ON u.id = m.user_id"
        " WHERE u.username = ? AND m.role IN ('manager', 'agent', 'viewer'))",
        "SELECT id, name FROM accounts_account WHERE search_text LIKE ? AND team_id IN ("
        " SELECT m.team_id FROM people_membership m JOIN people_user u ON u.id = m.user_id"
        " WHERE u.username = ? AND m.role IN ('manager', 'agent', 'viewer'))"
        " ORDER BY name, id LIMIT 1 OFFSET ?",
    ),
}


@dataclass
class Expected:
    count: int
    first_id: int
    first_name: str


def expected(db: sqlite3.Connection, which: str, params: tuple = (), page: int = 1) -> Expected:
    count_sql, first_sql = ORACLE[which]
    (count,) = db.execute(count_sql, params).fetchone()
    if count == 0:
        raise BenchError(f"the demo data has no accounts for {which} {params}: pick another")
    offset = (min(page, math.ceil(count / PAGE_SIZE)) - 1) * PAGE_SIZE
    first_id, first_name = db.execute(first_sql, (*params, offset)).fetchone()
    return Expected(count, first_id, first_name)


# --- checks: a benchmark must not pass on error pages ---------------------------------------


def check_html_list(exp: Expected):
    count_text = f"{exp.count:,} account"
    name = html.escape(exp.first_name)

    def check(body: bytes) -> None:
        text = body.decode("utf-8")
        if count_text not in text:
            raise BenchError(f"the page does not say {count_text!r}")
        if name not in text:
            raise BenchError(f"the page does not show {exp.first_name!r} first")

    return check


def check_html_detail(name: str, external_id: str):
    wanted = [html.escape(name), external_id]

    def check(body: bytes) -> None:
        text = body.decode("utf-8")
        for item in wanted:
            if item not in text:
                raise BenchError(f"the account page does not show {item!r}")

    return check


def check_api_list(exp: Expected, page: int, **every):
    def check(body: bytes) -> None:
        data = json.loads(body)
        if data.get("count") != exp.count or data.get("page") != page:
            raise BenchError(f"count/page {data.get('count')}/{data.get('page')}, not {exp.count}")
        items = data.get("items") or []
        if not items or items[0]["name"] != exp.first_name:
            raise BenchError(f"first item is not {exp.first_name!r}")
        if len(items) != min(PAGE_SIZE, exp.count - (page - 1) * PAGE_SIZE):
            raise BenchError(f"{len(items)} items on the page")
        for key, test in every.items():
            bad = [item for item in items if not test(item[key])]
            if bad:
                raise BenchError(f"item {bad[0]['id']} has {key}={bad[0][key]!r}")

    return check


def has_search_word(name: str) -> bool:
    return SEARCH_WORD in name.casefold()


def check_api_detail(account_id: int, name: str):
    def check(body: bytes) -> None:
        data = json.loads(body)
        if data.get("id") != account_id or data.get("name") != name:
            raise BenchError(f"got account {data.get('id')} {data.get('name')!r}")

    return check


def check_api_root(body: bytes) -> None:
    if json.loads(body).get("name") != "Amends API":
        raise BenchError("the API root does not name the API")


# --- HTTP ---------------------------------------------------------------------------------


class Client:
    """One keep-alive connection, sending the same headers (cookie or token) every time."""

    def __init__(self, port: int, headers: dict[str, str] | None = None):
        self.port = port
        self.headers = {"Accept-Language": "en", **(headers or {})}
        self.conn: http.client.HTTPConnection | None = None
        self.reconnects = 0

    def _connection(self) -> http.client.HTTPConnection:
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT)
        return self.conn

    def request(self, method: str, path: str, body=None, headers=None):
        headers = {**self.headers, **(headers or {})}
        for attempt in (1, 2):
            conn = self._connection()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # The server closed an idle keep-alive connection: open another once.
                self.close()
                if attempt == 2:
                    raise
                self.reconnects += 1
                continue
            if response.will_close:
                self.close()
            return response, data
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def web_login(port: int, username: str, password: str) -> str:
    """Log in through the real form (CSRF and all) and return the Cookie header."""
    client = Client(port)
    jar = SimpleCookie()

    def keep_cookies(response) -> None:
        for header in response.headers.get_all("Set-Cookie") or []:
            jar.load(header)

    def cookie_header() -> str:
        return "; ".join(f"{key}={morsel.value}" for key, morsel in jar.items())

    try:
        response, body = client.request("GET", "/login/")
        if response.status != 200:
            raise BenchError(f"GET /login/ answered {response.status}")
        keep_cookies(response)
        found = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        if not found:
            raise BenchError("no CSRF token on the login page")
        form = urlencode(
            {
                "csrfmiddlewaretoken": found.group(1).decode(),
                "username": username,
                "password": password,
                "next": "",
            }
        )
        response, body = client.request(
            "POST",
            "/login/",
            body=form,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": cookie_header(),
                "Referer": f"http://127.0.0.1:{port}/login/",
            },
        )
        keep_cookies(response)
        if response.status != 302 or "sessionid" not in jar:
            raise BenchError(f"logging in as {username} failed: {response.status}")
    finally:
        client.close()
    return cookie_header()


# --- timing -------------------------------------------------------------------------------


@dataclass
class Case:
    label: str
    path: str
    client: str  # key of the Client to use
    check: object = field(repr=False, default=None)


@dataclass
class Result:
    label: str
    path: str
    requests: int
    p50: float
    p95: float
    p99: float
    max: float
    mean: float
    bytes: int
    reconnects: int
    passed: bool


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest rank: the smallest value with at least p% of the values at or below it."""
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def measure(case: Case, client: Client, requests: int, deadline: Deadline) -> Result:
    def one() -> tuple[float, bytes]:
        started = time.perf_counter()
        response, body = client.request("GET", case.path)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status != 200:
            raise BenchError(f"{case.path} answered {response.status}: {body[:200]!r}")
        return elapsed, body

    for _ in range(WARMUP):
        deadline.left()
        _, body = one()
        case.check(body)
    reconnects_before = client.reconnects
    times, size = [], 0
    for _ in range(requests):
        deadline.left()
        elapsed, body = one()
        case.check(body)  # after the clock stopped: the check is not the server's time
        times.append(elapsed)
        size = len(body)
    times.sort()
    p95 = percentile(times, 95)
    return Result(
        label=case.label,
        path=case.path,
        requests=requests,
        p50=round(percentile(times, 50), 2),
        p95=round(p95, 2),
        p99=round(percentile(times, 99), 2),
        max=round(times[-1], 2),
        mean=round(sum(times) / len(times), 2),
        bytes=size,
        reconnects=client.reconnects - reconnects_before,
        passed=p95 < GOAL_MS,
    )


# --- processes ----------------------------------------------------------------------------


def amends_command() -> list[str]:
    script = Path(sys.executable).with_name("amends")
    return [str(script)] if script.exists() else [sys.executable, "-m", "amends"]


def run(args: list[str], env: dict, deadline: Deadline, cap: float, *, show: bool = False) -> str:
    """Run an ``amends`` command to completion; its stdout, or BenchError with its output."""
    try:
        done = subprocess.run(
            [*amends_command(), *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=None if show else subprocess.PIPE,
            text=True,
            timeout=deadline.left(cap),
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise BenchError(f"`amends {' '.join(args)}` took too long") from None
    if done.returncode != 0:
        output = done.stdout + (done.stderr or "")
        raise BenchError(f"`amends {' '.join(args)}` failed ({done.returncode}):\n{output}")
    return done.stdout


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def wait_healthy(server: subprocess.Popen, port: int, log: Path, deadline: Deadline) -> None:
    limit = deadline.left(60)
    give_up = time.monotonic() + limit
    last = "no answer"
    while time.monotonic() < give_up:
        if server.poll() is not None:
            raise BenchError(f"the server exited ({server.returncode}):\n{tail(log)}")
        with contextlib.suppress(OSError, http.client.HTTPException):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            try:
                conn.request("GET", "/healthz")
                response = conn.getresponse()
                body = response.read()
                if response.status == 200:
                    return
                last = f"{response.status} {body.decode(errors='replace')[:500]}"
            finally:
                conn.close()
        time.sleep(0.2)
    raise BenchError(f"/healthz did not answer 200 within {limit:.0f} s; last: {last}")


def stop(server: subprocess.Popen) -> None:
    """Ask gunicorn to stop (it stops its workers), then make sure its whole group is gone.

    The server runs in a session of its own. Its exit is awaited without reaping it,
    so that its process-group id cannot be reused before the group is killed.
    """
    if server.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            server.terminate()
        give_up = time.monotonic() + 30
        while time.monotonic() < give_up:
            state = os.waitid(os.P_PID, server.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
            if state is not None:
                break
            time.sleep(0.1)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(server.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        server.wait(timeout=10)


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no server log)"


# --- reports ------------------------------------------------------------------------------


def table(results: list[Result], baseline_p95: float) -> list[list[str]]:
    rows = [["URL", "requests", "p50", "p95", "p99", "max", "p95-base", "result"]]
    for r in results:
        rows.append(
            [
                r.label,
                str(r.requests),
                f"{r.p50:.1f}",
                f"{r.p95:.1f}",
                f"{r.p99:.1f}",
                f"{r.max:.1f}",
                f"{r.p95 - baseline_p95:+.1f}",
                "PASS" if r.passed else "FAIL",
            ]
        )
    return rows


def text_table(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        cells = [
            cell.ljust(width) if i == 0 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells))
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown(meta: dict, rows: list[list[str]]) -> str:
    busy = (
        f" (above {meta['cpus']}: other work was competing for the CPUs)"
        if max(meta["load_average"]) > meta["cpus"]
        else ""
    )
    out = [
        f"# Accounts benchmark, {meta['date']}",
        "",
        f"{meta['accounts']:,} demo accounts (seed {SEED}) on SQLite {meta['sqlite']}, "
        f"`amends serve` (gunicorn, 2 workers x 4 threads) on 127.0.0.1, "
        f"{meta['cpus']} CPUs, Python {meta['python']}, commit `{meta['commit']}`.",
        f"Demo load: {meta['demo_seconds']:.1f} s, {meta['demo_accounts_per_second']:,.0f} "
        f"accounts/s. {meta['requests']} sequential requests per URL over one keep-alive "
        f"connection after {WARMUP} warm-ups; times in ms, client-side. Goal: p95 < "
        f"{GOAL_MS:.0f} ms. `p95-base` is the p95 above the constant page's. "
        f"1-minute load average {meta['load_average'][0]} before the requests, "
        f"{meta['load_average'][1]} after{busy}.",
        "",
        *markdown_table(rows),
        "",
        f"Verdict: **{'PASS' if meta['passed'] else 'FAIL'}**",
        "",
    ]
    return "\n".join(out)


# --- the run ------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=100_000, help="demo accounts (100,000)")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per URL (200)")
    parser.add_argument("--port", type=int, default=0, help="server port (default: a free one)")
    parser.add_argument("--keep", action="store_true", help="keep the database and server log")
    parser.add_argument(
        "--timeout", type=float, default=3600, help="give up after this many seconds (3600)"
    )
    parser.add_argument(
        "--no-save", action="store_true", help="do not write bench/results/ (for trial runs)"
    )
    args = parser.parse_args(argv)
    if args.accounts < PAGE * PAGE_SIZE:
        parser.error(f"--accounts must be at least {PAGE * PAGE_SIZE} so that page {PAGE} exists")
    if args.requests < 1:
        parser.error("--requests must be at least 1")
    if not 0 <= args.port < 65536:
        parser.error("--port must be between 1 and 65535")
    return args


def bench(args: argparse.Namespace, workdir: Path, deadline: Deadline) -> int:
    database = workdir / "bench.sqlite3"
    log = workdir / "server.log"
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("AMENDS_") and key != "DJANGO_SETTINGS_MODULE"
    }
    env.update(
        AMENDS_DATABASE_URL=f"sqlite:///{database}",
        AMENDS_SECRET_KEY="".join(secrets.choice(alphabet) for _ in range(50)),
        AMENDS_ALLOWED_HOSTS="127.0.0.1",
        AMENDS_DEBUG="0",
        AMENDS_PAGE_SIZE=str(PAGE_SIZE),
        AMENDS_LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )

    print(f"Database: {database}")
    run(["migrate", "--no-input", "-v", "0"], env, deadline, 600)
    print(f"Loading {args.accounts:,} demo accounts (seed {SEED})…", flush=True)
    started = time.perf_counter()
    out = run(
        ["demo", "--accounts", str(args.accounts), "--seed", str(SEED)],
        env,
        deadline,
        3000,
        show=sys.stderr.isatty(),  # the progress bar, when someone watches
    )
    demo_seconds = time.perf_counter() - started
    rate = args.accounts / demo_seconds
    print(out.strip().splitlines()[0] if out.strip() else "")
    print(f"Demo load: {demo_seconds:.1f} s, {rate:,.0f} accounts/s")

    tokens = {
        user: run(["token", "create", "--user", user, "--name", "bench"], env, deadline, 120)
        .strip()
        .splitlines()[-1]
        for user in (ADMIN, AGENT)
    }

    # What each page must show, read straight from the database.
    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as db:
        like = (f"%{SEARCH_WORD}%",)
        first = expected(db, "all")
        search = expected(db, "search", like)
        state = expected(db, "state", (FILTER_STATE,))
        paged = expected(db, "all", page=PAGE)
        agent_search = expected(db, "agent_search", (*like, AGENT))
        external_id = f"demo-{args.accounts // 2:06d}"
        row = db.execute(
            "SELECT id, name FROM accounts_account WHERE source = 'demo' AND external_id = ?",
            (external_id,),
        ).fetchone()
        if row is None:
            raise BenchError(f"no demo account {external_id}")
        account_id, account_name = row
        sqlite_version = db.execute("SELECT sqlite_version()").fetchone()[0]
    if search.count >= first.count:
        raise BenchError(f"{SEARCH_WORD!r} matches every account: the search proves nothing")

    port = args.port or free_port()
    if not port_is_free(port):
        raise BenchError(f"port {port} is taken")
    with log.open("wb") as log_file:
        serve = ["serve", "--host", "127.0.0.1", "--port", str(port), "--no-migrate"]
        server = subprocess.Popen(
            [*amends_command(), *serve],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_healthy(server, port, log, deadline)
        print(f"Server: http://127.0.0.1:{port}/ (pid {server.pid})")
        clients = {
            "web": Client(port, {"Cookie": web_login(port, ADMIN, PASSWORD)}),
            "api": Client(port, {"Authorization": f"Bearer {tokens[ADMIN]}"}),
            "agent": Client(port, {"Authorization": f"Bearer {tokens[AGENT]}"}),
            "anonymous": Client(port),
        }
        cases = [
            Case("web /accounts/", "/accounts/", "web", check_html_list(first)),
            Case(
                f"web /accounts/?q={SEARCH_WORD}",
                f"/accounts/?q={SEARCH_WORD}",
                "web",
                check_html_list(search),
            ),
            Case(
                f"web /accounts/?lifecycle={FILTER_STATE}",
                f"/accounts/?lifecycle={FILTER_STATE}",
                "web",
                check_html_list(state),
            ),
            Case(
                f"web /accounts/?page={PAGE}",
                f"/accounts/?page={PAGE}",
                "web",
                check_html_list(paged),
            ),
            Case(
                "web /accounts/<id>/",
                f"/accounts/{account_id}/",
                "web",
                check_html_detail(account_name, external_id),
            ),
            Case("api /api/v1/accounts", "/api/v1/accounts", "api", check_api_list(first, 1)),
            Case(
                f"api /api/v1/accounts?q={SEARCH_WORD}",
                f"/api/v1/accounts?q={SEARCH_WORD}",
                "api",
                check_api_list(search, 1, name=has_search_word),
            ),
            Case(
                f"api /api/v1/accounts?lifecycle={FILTER_STATE}",
                f"/api/v1/accounts?lifecycle={FILTER_STATE}",
                "api",
                check_api_list(state, 1, lifecycle=lambda value: value == FILTER_STATE),
            ),
            Case(
                f"api /api/v1/accounts?page={PAGE}",
                f"/api/v1/accounts?page={PAGE}",
                "api",
                check_api_list(paged, PAGE),
            ),
            Case(
                "api /api/v1/accounts/<id>",
                f"/api/v1/accounts/{account_id}",
                "api",
                check_api_detail(account_id, account_name),
            ),
            Case(
                f"api /api/v1/accounts?q={SEARCH_WORD} ({AGENT}, agent)",
                f"/api/v1/accounts?q={SEARCH_WORD}",
                "agent",
                check_api_list(agent_search, 1, name=has_search_word, team=lambda v: v == "growth"),
            ),
            Case("constant /api/v1/ (baseline)", "/api/v1/", "anonymous", check_api_root),
        ]
        results = []
        load_before = os.getloadavg()
        for case in cases:
            print(f"  {case.label} …", end="", flush=True)
            result = measure(case, clients[case.client], args.requests, deadline)
            print(f" p95 {result.p95:.1f} ms")
            results.append(result)
        load_after = os.getloadavg()
        for client in clients.values():
            client.close()
    finally:
        stop(server)
    if server.returncode not in (0, -signal.SIGTERM, -signal.SIGKILL):
        print(f"(the server exited with {server.returncode})\n{tail(log, 10)}")

    baseline = results[-1]
    rows = table(results, baseline.p95)
    passed = all(r.passed for r in results)
    print()
    print(text_table(rows))
    print()
    print(
        f"{'PASS' if passed else 'FAIL'}: p95 < {GOAL_MS:.0f} ms for "
        f"{sum(r.passed for r in results)} of {len(results)} URLs"
    )
    busy = max(load_before[0], load_after[0])
    if busy > (os.cpu_count() or 1):
        print(f"Note: the load average was {busy:.1f}: other work was competing for the CPUs.")
    now = datetime.now(UTC).astimezone()
    meta = {
        "date": now.strftime("%Y-%m-%d"),
        "started_at": now.isoformat(timespec="seconds"),
        "accounts": args.accounts,
        "seed": SEED,
        "requests": args.requests,
        "warmup": WARMUP,
        "goal_p95_ms": GOAL_MS,
        "demo_seconds": round(demo_seconds, 2),
        "demo_accounts_per_second": round(rate, 1),
        "database": "sqlite",
        "sqlite": sqlite_version,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "commit": git_commit(),
        "server": "amends serve: gunicorn gthread, 2 workers x 4 threads",
        # Other work on the machine shows in the tails: 1-minute load before and after.
        "load_average": [round(load_before[0], 2), round(load_after[0], 2)],
        "passed": passed,
    }
    if not args.no_save:
        RESULTS.mkdir(parents=True, exist_ok=True)
        stem = RESULTS / f"accounts-{meta['date']}"
        document = {**meta, "results": [asdict(r) for r in results]}
        stem.with_suffix(".json").write_text(json.dumps(document, indent=2) + "\n")
        stem.with_suffix(".md").write_text(markdown(meta, rows))
        print(f"Written: {stem.relative_to(ROOT)}.json and .md")
    return 0 if passed else 1


class Stopped(Exception):
    """SIGTERM arrived."""


def stopped(signum, frame):
    raise Stopped


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    deadline = Deadline(args.timeout)
    # A polite `kill` must still run the finally blocks that stop the server.
    signal.signal(signal.SIGTERM, stopped)
    workdir = Path(tempfile.mkdtemp(prefix="amends-bench-"))
    try:
        return bench(args, workdir, deadline)
    except BenchError as error:
        print(f"\nbench: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nbench: interrupted", file=sys.stderr)
        return 130
    except Stopped:
        print("\nbench: stopped (SIGTERM)", file=sys.stderr)
        return 143
    finally:
        if args.keep:
            print(f"Kept: {workdir} (bench.sqlite3, server.log)")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
