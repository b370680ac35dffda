"""Kill the senders, for real: 3,000 notices through real processes against a SQLite
file and a real SMTP server, with ``kill -9`` at random moments and a restart each
time. In the end everyone has their notice, nobody has two different ones, and the
wire carried a message twice at most once per kill (and then with the same
Message-ID), never more often than the notice owns up to."""

import json
import os
import random
import re
import secrets
import signal
import sqlite3
import subprocess
import sys
import time
from collections import defaultdict
from email import message_from_bytes
from email import policy as email_policy
from pathlib import Path

import pytest

PEOPLE = 3000
AMENDS = str(Path(sys.executable).with_name("amends"))
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
mia = user_create(username="mia", password="correct horse battery")
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
        "subject": "Your corrected tax form {{ fields.form_no }}",
        "body": "Dear {{ name }},\n\nthe form we sent you showed the wrong year. "
        "Form {{ fields.form_no }} replaces it.\n",
    },
    "el": {
        "subject": "Το διορθωμένο έντυπό σας {{ fields.form_no }}",
        "body": "Αγαπητέ/ή {{ name }},\n\nτο έντυπο {{ fields.form_no }} το αντικαθιστά.\n",
    },
}


def notice_world(tmp_path, *, database_url: str, smtp_port: int, people: int, **env_extra):
    """A database of its own, migrated, with one incident and a notice to ``people``
    (a draft): returns (env, run id, a function that runs ``amends`` in that env)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AMENDS_")}
    env.update(
        AMENDS_DATABASE_URL=database_url,
        AMENDS_SECRET_KEY=secrets.token_urlsafe(50),
        AMENDS_EMAIL_HOST="127.0.0.1",
        AMENDS_EMAIL_PORT=str(smtp_port),
        AMENDS_EMAIL_FROM="Payroll <payroll@forms.example>",
        AMENDS_LOG_LEVEL="WARNING",
        **env_extra,
    )

    def amends(*args):
        done = subprocess.run(
            [AMENDS, *args], env=env, capture_output=True, text=True, timeout=180, check=False
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    amends("migrate", "--no-input", "-v", "0")
    incident_id = amends("shell", "-c", SETUP).strip().splitlines()[-1]
    (tmp_path / "texts.json").write_text(json.dumps(TEXTS), encoding="utf-8")
    with (tmp_path / "people.csv").open("w", encoding="utf-8") as listed:
        listed.write("email,name,language,form_no\n")
        for n in range(people):
            listed.write(f"p{n}@forms.example,Person {n},{'el' if n % 4 == 0 else 'en'},F-{n}\n")
    created = amends(
        "notices", "create", incident_id, "--name", "Corrected tax forms",
        "--texts", str(tmp_path / "texts.json"),
        "--recipients", str(tmp_path / "people.csv"),
        "--rate", "100000",
    )  # fmt: skip
    return env, re.search(r"Notice (\d+)", created).group(1), amends


@pytest.fixture
def world(tmp_path, smtp_server):
    """A SQLite file of its own, migrated, with one incident and a notice to 3,000."""
    database = tmp_path / "kill.sqlite3"
    env, run_id, amends = notice_world(
        tmp_path, database_url=f"sqlite:///{database}", smtp_port=smtp_server.port, people=PEOPLE
    )
    return env, run_id, database, amends


def start(env, *args):
    return subprocess.Popen(
        [AMENDS, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def kill_when(process, box, count, rng):
    assert box.wait_for(count, timeout=40), f"only {len(box.envelopes)} arrived"
    time.sleep(rng.uniform(0, 0.05))  # a random moment in whatever it is doing
    process.send_signal(signal.SIGKILL)
    process.wait(10)  # reaped: its pid is gone, which the next sender notices at once
    assert process.returncode == -signal.SIGKILL


def test_killing_senders_at_random_moments_loses_nobody_and_doubles_nobody(world, smtp_server):
    env, run_id, database, amends = world
    seed = int(os.environ.get("NOTICE_KILL_SEED", time.time_ns() % 1_000_000))
    rng = random.Random(seed)
    kills = 0

    # 1-2: `amends notices send`, killed twice.
    for around in (300, 1200):
        sender = start(env, "notices", "send", run_id)
        kill_when(sender, smtp_server, around + rng.randrange(100), rng)
        kills += 1

    # 3: the worker, then a second sender beside it; the worker is killed.
    worker = start(env, "worker", "--interval", "0.2")
    assert smtp_server.wait_for(len(smtp_server.envelopes) + 100, timeout=40)
    helper = start(env, "notices", "send", run_id)
    kill_when(worker, smtp_server, 2100 + rng.randrange(100), rng)
    kills += 1

    # 4: the second sender finishes the job, then reports and exits.
    out, err = helper.communicate(timeout=60)
    assert helper.returncode == 0, err
    assert "done" in out

    assert smtp_server.wait_for(PEOPLE, timeout=5)
    time.sleep(0.3)  # nothing else is on its way
    by_recipient = defaultdict(set)
    message_ids = defaultdict(int)
    for envelope in list(smtp_server.envelopes):
        parsed = message_from_bytes(envelope.content, policy=email_policy.default)
        (to,) = envelope.rcpt_tos
        by_recipient[to].add((parsed["Message-ID"], parsed["Subject"], parsed.get_content()))
        message_ids[parsed["Message-ID"]] += 1
    wire_duplicates = sum(n - 1 for n in message_ids.values())
    print(f"seed {seed}: {len(smtp_server.envelopes)} on the wire, {wire_duplicates} twice")

    assert set(by_recipient) == {f"p{n}@forms.example" for n in range(PEOPLE)}
    assert all(len(got) == 1 for got in by_recipient.values()), "someone got two messages"
    assert len(message_ids) == PEOPLE
    assert wire_duplicates <= kills, f"seed {seed}"
    greek = next(iter(by_recipient["p4@forms.example"]))
    assert greek[1] == "Το διορθωμένο έντυπό σας F-4" and "F-4" in greek[2]

    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
        states = dict(
            db.execute(
                "SELECT state, count(*) FROM comms_noticerecipient GROUP BY state"
            ).fetchall()
        )
        (run_state,) = db.execute("SELECT state FROM comms_noticerun").fetchone()
        senders = dict(
            db.execute(
                "SELECT claimed_by, count(*) FROM comms_noticerecipient GROUP BY claimed_by"
            ).fetchall()
        )
        (in_doubt,) = db.execute("SELECT sum(in_doubt) FROM comms_noticerecipient").fetchone()
    assert any(f":{worker.pid}:" in sender for sender in senders)  # the worker sent some
    assert any(f":{helper.pid}:" in sender for sender in senders)
    assert states == {"sent": PEOPLE} and run_state == "done"
    assert "3000 sent" in amends("notices", "show", run_id)
    # Every copy the wire carried twice was counted; each kill counts one at most.
    print(f"seed {seed}: {in_doubt} counted in doubt")
    assert wire_duplicates <= in_doubt <= kills, f"seed {seed}"
    status = amends("notices", "status", run_id)
    assert f"In doubt: {in_doubt} may have been delivered twice, with the same Message-ID" in status
