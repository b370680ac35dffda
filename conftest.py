"""Fixtures shared by every app's tests: named personas and a real browser.

The personas tell the access story: ``manager``, ``agent`` and ``viewer`` work in
team North; ``outsider`` is an agent of team South and must see nothing of North.
"""

import contextlib
import os
import shutil

import pytest

os.environ.setdefault("AMENDS_SECRET_KEY", "test-secret-key-that-is-long-enough-for-checks")


@pytest.fixture(autouse=True)
def _commit_hooks_as_in_autocommit(monkeypatch):
    """pytest-django runs a test inside a transaction of its own that is rolled back,
    so ``transaction.on_commit`` hooks would never run. Outside our own atomic
    blocks the app is in autocommit, where Django runs a hook at once: do the same
    when the only open blocks are the test's. Hooks registered inside the app's own
    atomic blocks still wait (and, in tests, never run: a transactional test shows
    what happens at a real commit)."""
    from django.db.backends.base.base import BaseDatabaseWrapper

    original = BaseDatabaseWrapper.on_commit

    def on_commit(self, func, robust=False):
        if self.atomic_blocks and all(block._from_testcase for block in self.atomic_blocks):
            try:
                func()
            except Exception:
                if not robust:
                    raise
            return
        original(self, func, robust)

    monkeypatch.setattr(BaseDatabaseWrapper, "on_commit", on_commit)


@pytest.fixture
def run_tasks():
    """Run every task that is ready, as ``amends worker`` would, inside the test's
    transaction (the worker's own loop closes connections, which a test's
    transaction cannot survive). Returns the task names in the order they ran."""
    from django_tasks_db.models import DBTaskResult

    from amends.shell.management.commands.worker import Tasks

    def run(limit: int = 1000) -> list[str]:
        worker = Tasks.for_all_queues("test-worker")
        worker.say = lambda text: None
        ran = []
        while len(ran) < limit and (ready := DBTaskResult.objects.ready().first()) is not None:
            ready.claim(worker.worker_id)
            worker.run_task(ready)
            ready.refresh_from_db()
            assert ready.status == "SUCCESSFUL", ready.traceback
            ran.append(ready.task_name)
        return ran

    return run


def pytest_configure(config):
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}


PASSWORD = "correct horse battery"


class People:
    def __init__(self):
        from amends.people.models import Role
        from amends.people.services import membership_set, team_create, user_create

        self.north = team_create(name="North", slug="north")
        self.south = team_create(name="South", slug="south")

        def person(username, team=None, role=None, **extra):
            user = user_create(username=username, password=PASSWORD, **extra)
            if team is not None:
                membership_set(user=user, team=team, role=role)
            return user

        self.admin = person("ada", is_superuser=True)
        self.manager = person("mia", self.north, Role.MANAGER)
        self.agent = person("alex", self.north, Role.AGENT)
        self.viewer = person("vic", self.north, Role.VIEWER)
        self.outsider = person("otto", self.south, Role.AGENT)


@pytest.fixture
def people(db) -> People:
    return People()


@pytest.fixture
def account(people):
    from amends.accounts.services import account_create, contact_create
    from amends.timeline.services import Actor

    made = account_create(
        actor=Actor(user=people.agent, via="web"),
        team=people.north,
        name="Harbor Printing Ltd",
        annual_value="120000",
        currency="EUR",
        owner=people.agent,
    )
    contact_create(
        actor=Actor(user=people.agent, via="web"),
        account=made,
        name="Joanna Nowak",
        role="Head of Operations",
        email="joanna@harbor.example",
        is_decision_maker=True,
    )
    return made


@pytest.fixture
def south_account(people):
    from amends.accounts.services import account_create
    from amends.timeline.services import Actor

    return account_create(
        actor=Actor(user=people.outsider, via="web"), team=people.south, name="Southern Foods"
    )


@pytest.fixture
def declare(people):
    """Declare an incident for team North with the given accounts affected."""
    from datetime import timedelta

    from django.utils import timezone

    from amends.incidents.models import CauseCategory, Severity
    from amends.incidents.services import Impact, incident_declare
    from amends.timeline.services import Actor

    def declare(accounts, *, severity=Severity.CRITICAL, actor=None, **extra):
        now = timezone.now()
        return incident_declare(
            actor=actor or Actor(user=people.agent, via="web"),
            team=people.north,
            title=extra.pop("title", "65,000 tax forms printed with the wrong year"),
            occurred_at=extra.pop("occurred_at", now - timedelta(hours=3)),
            discovered_at=extra.pop("discovered_at", now - timedelta(hours=1)),
            severity=severity,
            cause=CauseCategory.objects.get(slug=extra.pop("cause", "supplier")),
            tags=extra.pop("tags", ["printing", "forms"]),
            affected=[Impact(account_id=a.pk, units=65000) for a in accounts],
            **extra,
        )

    return declare


def login(client, user):
    client.force_login(user)
    return client


