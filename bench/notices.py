"""The notices benchmark: 65,000 personal letters through a real SMTP server.

Makes a throwaway SQLite database, an incident and a notice in four languages to
65,000 people (read from a CSV file with ``amends notices create``, timed), then
times ``amends notices send RUN`` as its own process, sending to a minimal
aiosmtpd server in another process (so the two do not share a GIL). It reports
messages a second (from the server's clock: the first message to the last) and the
sender's peak memory (``ru_maxrss`` of that process, from ``os.wait4``), and checks
that every person got exactly one message: 65,000 distinct Message-IDs, none twice,
every row marked sent. The goal: 1,000 messages a second or more, under 300 MB.

    .venv/bin/python bench/notices.py [--people N] [--keep] [--no-save]

The figures are printed and written to bench/results/notices-<date>.{json,md}.
See bench/README.md.
"""

import argparse
import json
import multiprocessing
import os
import platform
import random
import re
import resource
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from common import free_port

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
AMENDS = str(Path(sys.executable).with_name("amends"))
GOAL_RATE = 1000  # messages a second
GOAL_MB = 300
SEED = 1

SETUP = """
from datetime import timedelta
from django.utils import timezone

from amends.accounts.services import account_create
from amends.incidents.models import CauseCategory
from amends.incidents.services import Impact, incident_declare
from amends.people.models import Role
from amends.people.services import membership_set, team_create, user_create
from amends.timeline.services import Actor

team = team_create(name="Payroll", slug="payroll")
mia = user_create(username="mia", password="bench-password-not-used")
membership_set(user=mia, team=team, role=Role.MANAGER)
actor = Actor(user=mia, via="cli")
account = account_create(actor=actor, team=team, name="Harbor Printing Ltd")
incident = incident_declare(
    actor=actor,
    team=team,
    title="65,000 tax forms printed with the wrong year",
    occurred_at=timezone.now() - timedelta(days=1),
    cause=CauseCategory.objects.get(slug="supplier"),
    affected=[Impact(account_id=account.pk, units=65000)],
)
print(incident.pk)
"""
TEXTS = {
    "en": {
        "subject": "Your corrected {{ fields.year }} tax form ({{ fields.form_no }})",
        "body": (
            "Dear {{ name|default:'colleague' }},\n\n"
            "The tax form we sent you for {{ fields.year }} showed the wrong year. We are "
            "sorry: it was our mistake, not yours.\n\n"
            "A corrected form, {{ fields.form_no }}, is attached to your payroll account "
            "{{ fields.employee_id }} today, and a printed copy is in the post. You do not "
            "need to do anything; if you already filed, the corrected form is all your tax "
            "office needs.\n\n"
            "If anything is unclear, answer this letter: a person reads every answer.\n\n"
            "Payroll\n"
        ),
    },
    "pl": {
        "subject": "Poprawiony formularz podatkowy za {{ fields.year }} ({{ fields.form_no }})",
        "body": (
            "Szanowna Pani / Szanowny Panie {{ name }},\n\n"
            "formularz podatkowy za {{ fields.year }} miał błędny rok. Przepraszamy: to nasz "
            "błąd. Poprawiony formularz {{ fields.form_no }} jest już na koncie "
            "{{ fields.employee_id }}, a wydruk wysłaliśmy pocztą.\n\nDział płac\n"
        ),
    },
    "el": {
        "subject": "Το διορθωμένο φορολογικό σας έντυπο {{ fields.year }} ({{ fields.form_no }})",
        "body": (
            "Αγαπητέ/ή {{ name }},\n\n"
            "το φορολογικό έντυπο για το {{ fields.year }} είχε λάθος έτος. Ζητούμε συγγνώμη. "
            "Το διορθωμένο έντυπο {{ fields.form_no }} είναι στον λογαριασμό "
            "{{ fields.employee_id }}.\n\nΜισθοδοσία\n"
        ),
    },
    "zh-hans": {
        "subject": "您更正后的 {{ fields.year }} 年税表（{{ fields.form_no }}）",
        "body": (
            "{{ name }}，您好：\n\n我们寄给您的 {{ fields.year }} 年税表年份有误，非常抱歉。"
            "更正后的税表 {{ fields.form_no }} 已放入您的工资账户 {{ fields.employee_id }}。"
            "\n\n薪资部\n"
        ),
    },
}
NAMES = {
    "en": ["Sam Lee", "Joanna Smith", "Priya Patel", "Tom O'Neill", ""],
    "pl": ["Joanna Nowak", "Zażółć Gęślą", "Łukasz Wiśniewski"],
    "el": ["Ελένη Παπαδοπούλου", "Γιώργος Νικολάου"],
    "zh-hans": ["李娜", "王伟"],
    "de": ["Dieter Müller"],  # no German text: they get the English one
}
LANGUAGES = [("en", 0.55), ("pl", 0.2), ("el", 0.1), ("zh-hans", 0.1), ("de", 0.05)]


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=65_000, help="recipients (65,000)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("--no-save", action="store_true", help="do not write bench/results/")
    return parser.parse_args(argv)


