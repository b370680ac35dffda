"""The command line and the production settings, each in a fresh process with only
the environment a person would have: no secret key passed along, the folder
`make run` set up, the documented production variables."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

AMENDS = str(Path(sys.executable).with_name("amends"))


def fresh_env(**extra) -> dict:
    """A new shell's environment: none of the test run's AMENDS_* variables."""
    keep = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "TMPDIR"}}
    return {**keep, **extra}


def amends(*args, env, stdin=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [AMENDS, *args], env=env, input=stdin, capture_output=True, text=True, timeout=120
    )


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    """What `make run` leaves behind: var/secret-key (made as the Makefile makes it)
    and a migrated database with an administrator."""
    home = tmp_path_factory.mktemp("amends-home")
    (home / "var").mkdir()
    key = home / "var" / "secret-key"
    key.write_text(secrets.token_urlsafe(50) + "\n")
    key.chmod(0o600)
    env = fresh_env(AMENDS_HOME=str(home))
    assert amends("migrate", "--no-input", "-v", "0", env=env).returncode == 0
    made = amends(
        "createsuperuser",
        "--no-input",
        "--username",
        "admin",
        "--email",
        "admin@example.com",
        env={**env, "DJANGO_SUPERUSER_PASSWORD": "amends-demo-password"},
    )
    assert made.returncode == 0, made.stderr
    return home


def test_the_documented_commands_run_after_make_runs_set_up(home, tmp_path):
    env = fresh_env(AMENDS_HOME=str(home))
    token = amends("token", "create", "--user", "admin", env=env)
    assert token.returncode == 0, token.stderr
    assert token.stdout.strip().splitlines()[-1].startswith("amd_")

    team = amends(
        "shell",
        "-c",
        "from amends.people.services import team_create; team_create(name='North', slug='north')",
        env=env,
    )
    assert team.returncode == 0, team.stderr
    csv = tmp_path / "accounts.csv"
    csv.write_text("external_id,name,team\nA-1,Harbor Printing Ltd,north\n", encoding="utf-8")
    imported = amends("import", "accounts", str(csv), "--user", "admin", env=env)
    assert imported.returncode == 0, imported.stderr
    exported = amends("export", "accounts", env=env)
    assert exported.returncode == 0, exported.stderr
    assert "Harbor Printing Ltd" in exported.stdout


def test_without_any_key_it_still_refuses_to_start(tmp_path):
    (tmp_path / "var").mkdir()
    refused = amends("check", env=fresh_env(AMENDS_HOME=str(tmp_path)))
    assert refused.returncode != 0
    assert "amends.E001" in refused.stderr


PRODUCTION = {
    "AMENDS_HTTPS": "1",
    "AMENDS_BEHIND_PROXY": "1",
    "AMENDS_ALLOWED_HOSTS": "amends.example.com",
    "AMENDS_SITE_URL": "https://amends.example.com",
    "AMENDS_CSRF_TRUSTED_ORIGINS": "https://amends.example.com",
    "AMENDS_EMAIL_HOST": "smtp.example.com",
    "AMENDS_EMAIL_PORT": "587",
    "AMENDS_EMAIL_USE_TLS": "1",
}


def test_the_documented_production_settings_pass_the_deploy_check(tmp_path):
    docs = (Path(__file__).parents[4] / "docs" / "settings.md").read_text(encoding="utf-8")
    for name, value in PRODUCTION.items():
        assert f"{name}={value}" in docs  # the example in the docs is the one checked here
    env = fresh_env(
        AMENDS_HOME=str(tmp_path),
        AMENDS_SECRET_KEY_FILE=str(_key(tmp_path)),
        **PRODUCTION,
    )
    checked = amends("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "no issues" in checked.stdout

    plain_http = {k: v for k, v in env.items() if k != "AMENDS_HTTPS"}
    warned = amends("check", "--deploy", env=plain_http)
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in warned.stderr


def _key(folder: Path) -> Path:
    key = folder / "key"
    key.write_text(secrets.token_urlsafe(50))
    return key
