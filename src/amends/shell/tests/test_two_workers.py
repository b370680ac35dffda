"""Scale-out, for real: two ``amends worker`` processes against one PostgreSQL
database share a notice to 5,000 people and the periodic jobs. Every periodic job
runs once per slot, every person gets one message, and both workers sent some."""

import os
import secrets
import signal
import subprocess
import time
from collections import Counter
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from amends.notices.tests.test_notice_kill import AMENDS, notice_world
from conftest import wait_until

PEOPLE = 5000
URL = os.environ.get("AMENDS_DATABASE_URL", "")
pytestmark = pytest.mark.skipif(
    not URL.startswith(("postgres://", "postgresql://")),
    reason="the scale-out path is PostgreSQL's: this runs in the PostgreSQL half of make test",
)


@pytest.fixture
def database():
    """A PostgreSQL database of this test's own, on the suite's server."""
    name = f"amends_workers_{secrets.token_hex(4)}"
    parts = urlsplit(URL)
    with psycopg.connect(
        **_conninfo(URL), dbname=parts.path.lstrip("/") or "postgres", autocommit=True
    ) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(
            **_conninfo(URL), dbname=parts.path.lstrip("/"), autocommit=True
        ) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _conninfo(url: str) -> dict:
    parts = urlsplit(url)
    query = dict(pair.split("=", 1) for pair in parts.query.split("&") if "=" in pair)
    info = {"user": parts.username or "", "host": query.get("host") or parts.hostname or ""}
    if parts.port:
        info["port"] = parts.port
    if parts.password:
        info["password"] = parts.password
    return info


@pytest.fixture
def world(tmp_path, smtp_server, database):
    return notice_world(
        tmp_path,
        database_url=database,
        smtp_port=smtp_server.port,
        people=PEOPLE,
        AMENDS_NOTICE_SENDERS="2",
    )


def _rows(database: str, sql: str) -> list[tuple]:
    parts = urlsplit(database)
    with psycopg.connect(**_conninfo(database), dbname=parts.path.lstrip("/")) as db:
        return db.execute(sql).fetchall()


def test_two_workers_share_a_notice_and_run_each_periodic_job_once(
    world, smtp_server, database, tmp_path
):
    env, run_id, amends = world
    logs = [tmp_path / "worker-1.log", tmp_path / "worker-2.log"]
    workers = [
        subprocess.Popen(
            [AMENDS, "worker", "--interval", "0.2", "--check-every", "0.5"],
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )
        for log in logs
    ]
    try:
        # Both start at once and race for the same periodic slots.
        started = wait_until(lambda: all("started" in log.read_text() for log in logs), 60)
        assert started, [log.read_text() for log in logs]
        assert "started" in amends("notices", "start", run_id)
        assert smtp_server.wait_for(PEOPLE, timeout=240), len(smtp_server.envelopes)
        done = [("done",)]
        assert wait_until(lambda: _rows(database, "SELECT state FROM comms_noticerun") == done, 30)
        time.sleep(1)  # let anything else on its way arrive
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            worker.wait(60)
    outputs = [log.read_text() for log in logs]
    assert [w.returncode for w in workers] == [0, 0], outputs
    assert all("Amends worker stopped." in out for out in outputs), outputs

    # One message each, none twice.
    ids = Counter(
        e.content.split(b"Message-ID:")[1].split(b"\r\n")[0] for e in smtp_server.envelopes
    )
    recipients = Counter(rcpt for e in smtp_server.envelopes for rcpt in e.rcpt_tos)
    assert len(smtp_server.envelopes) == PEOPLE
    assert set(recipients.values()) == {1} and len(recipients) == PEOPLE
    assert set(ids.values()) == {1}

    # The send was shared: each worker process claimed and sent part of it.
    senders = dict(
        _rows(
            database,
            "SELECT split_part(claimed_by, ':', 2), count(*) FROM comms_noticerecipient "
            "WHERE state = 'sent' GROUP BY 1",
        )
    )
    assert set(senders) == {str(w.pid) for w in workers}, senders
    assert sum(senders.values()) == PEOPLE

    # Every periodic job was claimed for the slot it was due in, enqueued once and run
    # once, by one worker or the other; none failed.
    slots = _rows(database, "SELECT name, starts_at, claimed_by FROM core_periodicslot")
    names = {name for name, _, _ in slots}
    assert {
        "amends.reminders.tasks.escalations_raise_and_mail",
        "amends.comms.tasks.messages_unsent",
        "amends.notices.tasks.notices_sweep",
        "amends.health.tasks.health_rescore",
    } <= names
    results = _rows(
        database,
        "SELECT task_path, args_kwargs -> 'kwargs' ->> 'slot', status, worker_ids "
        "FROM django_tasks_database_dbtaskresult",
    )
    periodic = Counter((path, slot) for path, slot, _, _ in results if slot is not None)
    assert set(periodic.values()) == {1}, periodic
    assert len(periodic) == len(slots)
    assert {status for _, _, status, _ in results} == {"SUCCESSFUL"}, results
    assert all(len(ran_by) == 1 for _, _, _, ran_by in results)
    # The notice's own tasks ran in both workers.
    notice_workers = {ran_by[0] for path, _, _, ran_by in results if path.endswith("notice_send")}
    assert len(notice_workers) == 2, results