# -- the SMTP server: another process, a handler that only counts -------------------------

MESSAGE_ID = re.compile(rb"^Message-ID: (<[^>]+>)", re.MULTILINE | re.IGNORECASE)


def sink(port: int, ready, control) -> None:
    import asyncio  # noqa: F401 - aiosmtpd runs on it

    from aiosmtpd.controller import Controller

    class Counter:
        def __init__(self):
            self.ids: set[bytes] = set()
            self.count = self.twice = 0
            self.first = self.last = 0.0

        async def handle_DATA(self, server, session, envelope):
            now = time.time()
            self.first = self.first or now
            self.last = now
            self.count += 1
            found = MESSAGE_ID.search(envelope.content)
            key = found.group(1) if found else b""
            if key in self.ids:
                self.twice += 1
            self.ids.add(key)
            return "250 OK"

    counter = Counter()
    controller = Controller(counter, hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    control.recv()  # "report"
    usage = resource.getrusage(resource.RUSAGE_SELF)
    control.send(
        {
            "cpu": usage.ru_utime + usage.ru_stime,
            "count": counter.count,
            "distinct": len(counter.ids),
            "twice": counter.twice,
            "first": counter.first,
            "last": counter.last,
        }
    )
    controller.stop()


# -- the run -------------------------------------------------------------------------------


def write_people(path: Path, count: int) -> dict[str, int]:
    rng = random.Random(SEED)
    codes, weights = zip(*LANGUAGES, strict=True)
    by_language: dict[str, int] = {}
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("email,name,language,form_no,year,employee_id\n")
        for n in range(count):
            language = rng.choices(codes, weights)[0]
            by_language[language] = by_language.get(language, 0) + 1
            name = rng.choice(NAMES[language]).replace('"', '""')
            out.write(f'e{n:06d}@staff.example,"{name}",{language},TX-{n:06d},2024,E{n:06d}\n')
    return by_language


def run(args, workdir: Path) -> int:
    port = free_port()
    database = workdir / "bench.sqlite3"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AMENDS_")}
    env.update(
        AMENDS_DATABASE_URL=f"sqlite:///{database}",
        AMENDS_SECRET_KEY=secrets.token_urlsafe(50),
        AMENDS_EMAIL_HOST="127.0.0.1",
        AMENDS_EMAIL_PORT=str(port),
        AMENDS_EMAIL_FROM="Payroll <payroll@staff.example>",
        AMENDS_LOG_LEVEL="WARNING",
    )

    def amends(*command: str) -> str:
        done = subprocess.run(
            [AMENDS, *command], env=env, capture_output=True, text=True, check=False
        )
        if done.returncode:
            raise SystemExit(f"amends {' '.join(command)} failed:\n{done.stderr}")
        return done.stdout

    print(f"Working in {workdir}")
    amends("migrate", "--no-input", "-v", "0")
    incident = amends("shell", "-c", SETUP).strip().splitlines()[-1]
    (workdir / "texts.json").write_text(json.dumps(TEXTS, ensure_ascii=False), encoding="utf-8")
    by_language = write_people(workdir / "people.csv", args.people)
    size_mb = (workdir / "people.csv").stat().st_size / 1e6
    started = time.perf_counter()
    created = amends(
        "notices",
        "create",
        incident,
        "--name",
        "Corrected 2024 tax forms",
        "--texts",
        str(workdir / "texts.json"),
        "--recipients",
        str(workdir / "people.csv"),
        "--rate",
        "100000",
    )
    import_seconds = time.perf_counter() - started
    run_id = re.search(r"Notice (\d+)", created).group(1)
    print(
        f"Read {args.people:,} people ({size_mb:.1f} MB) in {import_seconds:.1f} s, "
        f"with the start of the command"
    )

    context = multiprocessing.get_context("spawn")
    ready, (control, remote) = context.Event(), context.Pipe()
    server = context.Process(target=sink, args=(port, ready, remote), daemon=True)
    server.start()
    if not ready.wait(30):
        raise SystemExit("the SMTP server did not start")

    load_before = os.getloadavg()[0]
    log = (workdir / "send.log").open("w")
    started = time.perf_counter()
    sender = subprocess.Popen(
        [AMENDS, "notices", "send", run_id], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    _, status, usage = os.wait4(sender.pid, 0)
    sender.returncode = os.waitstatus_to_exitcode(status)
    send_seconds = time.perf_counter() - started
    load_after = os.getloadavg()[0]
    log.close()
    control.send("report")
    got = control.recv()
    server.join(10)
    output = (workdir / "send.log").read_text()
    if sender.returncode:
        raise SystemExit(f"amends notices send failed:\n{output}")

    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
        states = dict(
            db.execute("SELECT state, count(*) FROM comms_noticerecipient GROUP BY state")
        )
    server_seconds = got["last"] - got["first"]
    rate = (got["count"] - 1) / server_seconds if server_seconds > 0 else 0.0
    peak_mb = usage.ru_maxrss / 1024  # kilobytes on Linux
    exact = (
        got["count"] == got["distinct"] == args.people
        and got["twice"] == 0
        and states == {"sent": args.people}
    )
    passed = exact and rate >= GOAL_RATE and peak_mb < GOAL_MB
    figures = {
        "date": date.today().isoformat(),
        "people": args.people,
        "by_language": by_language,
        "csv_mb": round(size_mb, 1),
        "import_seconds": round(import_seconds, 2),
        "send_process_seconds": round(send_seconds, 2),
        "server_seconds": round(server_seconds, 2),
        "messages_per_second": round(rate),
        "messages_per_second_whole_process": round(got["count"] / send_seconds),
        "peak_rss_mb": round(peak_mb, 1),
        "sender_cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
        "server_cpu_seconds": round(got["cpu"], 1),
        "received": got["count"],
        "distinct_message_ids": got["distinct"],
        "received_twice": got["twice"],
        "rows": states,
        "sender_said": output.strip().splitlines()[-1] if output.strip() else "",
        "load_before": round(load_before, 2),
        "load_after": round(load_after, 2),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "passed": passed,
    }
    report = "\n".join(
        [
            f"# Notices: {args.people:,} letters through a real SMTP server",
            "",
            "| figure | value | goal |",
            "|---|---|---|",
            f"| messages a second (server clock) | **{rate:,.0f}** | ≥ {GOAL_RATE:,} |",
            f"| messages a second (whole process, startup included) "
            f"| {figures['messages_per_second_whole_process']:,} | |",
            f"| sender's peak memory (ru_maxrss) | **{peak_mb:,.0f} MB** | < {GOAL_MB} MB |",
            f"| received / distinct Message-IDs / twice | {got['count']:,} / "
            f"{got['distinct']:,} / {got['twice']} | {args.people:,} / {args.people:,} / 0 |",
            f"| rows marked sent | {states.get('sent', 0):,} | {args.people:,} |",
            f"| CPU time: the sender, the SMTP server | {figures['sender_cpu_seconds']} s, "
            f"{figures['server_cpu_seconds']} s | |",
            f"| reading the CSV file ({size_mb:.1f} MB), with the command's start "
            f"| {import_seconds:.1f} s | |",
            "",
            f"Load average {load_before:.2f} before, {load_after:.2f} after, on "
            f"{os.cpu_count()} CPUs; Python {platform.python_version()}, SQLite "
            f"{sqlite3.sqlite_version}. The sender said: {figures['sender_said']}",
            "",
            "PASS" if passed else "FAIL",
        ]
    )
    print(report)
    if not args.no_save:
        RESULTS.mkdir(parents=True, exist_ok=True)
        stem = RESULTS / f"notices-{figures['date']}"
        stem.with_suffix(".json").write_text(json.dumps(figures, indent=2, ensure_ascii=False))
        stem.with_suffix(".md").write_text(report + "\n")
    return 0 if passed else 1


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="amends-notices-bench-"))
    try:
        return run(args, workdir)
    finally:
        if args.keep:
            print(f"Kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
