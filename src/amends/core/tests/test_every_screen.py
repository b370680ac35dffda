"""Every screen, found from the URL patterns, with data on it, in the pseudo-locale:
no word on it that did not go through gettext (or is the data's own).

The screens are every named URL outside the API and the admin that answers a GET
with HTML, for a person allowed to see it, with the ids of a world that has one of
everything. A new screen is in the test as soon as its URL is: if its URL takes an
argument the world has no value for, the test fails and says which.
"""

import io
import re
from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib.auth.tokens import default_token_generator
from django.db import models
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from amends.core.tests.pseudo import pseudo_locale, untranslated, visible_texts
from conftest import axe_check, browser_login, login

pytestmark = pytest.mark.django_db

# Screens a person never sees in a language of their own, with why.
NOT_SCREENS = {
    "javascript-catalog": "JavaScript, not a page",
    "healthz": "for the load balancer",
}


def _patterns(patterns, prefix: str = "") -> list[tuple[str, URLPattern]]:
    found = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace in ("admin", "api") or str(pattern.pattern).startswith("api/"):
                continue
            namespace = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            found += _patterns(pattern.url_patterns, namespace)
        elif pattern.name and f"{prefix}{pattern.name}" not in NOT_SCREENS:
            found.append((f"{prefix}{pattern.name}", pattern))
    return found


def url_names() -> list[tuple[str, list[str]]]:
    """Every named URL a person may open, with the names of its arguments."""
    found = _patterns(get_resolver().url_patterns)
    return [(name, list(pattern.pattern.converters)) for name, pattern in found]


def _text_fields(model) -> list[str]:
    product = PRODUCT.get(model._meta.label_lower, set())
    return [
        f.attname
        for f in model._meta.concrete_fields
        if isinstance(f, (models.CharField, models.TextField, models.JSONField))
        and f.attname not in product
    ]


def _strings(value) -> list[str]:
    """The strings in a text or JSON value."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.items() for v in item for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


# Shipped rows that are the customer's words in each language, not the interface's:
# data on the screens that list them, and only there (their common words would hide
# the interface's anywhere else).
CONTENT = {"comms.MessageTemplate"}
CONTENT_SCREENS = {"comms:templates", "comms:template"}
# The product's words kept on a row, which the screens must show in the reader's
# language: an event's or a notification's summary (its values are data), the names
# of the values an event changed, a case's steps and what an escalation says.
PRODUCT = {
    "timeline.event": {"summary", "said", "before", "after"},
    "timeline.notification": {"summary", "said"},
    "recovery.casestep": {"title"},  # a shipped step's title, copied onto the case
    "recovery.escalation": {"reason"},
}


def _rows() -> set[tuple[str, object]]:
    return {
        (model._meta.label, pk)
        for model in apps.get_models()
        for pk in model._default_manager.values_list("pk", flat=True)
    }


@pytest.fixture
def shipped(db):
    """The rows the migrations ship (playbooks, causes, templates): their words are
    the product's, not data, and must be translated."""
    return _rows()


def _words(models_, keep) -> set[str]:
    """The words in the text of the rows of ``models_`` for which ``keep`` holds."""
    words = set()
    for model in models_:
        fields = _text_fields(model)
        if not fields:
            continue
        for row in model._default_manager.values_list("pk", *fields):
            if keep(model._meta.label, row[0]):
                for text in _strings(list(row[1:])):
                    words.update(word.lower() for word in re.findall(r"[A-Za-z]{2,}", text))
    return words


def data_words(shipped: set) -> set[str]:
    """Every word in the text of the rows the test made: the data's own words."""
    return _words(apps.get_models(), lambda label, pk: (label, pk) not in shipped)


def content_words() -> set[str]:
    """The words of the shipped CONTENT (data on CONTENT_SCREENS)."""
    return _words([apps.get_model(label) for label in CONTENT], lambda label, pk: True)


