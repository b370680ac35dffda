"""The mail-in benchmark: 10,000 customers' mails fetched from a real IMAP server
(Dovecot on loopback, scripts/dovecot_server.py) and stored (issue 14: aim for at
least 100 mails a second on this machine).

Makes a throwaway SQLite database (migrated, one team with a mailbox, 2,000 accounts
each with a contact), appends the mails to the team's IMAP INBOX and times
``amends mail poll --team north`` as its own process, from start to exit: fetching in
batches, parsing, threading, storing, marking each mail. The mix is what a desk
receives: new mails, replies to them (threaded by In-Reply-To), HTML-only mail, mail
in GB2312, ISO-8859-2 and Windows-1253, out-of-office answers, list mail, small
attachments. Then it polls again (nothing new: the cost of a quiet minute).

    .venv/bin/python bench/mail_in.py [--mails N] [--no-save]

Figures go to bench/results/mail-in-<date>.{json,md}. See bench/README.md.
"""

import argparse
import json
import os
import platform
import random
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

from common import git_commit, markdown_table

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
AMENDS = ROOT / ".venv" / "bin" / "amends"
GOAL = 100.0  # mails stored per second
SEED = 1
ACCOUNTS = 2_000

sys.path.insert(0, str(ROOT / "scripts"))
from dovecot_server import DovecotServer  # noqa: E402

WORDS = {
    "utf-8": "The labels arrived late and two boxes were missing. Please call me.",
    "gb2312": "标签到得太晚了，还少了两箱。请给我打电话。",
    "iso-8859-2": "Etykiety przyszły za późno i brakowało dwóch pudełek. Proszę o telefon.",
    "windows-1253": "Οι ετικέτες έφτασαν αργά και έλειπαν δύο κιβώτια. Παρακαλώ τηλεφωνήστε μου.",
}


def _mail(number: int, rng: random.Random) -> bytes:
    account = rng.randrange(ACCOUNTS)
    message = EmailMessage()
    message["From"] = f"Customer {account} <customer{account}@client{account}.example>"
    message["To"] = "support@north.example"
    message["Message-ID"] = f"<bench-{number}@client{account}.example>"
    message["Date"] = "Fri, 04 Dec 2026 10:00:00 +0000"
    roll = rng.random()
    charset = rng.choice(list(WORDS))
    words = WORDS[charset]
    message["Subject"] = f"Order {number}: {words[:30]}"
    if roll < 0.30 and number > 10:
        # A reply to an earlier mail, quoting it.
        earlier = rng.randrange(number)
        message["In-Reply-To"] = f"<bench-{earlier}@client0.example>"
        words += "\n\nOn Thu, 3 Dec 2026, Support wrote:\n> We are sorry.\n> It ships today."
    elif roll < 0.35:
        message["Auto-Submitted"] = "auto-replied"
    elif roll < 0.38:
        message["List-Id"] = "<news.client.example>"
    if roll > 0.9:
        message.set_content(
            f"<html><body><p>{words}</p><p>Regards</p></body></html>", subtype="html"
        )
    else:
        message.set_content(words, charset=charset)
    if roll > 0.95:
        message.add_attachment(
            bytes(rng.randrange(256) for _ in range(20_000)),
            maintype="application",
            subtype="pdf",
            filename=f"invoice-{number}.pdf",
        )
    return message.as_bytes()


def _run(args: list[str], env: dict) -> tuple[float, float, str]:
    started = time.perf_counter()
    usage_before = os.times()
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    usage_after = os.times()
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    cpu = (usage_after.children_user - usage_before.children_user) + (
        usage_after.children_system - usage_before.children_system
    )
    return seconds, cpu, done.stdout.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mails", type=int, default=10_000)
    parser.add_argument("--no-save", action="store_true")
    options = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="amends-bench-mail-"))
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/root"),
        "AMENDS_DATABASE_URL": f"sqlite:///{work / 'bench.sqlite3'}",
        "AMENDS_SECRET_KEY": secrets.token_urlsafe(50),
    }
    load = os.getloadavg()[0]
    try:
        with DovecotServer(users={"north": "bench-secret"}) as imap:
            subprocess.run([AMENDS, "migrate", "-v", "0"], env=env, check=True)
            setup = f"""
from amends.accounts.models import Account, Contact
from amends.mail.models import Mailbox, Security
from amends.mail.vault import secret_seal
from amends.people.services import team_create
team = team_create(name="North", slug="north")
accounts = Account.objects.bulk_create(
    Account(team=team, name=f"Client {{n}}", external_id=f"c{{n}}") for n in range({ACCOUNTS})
)
Contact.objects.bulk_create(
    Contact(account=a, name=f"Customer {{n}}", email=f"customer{{n}}@client{{n}}.example")
    for n, a in enumerate(accounts)
)
Mailbox.objects.create(
    team=team, address="support@north.example", imap_host="{imap.host}", imap_port={imap.port},
    imap_security=Security.NONE, imap_user="north", imap_password=secret_seal("bench-secret"),
)
"""
            subprocess.run([AMENDS, "shell", "-c", setup], env=env, check=True)
            rng = random.Random(SEED)
            started = time.perf_counter()
            client = imap.connect("north")
            for number in range(options.mails):
                client.append("INBOX", None, None, _mail(number, rng))
            client.logout()
            append_seconds = time.perf_counter() - started
            print(f"{options.mails:,} mails appended to Dovecot in {append_seconds:.1f} s")

            seconds, cpu, said = _run([AMENDS, "mail", "poll", "--team", "north"], env)
            quiet, _cpu, quiet_said = _run([AMENDS, "mail", "poll", "--team", "north"], env)
            start, _cpu, _ = _run([AMENDS, "check"], env)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    rate = options.mails / seconds
    verdict = "PASS" if rate >= GOAL else "FAIL"
    rows = [
        ["step", "seconds", "CPU s", "mails/s", "says"],
        [
            "`amends mail poll` (fetch, parse, thread, store, mark)",
            f"{seconds:.2f}",
            f"{cpu:.2f}",
            f"{rate:,.0f}",
            said,
        ],
        ["the same again (nothing new)", f"{quiet:.2f}", "", "", quiet_said],
        ["`amends check` (the start every command pays)", f"{start:.2f}", "", "", ""],
    ]
    today = datetime.now(UTC).date().isoformat()
    lines = [
        f"# Mail-in benchmark, {today}",
        "",
        f"{options.mails:,} mails (seed {SEED}) in a Dovecot INBOX on loopback, collected by "
        f"`amends mail poll` into SQLite; {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, commit `{git_commit()}`; 1-minute load {load:.2f} before.",
        "",
        *markdown_table(rows),
        "",
        f"Rate: **{rate:,.0f} mails a second**, {verdict} (goal: {GOAL:.0f} or more).",
    ]
    print("\n".join(lines))
    if not options.no_save:
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / f"mail-in-{today}.md").write_text("\n".join(lines) + "\n")
        figures = {"mails": options.mails, "seconds": seconds, "cpu": cpu, "rate": rate}
        (RESULTS / f"mail-in-{today}.json").write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