# -- the browser ---------------------------------------------------------------

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser():
    executable = shutil.which("chromium")
    if executable is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but Debian's chromium is not installed")
        pytest.skip("browser tests need Debian's chromium: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    # Playwright runs an event loop in the test thread; Django's ORM would refuse to
    # work there without this, though no query ever runs inside that loop.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_FLAGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    """A tab on the live server. Every browser test is also a test of the
    Content-Security-Policy: anything the policy blocked fails the test."""
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    context.set_default_timeout(10_000)
    tab = context.new_page()
    blocked = []
    tab.on(
        "console",
        lambda message: "Content Security Policy" in message.text and blocked.append(message.text),
    )
    yield tab
    context.close()
    assert not blocked, "the Content-Security-Policy blocked: " + "; ".join(blocked)


def browser_login(page, username, password=PASSWORD, *, then=None):
    """Log in through the form; a person lands on My work. ``then``: a page to go to next."""
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/cases/")
    if then:
        page.goto(then)


def axe_check(page, *, impacts=("serious", "critical")):
    """axe-core (bundled by axe-playwright-python) over the page as it is now: no
    violation of the given impacts. Each one is named with the elements it found."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    found = [v for v in results.response["violations"] if v.get("impact") in impacts]
    lines = [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(str(node["target"]) for node in v["nodes"][:5])
        for v in found
    ]
    assert not found, f"axe-core on {page.url}:\n" + "\n".join(lines)


# -- a real SMTP server on loopback ------------------------------------------------


class Mailbox:
    """What a real SMTP server (aiosmtpd) on loopback received."""

    def __init__(self):
        import threading

        self.envelopes = []
        self.lock = threading.Lock()

    def messages(self):
        from email import message_from_bytes, policy

        with self.lock:
            return [message_from_bytes(e.content, policy=policy.default) for e in self.envelopes]

    def to(self, address: str):
        return [m for m in self.messages() if address in m["To"]]

    def wait_for(self, count: int, timeout: float = 10.0) -> bool:
        return wait_until(lambda: len(self.envelopes) >= count, timeout, every=0.02)


def wait_until(condition, timeout: float, *, every: float = 0.1) -> bool:
    """Whether ``condition()`` came true within ``timeout`` seconds: a test asserts
    on the condition, never on the time it took."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return bool(condition())


@contextlib.contextmanager
def smtp_on_loopback(settings, handler):
    """Run aiosmtpd with ``handler`` on a free loopback port, Amends' mail pointed at
    it; yields the port."""
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }
    try:
        yield port
    finally:
        controller.stop()


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on loopback that keeps what it receives."""
    box = Mailbox()

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            with box.lock:
                box.envelopes.append(envelope)
            return "250 OK"

    with smtp_on_loopback(settings, Handler()) as port:
        box.port = port
        yield box


# -- a real IMAP server on loopback ----------------------------------------------

IMAP_USERS = {"north": "north-imap-secret", "south": "south-imap-secret"}


@pytest.fixture(scope="session")
def dovecot():
    """A private dovecot (scripts/dovecot_server.py) on loopback for the session,
    one per pytest-xdist worker, with the IMAP users north and south."""
    import sys
    from pathlib import Path

    scripts = Path(__file__).resolve().parent / "scripts"
    if str(scripts) not in sys.path:
        sys.path.insert(0, str(scripts))
    from dovecot_server import DovecotServer, dovecot_binary

    if dovecot_binary() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but Debian's dovecot-imapd is not installed")
        pytest.skip("IMAP tests need Debian's dovecot-imapd: scripts/ensure-dovecot")
    with DovecotServer(users=IMAP_USERS) as server:
        yield server


@pytest.fixture
def imap_mailbox(dovecot):
    """The session's dovecot with every user's mail gone: an empty INBOX, no
    other folder."""
    for user in dovecot.users:
        dovecot.clear(user)
    return dovecot


@pytest.fixture
def shipped_defaults(transactional_db):
    """What data migrations ship (causes, playbooks, health factors, message
    templates). A browser test's flush empties those tables for the tests after
    it, so browser tests load them again; each loader is idempotent."""
    from importlib import import_module

    from django.apps import apps

    for module, load in [
        ("amends.incidents.migrations.0002_default_causes", "add_causes"),
        ("amends.recovery.migrations.0002_default_playbooks", "add_playbooks"),
        ("amends.recovery.migrations.0008_step_follow_up_cadence", "weekly_follow_ups"),
        ("amends.health.migrations.0003_default_factors_and_rules", "add_defaults"),
        ("amends.comms.migrations.0002_default_templates", "add_templates"),
    ]:
        getattr(import_module(module), load)(apps, None)


@pytest.fixture
def call(client, people):
    """Call the API as a persona (the agent unless ``user=``), with a personal token."""
    from amends.people.services import token_create

    tokens = {}

    def call(method, url, body=None, *, user=None):
        user = user or people.agent
        if user.pk not in tokens:
            tokens[user.pk] = token_create(user=user, name="t").secret
        return getattr(client, method)(
            url,
            body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {tokens[user.pk]}",
        )

    return call
