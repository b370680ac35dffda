import re
from pathlib import Path

import pytest
from django.core.checks import run_checks
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from amends.env import database_from_url, env_bool, env_int, mailers_from_env

ROOT = Path(__file__).resolve().parents[4]
SOURCES = [ROOT / "src/amends/settings.py", ROOT / "src/amends/env.py"]


def variables_read_by_code() -> set[str]:
    pattern = re.compile(r"""(?:env_\w+|environ\.get|read_secret_file)\(\s*["'](AMENDS_\w+)""")
    found = set()
    for path in [*SOURCES, *ROOT.glob("src/amends/**/management/commands/*.py")]:
        found |= set(pattern.findall(path.read_text(encoding="utf-8")))
    return found


def variables_documented() -> set[str]:
    text = (ROOT / "docs/settings.md").read_text(encoding="utf-8")
    return set(re.findall(r"^\| `(AMENDS_\w+)`", text, flags=re.MULTILINE))


def test_it_documents_every_setting_and_only_real_ones():
    code, docs = variables_read_by_code(), variables_documented()
    assert code, "the pattern found no settings at all"
    assert code - docs == set(), "read by the code but not in docs/settings.md"
    assert docs - code == set(), "in docs/settings.md but read by no code"


def test_it_rejects_nonsense_in_typed_settings(monkeypatch):
    monkeypatch.setenv("AMENDS_X", "maybe")
    with pytest.raises(ImproperlyConfigured, match="AMENDS_X must be one of"):
        env_bool("AMENDS_X")
    monkeypatch.setenv("AMENDS_X", "ten")
    with pytest.raises(ImproperlyConfigured, match="AMENDS_X must be a whole number"):
        env_int("AMENDS_X", 1)
    monkeypatch.setenv("AMENDS_X", "0")
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        env_int("AMENDS_X", 1, minimum=1)


def test_it_reads_database_urls():
    sqlite = database_from_url("sqlite:////srv/amends/db.sqlite3")
    assert sqlite["NAME"] == "/srv/amends/db.sqlite3"
    assert sqlite["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in sqlite["OPTIONS"]["init_command"]
    pg = database_from_url("postgres://amends:p%40ss@db.internal:5433/amends?sslmode=require")
    assert (pg["USER"], pg["PASSWORD"], pg["HOST"], pg["PORT"], pg["NAME"]) == (
        "amends",
        "p@ss",
        "db.internal",
        "5433",
        "amends",
    )
    assert pg["OPTIONS"] == {"sslmode": "require"}
    socket = database_from_url("postgres://amends@/amends?host=/tmp/pg")
    assert socket["HOST"] == "/tmp/pg"
    with pytest.raises(ImproperlyConfigured, match="must start with sqlite:// or postgres://"):
        database_from_url("mysql://x/y")
    with pytest.raises(ImproperlyConfigured, match="names no PostgreSQL database"):
        database_from_url("postgres://host/")


@pytest.mark.django_db
def test_it_runs_sqlite_in_wal_mode():
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] == 10000
    assert connection.transaction_mode == "IMMEDIATE"


def test_it_builds_an_smtp_mailer_from_the_environment(monkeypatch):
    assert "console" in mailers_from_env()["default"]["BACKEND"]
    monkeypatch.setenv("AMENDS_EMAIL_HOST", "smtp.example.com")
    monkeypatch.setenv("AMENDS_EMAIL_USE_SSL", "yes")
    options = mailers_from_env()["default"]["OPTIONS"]
    assert (options["host"], options["port"], options["use_ssl"]) == ("smtp.example.com", 465, True)
    monkeypatch.setenv("AMENDS_EMAIL_USE_TLS", "yes")
    with pytest.raises(ImproperlyConfigured, match="not both"):
        mailers_from_env()


def check_ids(**overrides) -> list[str]:
    with override_settings(**overrides):
        return [message.id for message in run_checks(include_deployment_checks=True)]


@pytest.mark.django_db
def test_it_refuses_to_start_without_a_secret_key():
    assert "amends.E001" in check_ids(DEBUG=False, SECRET_KEY="amends-secret-key-not-set")
    assert "amends.E002" in check_ids(DEBUG=False, SECRET_KEY="short")
    assert "amends.E002" in check_ids(DEBUG=False, SECRET_KEY="insecure-dev-key")
    good = check_ids(DEBUG=False, SECRET_KEY="x" * 50)
    assert "amends.E001" not in good and "amends.E002" not in good
    assert "amends.W001" in check_ids(DEBUG=True)
    assert "amends.W002" in check_ids(DEBUG=False, ALLOWED_HOSTS=["*"])