@pytest.fixture
def world(shipped, people, account, declare):
    """One of everything a screen shows, for team North."""
    from amends.accounts.models import Account
    from amends.accounts.services import account_create
    from amends.comms.models import MessageTemplate
    from amends.complaints.feedback_page import feedback_page_enable
    from amends.complaints.intake import complaint_receive
    from amends.complaints.models import Channel
    from amends.customerpage.services import case_share_create
    from amends.mail.models import Mailbox
    from amends.notices.services import notice_recipients_import, notice_run_create
    from amends.people.services import token_create
    from amends.recovery.models import (
        LATE_STEP,
        Escalation,
        EscalationLevel,
        Playbook,
        PlaybookKind,
    )
    from amends.recovery.opening import case_open
    from amends.recovery.services import commitment_add
    from amends.referrals.services import referral_record
    from amends.timeline.models import NotificationKind
    from amends.timeline.services import Actor, notification_send, said

    agent = Actor(user=people.agent, via="web")
    incident = declare([account])
    case = incident.cases.get()
    promise = commitment_add(
        actor=agent,
        case=case,
        what="Reprint every form",
        measure="Counted",
        owner=people.agent,
        due_at=timezone.now() + timedelta(days=2),
    )
    share, _ = case_share_create(actor=agent, case=case)
    other = account_create(actor=agent, team=people.north, name="Delta Paper", owner=people.agent)
    # The customer's pages and the composer speak the customer's language.
    Account.objects.filter(pk__in=[account.pk, other.pk]).update(language="pl")
    parting = case_open(
        actor=agent,
        account=other,
        playbook=Playbook.objects.get(kind=PlaybookKind.PARTING),
        severity=3,
        reason="They need a warehouse system",
    )
    complaint = complaint_receive(
        text="The forms came with the wrong year.",
        team=people.north,
        channel=Channel.FEEDBACK_PAGE,
        customer_name="Joanna",
        customer_email="joanna@harbor.example",
    )
    feedback = feedback_page_enable(actor=Actor(user=people.manager, via="web"), team=people.north)
    run = notice_run_create(
        actor=agent,
        incident=incident,
        name="Corrected forms",
        texts={"en": {"subject": "Your forms", "body": "We are reprinting them."}},
    )
    notice_recipients_import(
        actor=agent, run=run, stream=io.BytesIO(b"email,name\njan@kowalski.example,Jan\n")
    )
    notification = notification_send(
        actor=agent,
        recipient=people.manager,
        kind=NotificationKind.ASSIGNED,
        summary=said("%(who)s gave you the conversation “%(what)s”", who="alex", what="Wrong year"),
        path="/inbox/",
    )
    referral = referral_record(actor=agent, referrer=account, referred_name="Gamma Labels")
    Mailbox.objects.create(team=people.north, address="support@north.example")
    step = case.steps.order_by("order").first()
    Escalation.objects.create(
        case=case,
        step=step,
        level=EscalationLevel.MANAGER,
        recipient=people.manager,
        reason=LATE_STEP % {"title": step.title},
        raised_at=timezone.now(),
    )
    postmortem = incident.postmortem
    postmortem.what_happened = "The printer used last year's template."
    postmortem.published_at = timezone.now()
    postmortem.save()
    return {
        "account_id": account.pk,
        "contact_id": account.contacts.get().pk,
        "notification_id": notification.pk,
        "token_id": token_create(user=people.agent, name="laptop").token.pk,
        "incident_id": incident.pk,
        "case_id": case.pk,
        "step_id": case.steps.order_by("order").first().pk,
        "kind": "apology",
        "commitment_id": promise.pk,
        "complaint_id": complaint.pk,
        "team_id": people.north.pk,
        "public_key": feedback.public_key,
        "template_id": MessageTemplate.objects.order_by("pk").first().pk,
        "run_id": run.pk,
        "language": "en",
        "referral_id": referral.pk,
        "figure": "revenue-at-risk",
        "postmortem-key": postmortem.public_key,
        "share-key": share.key,
        "parting-case": parting.pk,
        "uidb64": urlsafe_base64_encode(force_bytes(people.manager.pk)),
        "token": default_token_generator.make_token(people.manager),
        # Arguments of URLs that only take a POST or send a file: any number will do.
        "item_id": 1,
        "message_id": 1,
        "attachment_id": 1,
        "slug": "crm",
    }


PARTING = re.compile(r"^parting:")


def arguments(name: str, needs: list[str], world: dict) -> dict:
    """The URL's arguments from the world; a screen of a parting case is given the
    parting case, and a key is the one its URL takes."""
    given = {}
    for need in needs:
        if need == "case_id" and PARTING.match(name):
            given[need] = world["parting-case"]
        elif need == "key":
            given[need] = world["postmortem-key" if name.startswith("incidents:") else "share-key"]
        elif need in world:
            given[need] = world[need]
        else:
            raise AssertionError(f"{name} takes {need}: give the world one")
    return given


def screens_in_pseudo_locale(client, world) -> tuple[list[str], dict[tuple, list[str]]]:
    """Open every URL in the pseudo-locale: the screens (a 200 with HTML) and, for
    each, the texts on it with a word that did not go through gettext."""
    client.cookies["django_language"] = "pl"
    seen, problems = [], {}
    with pseudo_locale("pl"):
        for name, needs in url_names():
            url = reverse(name, kwargs=arguments(name, needs, world))
            response = client.get(url)
            if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
                continue
            seen.append(name)
            found = visible_texts(response.content.decode())
            if found:
                problems[(name, url)] = found
    return seen, problems


def test_every_screen_says_each_word_in_the_person_s_language(world, shipped, client, people):
    own = {"amends", "english", "polski"}  # the product's name, languages' own names
    words = data_words(shipped) | own
    with_content = words | content_words()
    every, problems = [], {}
    for person in (people.manager, people.admin, None):
        client.logout()
        if person is not None:
            login(client, person)
        seen, found = screens_in_pseudo_locale(client, world)
        every += seen
        for (name, url), texts in found.items():
            bad = untranslated(texts, with_content if name in CONTENT_SCREENS else words)
            if bad:
                problems.setdefault(url, set()).update(bad)
    report = "\n".join(
        f"{url}:\n  " + "\n  ".join(sorted(texts)) for url, texts in problems.items()
    )
    # Every kind of screen was reached: a world that lost an object would skip screens.
    assert len(set(every)) >= 47, sorted(set(every))
    assert not problems, f"Words that did not go through gettext:\n{report}"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("shipped_defaults")
def test_every_screen_passes_axe_core(page, live_server, world, people):
    """axe-core on every screen found above, as the manager, the admin and a visitor:
    no serious or critical violation."""
    from django.test import Client

    client = Client()
    visited = set()
    for person in (people.manager, people.admin, None):
        client.logout()
        page.context.clear_cookies()
        if person is not None:
            login(client, person)
            browser_login(page, person.get_username())
        for name, needs in url_names():
            url = reverse(name, kwargs=arguments(name, needs, world))
            response = client.get(url)
            if (
                response.status_code != 200
                or response.streaming
                or b"<html" not in response.content
            ):
                continue  # not a page: a file, a refusal, or a part of a page (htmx)
            if (name, person is None) in visited:
                continue
            visited.add((name, person is None))
            page.goto(url)
            axe_check(page)
    assert len({name for name, _ in visited}) >= 40
