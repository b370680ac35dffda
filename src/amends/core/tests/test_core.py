import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.test import override_settings
from django.urls import reverse

from amends.accounts.models import Account, Contact
from amends.insights.demo import FORMER
from amends.shell.demo import demo_account_rows, demo_load

ROOT = Path(__file__).resolve().parents[4]
AMENDS = str(Path(sys.executable).with_name("amends"))


@pytest.mark.django_db
def test_it_reports_health(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() | {"version": None} == {
        "status": "ok",
        "version": None,
        "database": "reachable",
        "migrations": "applied",
        "problems": [],
    }


@pytest.mark.django_db
def test_the_probe_looks_at_the_migrations_only_until_all_are_applied(client, monkeypatch):
    from django.test.utils import CaptureQueriesContext

    from amends.core import views

    monkeypatch.setattr(views, "_all_applied", False)
    with CaptureQueriesContext(connection) as first:
        assert client.get("/healthz").status_code == 200
    with CaptureQueriesContext(connection) as then:
        assert client.get("/healthz").json()["migrations"] == "applied"
    assert len(first) > 1  # SELECT 1, and the migration recorder's table
    assert [q["sql"] for q in then] == ["SELECT 1"]


@pytest.mark.django_db
def test_it_reports_unapplied_migrations_as_unavailable(client, monkeypatch):
    from amends.core import views

    monkeypatch.setattr(views, "_all_applied", False)  # as in a process just started
    # Forget that a migration ran, as a database restored from an old backup would.
    # (The app's newest migration: the plan looks forward from each app's newest.)
    from django.db.migrations.loader import MigrationLoader

    [(app, name)] = MigrationLoader(connection).graph.leaf_nodes("timeline")
    recorder = MigrationRecorder(connection)
    recorder.record_unapplied(app, name)
    try:
        response = client.get("/healthz")
        assert response.status_code == 503
        body = response.json()
        assert body["migrations"] == "pending"
        assert "run `amends migrate`" in body["problems"][0]
    finally:
        recorder.record_applied(app, name)


def run_cli(*args, env_extra=None, tmp_path=None):
    env = {**os.environ, "AMENDS_DEBUG": "1", **(env_extra or {})}
    if tmp_path is not None:
        env["AMENDS_DATABASE_URL"] = f"sqlite:///{tmp_path}/cli.sqlite3"
    return subprocess.run(
        [AMENDS, *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


def test_it_lists_its_commands():
    result = run_cli("--help")
    assert result.returncode == 0
    for command in ("serve", "demo", "import", "export", "token", "migrate", "createsuperuser"):
        assert f"  {command} " in result.stdout


def test_it_reports_user_errors_in_one_line_without_a_traceback(tmp_path):
    result = run_cli("import", "accounts", str(tmp_path / "missing.csv"), tmp_path=tmp_path)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().endswith("missing.csv: no such file")
    bad_setting = run_cli("check", env_extra={"AMENDS_DEBUG": "perhaps"})
    assert bad_setting.returncode == 2
    assert bad_setting.stderr.strip() == (
        "amends: configuration error: AMENDS_DEBUG must be one of 1/0, true/false, yes/no, "
        "on/off; got 'perhaps'"
    )
    no_key = run_cli("check", env_extra={"AMENDS_DEBUG": "0", "AMENDS_SECRET_KEY": ""})
    assert no_key.returncode != 0
    assert "amends.E001" in no_key.stderr and "Traceback" not in no_key.stderr


def test_it_reaches_django_commands_and_loads_demo_data(tmp_path):
    assert run_cli("migrate", "-v", "0", tmp_path=tmp_path).returncode == 0
    demo = run_cli("demo", "--accounts", "15", tmp_path=tmp_path)
    assert demo.returncode == 0, demo.stderr
    again = run_cli("demo", "--if-empty", tmp_path=tmp_path)
    assert "not loaded" in again.stdout
    export = run_cli("export", "accounts", tmp_path=tmp_path)
    # A header, the 15 asked for, and the insights demo's customers who left long ago.
    assert len(export.stdout.splitlines()) == 1 + 15 + len(FORMER)
    # The demo's summary counts what the lists will show (issue 15, item 8).
    assert f" {15 + len(FORMER)} accounts," in demo.stdout


def test_it_generates_the_same_demo_rows_for_the_same_seed():
    first = list(demo_account_rows(count=50, seed=7))
    assert first == list(demo_account_rows(count=50, seed=7))
    assert first != list(demo_account_rows(count=50, seed=8))
    # Row N is the same whether it was made alone or in a batch.
    assert list(demo_account_rows(count=1, seed=7, start=42)) == first[42:43]
    languages = {row["language"] for row in first}
    assert {"en", "pl", "el", "zh-hans"} <= languages


@pytest.mark.django_db
def test_it_loads_demo_data_once(people):
    made = demo_load(accounts=40, seed=3, batch=15)
    assert made.accounts == 40 and Account.objects.count() == 40
    assert Contact.objects.count() == made.contacts
    again = demo_load(accounts=40, seed=3)
    assert again.accounts == 0 and Account.objects.count() == 40


@pytest.mark.django_db
def test_it_answers_htmx_with_the_results_partial_only(client, people, account):
    client.force_login(people.agent)
    full = client.get(reverse("accounts:list"), {"q": "harbor"})
    partial = client.get(reverse("accounts:list"), {"q": "harbor"}, HTTP_HX_REQUEST="true")
    assert "<html" in full.text and "<html" not in partial.text
    assert partial.text.lstrip().startswith('<div id="results">')
    assert "Harbor Printing Ltd" in partial.text
    assert "HX-Request" in full["Vary"] and "HX-Request" in partial["Vary"]


@pytest.mark.django_db
def test_it_switches_the_language(client, people):
    client.force_login(people.agent)
    response = client.post(reverse("set_language"), {"language": "pl", "next": "/accounts/"})
    assert response.status_code == 302
    page = client.get(reverse("accounts:list"))
    assert '<html lang="pl">' in page.text
    assert "Konta" in page.text  # "Accounts" in Polish


@pytest.mark.django_db
def test_it_serves_its_own_assets(client):
    page = client.get(reverse("login")).text
    assert "cdn" not in page.lower() and "https://" not in page
    assert client.get("/static/amends/vendor/htmx-2.0.11.min.js").status_code == 200


def test_it_sends_mail_through_a_real_smtp_server(monkeypatch):
    from aiosmtpd.controller import Controller

    received = []
    arrived = threading.Event()

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            received.append(envelope)
            arrived.set()
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        monkeypatch.setenv("AMENDS_EMAIL_HOST", "127.0.0.1")
        monkeypatch.setenv("AMENDS_EMAIL_PORT", str(port))
        from amends.env import mailers_from_env

        with override_settings(MAILERS=mailers_from_env()):
            sent = mail.send_mail(
                subject="Sorry we let you down",
                message="I am sorry.",
                from_email="maria@amends.example",
                recipient_list=["joanna@harbor.example"],
            )
        assert sent == 1
        assert arrived.wait(5)
        assert received[0].rcpt_tos == ["joanna@harbor.example"]
        assert b"Sorry we let you down" in received[0].content
    finally:
        controller.stop()


def test_the_database_under_test_is_the_configured_one():
    expected = "postgresql" if "postgres" in os.environ.get("AMENDS_DATABASE_URL", "") else "sqlite"
    assert connection.vendor == expected


@pytest.mark.django_db
def test_it_serves_the_api_docs_without_a_cdn(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    assert "jsdelivr" not in page.text and "/static/ninja/swagger-ui-bundle.js" in page.text


@pytest.mark.django_db
def test_it_opens_django_admin_to_administrators_only(client, people, account):
    client.force_login(people.admin)
    assert client.get("/admin/accounts/account/").status_code == 200
    assert client.get(f"/admin/accounts/account/{account.pk}/change/").status_code == 200
    client.force_login(people.manager)
    assert client.get("/admin/accounts/account/").status_code == 302


# The worker closes stale connections between rounds, as a long-lived process must;
# that needs a test outside a wrapping transaction.
@pytest.mark.django_db(transaction=True)
def test_the_worker_does_one_round_and_stops(capsys):
    call_command("worker", "--once", "--interval", "0.1")
    out = capsys.readouterr().out
    assert "Amends worker started" in out and "Amends worker stopped." in out
