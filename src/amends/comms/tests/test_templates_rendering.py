"""The shipped templates filled from a real case in each language, and the sandbox
they render in."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from amends.accounts.models import Account
from amends.comms.coach import coach_check
from amends.comms.models import MessageTemplate
from amends.comms.rendering import (
    TEMPLATE_KINDS,
    RenderError,
    case_context,
    case_draft,
    message_render,
    render_text,
    sample_context,
    template_check,
)
from amends.recovery.models import RecordKind
from amends.recovery.services import commitment_add, record_add
from amends.timeline.services import Actor

pytestmark = pytest.mark.django_db

LANGUAGES = ["en", "zh-hans", "el", "pl"]
# 27 November 2026, a Friday, at noon where the server is.
DUE = datetime(2026, 11, 27, 12, 0)
DUE_TEXT = {
    "en": "Friday 27 November 2026",
    "zh-hans": "2026年11月27日",
    "el": "27 Νοεμβρίου 2026",
    "pl": "27 listopada 2026",
}


@pytest.fixture
def case(declare, account, people):
    case = declare([account], description="1,200 tax forms went out with last year's date.")
    case = case.cases.get()
    actor = Actor(user=people.agent, via="web")
    commitment_add(
        actor=actor,
        case=case,
        what="Reprint every form",
        measure="1,200 forms delivered",
        owner=people.agent,
        due_at=timezone.make_aware(DUE),
        now=timezone.make_aware(DUE) - timedelta(days=7),  # promised a week before
    )
    record_add(
        actor=actor,
        case=case,
        kind=RecordKind.EXPLANATION,
        data={"text": "The job used a template nobody had checked since January."},
    )
    return case


def _contact(account, language):
    contact = account.contacts.get()
    contact.language = language
    contact.save()
    return contact


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", ["first_contact", "apology", "explanation", "update"])
def test_it_fills_the_shipped_templates_from_a_case_in_each_language(
    case, account, people, language, kind
):
    contact = _contact(account, language)
    draft = case_draft(case=case, kind=kind, sender=people.agent, contact=contact)

    assert draft.template == MessageTemplate.objects.get(kind=kind, language=language)
    assert draft.language == language and not draft.error
    assert "65,000 tax forms printed with the wrong year" in draft.subject
    assert "Reprint every form" in draft.body
    assert DUE_TEXT[language] in draft.body
    assert "alex" in draft.body  # signed by the sender
    assert "{{" not in draft.body and "{%" not in draft.body
    if language != "pl":  # Polish opens with "Dzień dobry," alone
        assert "Joanna Nowak" in draft.body


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", ["apology", "explanation"])
def test_the_shipped_apology_and_explanation_pass_the_coach(case, account, people, language, kind):
    draft = case_draft(
        case=case, kind=kind, sender=people.agent, contact=_contact(account, language)
    )
    findings = coach_check(draft.body, kind=kind, language=language, author="alex")
    assert [(f.check, f.evidence) for f in findings if not f.ok] == []


def test_the_explanation_says_why_from_the_record(case, account, people):
    draft = case_draft(case=case, kind="explanation", sender=people.agent, contact=None)
    assert "The reason it happened: The job used a template nobody had checked" in draft.body


def test_it_falls_back_from_the_contact_to_the_account_to_english(case, account, people):
    assert case_draft(case=case, kind="apology", sender=None, contact=None).language == "en"
    Account.objects.filter(pk=account.pk).update(language="el")
    case.account.refresh_from_db()
    contact = _contact(account, "")
    assert case_draft(case=case, kind="apology", sender=None, contact=contact).language == "el"
    contact = _contact(account, "pl-pl")
    assert case_draft(case=case, kind="apology", sender=None, contact=contact).language == "pl"
    contact = _contact(account, "de")
    assert case_draft(case=case, kind="apology", sender=None, contact=contact).language == "el"
    chosen = case_draft(case=case, kind="apology", sender=None, contact=contact, language="zh-hans")
    assert chosen.language == "zh-hans" and "对不起" in chosen.body


def test_the_context_holds_only_plain_values(case, people):
    context = case_context(case=case, language="en", sender=people.agent)

    def walk(value):
        if isinstance(value, dict):
            assert all(isinstance(k, str) for k in value)
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        else:
            assert isinstance(value, str | int | bool | type(None)), value

    walk(context)
    assert context["commitments"][0]["due"] == DUE_TEXT["en"]


@pytest.mark.parametrize(
    "source",
    [
        "{% load i18n %}{% translate 'x' %}",
        "{% include 'base.html' %}",
        "{% extends 'base.html' %}",
        "{% url 'home' %}",
        "{% debug %}",
        "{% csrf_token %}",
        "{{ contact.name|safe }}",
        "{{ contact.name|center:'1000000000' }}",
    ],
)
def test_a_template_cannot_load_tags_or_use_the_dangerous_ones(source):
    with pytest.raises(RenderError):
        render_text(source, sample_context())


def test_a_template_cannot_reach_model_methods(case, account, people):
    # A model instance is refused before anything renders…
    with pytest.raises(TypeError, match="plain values"):
        render_text("{{ account.name }}", {"account": account})
    # …and what a template gets instead has no methods that reach the database.
    context = case_context(case=case, language="en", sender=people.agent)
    text = render_text(
        "[{{ account.delete }}{{ account.save }}{{ case.account.team.name }}{{ sender.password }}]",
        context,
    )
    assert text == "[]"
    assert Account.objects.filter(pk=account.pk).exists()


def test_it_refuses_loops_nested_too_deep():
    source = "{% for a in commitments %}{% for b in commitments %}{% for c in commitments %}x"
    source += "{% endfor %}{% endfor %}{% endfor %}"
    with pytest.raises(RenderError, match="nested"):
        render_text(source, sample_context())
    two = "{% for a in commitments %}{% for b in commitments %}x{% endfor %}{% endfor %}"
    assert render_text(two, sample_context()) == "x"


def test_a_template_check_names_the_field_and_the_reason():
    with pytest.raises(Exception) as refused:
        template_check(subject="Hello {{ contcat.name }}", body="{% if %}")
    errors = refused.value.message_dict
    assert "contcat.name" in errors["subject"][0]
    assert "body" in errors


def test_plain_text_is_not_escaped_and_blank_lines_are_tidied():
    rendered = message_render(
        "  A & B\n  <ok> ",
        "Tom & Jerry's <shop>\n\n\n\n{% if false %}x{% endif %}\n\nEnd   \n",
        {"false": False},
    )
    assert rendered.subject == "A & B <ok>"
    assert rendered.body == "Tom & Jerry's <shop>\n\nEnd\n"


def test_every_shipped_template_renders_strictly_with_every_variable():
    shipped = MessageTemplate.objects.filter(kind__in=TEMPLATE_KINDS, language__in=LANGUAGES)
    assert shipped.count() == len(TEMPLATE_KINDS) * len(LANGUAGES)
    for template in shipped:
        template_check(subject=template.subject, body=template.body)
        context = sample_context(template.language)
        message_render(template.subject, template.body, context, strict=True)


def test_a_commitment_date_is_the_day_where_the_server_is(case):
    evening = timezone.make_aware(DUE, UTC) + timedelta(hours=8)  # 20:00 UTC
    case.commitments.update(due_at=evening)
    with timezone.override("UTC"):
        assert case_context(case=case, language="en", sender=None)["commitments"][0]["due"] == (
            "Friday 27 November 2026"
        )
    with timezone.override("Pacific/Auckland"):  # already the next morning there
        assert case_context(case=case, language="en", sender=None)["commitments"][0]["due"] == (
            "Saturday 28 November 2026"
        )
