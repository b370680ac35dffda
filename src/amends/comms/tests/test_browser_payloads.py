"""Values from users and files stay text in a real browser (issue 11): every page
that shows notice, message or template output is loaded in Chromium with a corpus
of payloads in every value a person or a file controls, and no payload may become
an element, an attribute or a dialog, whichever engine filled it in; where a
value is shown, it reads exactly as typed (not decoded, not escaped twice, not
rendered again as a template).

The Content-Security-Policy blocks inline script, so ``alert`` alone proves
nothing: each payload carries ``data-xss`` (or an inline handler), which shows up
in the DOM if it is ever parsed as markup. The ``page`` fixture also fails a test
when the policy blocked anything, which an unescaped handler would trigger.
"""

import csv
import io
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from amends.accounts.services import account_create, contact_create
from amends.comms.models import Message, MessageKind, MessageState, MessageTemplate
from amends.comms.rendering import case_message_key, message_template_save
from amends.comms.services import Outgoing, message_send
from amends.comms.value import value_message_key, value_period_default
from amends.customerpage.services import case_share_create, case_update_post
from amends.incidents.models import CauseCategory, Severity
from amends.incidents.services import Impact, incident_declare
from amends.notices.models import RecipientState
from amends.notices.sending import notice_run_send
from amends.notices.services import notice_recipients_import, notice_run_create, notice_run_start
from amends.recovery.models import RecordKind
from amends.recovery.services import commitment_add, record_add
from amends.timeline.services import Actor
from conftest import browser_login, smtp_on_loopback

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("shipped_defaults"),
]

# -- the corpus -------------------------------------------------------------------

B = '<b data-xss="1">x</b>'
ATTR = '"><svg data-xss onload=alert(1)>'
ENTITY = "&lt;b data-xss&gt;"  # shown as typed: neither decoded nor escaped twice
TEMPLATE = "{{ 7|add:7 }}"  # shown as typed, never "14": a value is not rendered again
TEMPLATE_TAGS = '{% now "Y" %} {# hidden #}'
UNICODE = "Zoë 雪 Ελένη \u202egnp.exe\u202c \u200fשלום\u200f 💥"
LONG = " ".join(f"<i data-xss>{n}</i> Ωμέγα \u202elrt\u202c" for n in range(50))

PAYLOADS = [
    B,
    "<script data-xss>alert(1)</script>",
    "<img data-xss src=x onerror=alert(1)>",
    ATTR,
    "'><svg data-xss onload=alert(1)>",
    "</textarea><i data-xss>textarea</i>",
    "</pre><p data-xss>pre</p>",
    "</title><i data-xss>title</i>",
    "</option></select><i data-xss>select</i>",
    "'--><div data-xss>comment</div>",
    '<a data-xss href="javascript:alert(1)">link</a>',
    "<iframe data-xss srcdoc=x></iframe>",
    "<details data-xss open ontoggle=alert(1)>",
    '<math><mi data-xss xlink:href="javascript:alert(1)">m</mi></math>',
    "<style data-xss>*{display:none}</style>",
    "javascript:alert(1)",
    ENTITY,
    "&#60;i data-xss&#62;",
    TEMPLATE,
    TEMPLATE_TAGS,
    "{% templatetag openblock %} x",
    UNICODE,
    "<!--",
    LONG,
]
SHORT = [p for p in PAYLOADS if len(p) <= 200]
# What may go into a template's own source: the rest is template syntax there.
HTML_ONLY = [p for p in PAYLOADS if "{" not in p]

ACCOUNT_NAME = f"Harbor {B} {TEMPLATE}"
CONTACT_NAME = f"Joanna {ATTR} {ENTITY}"
INCIDENT_TITLE = f"Forms {B} {TEMPLATE_TAGS} {UNICODE}"
IMPACT = f"</textarea><i data-xss>impact</i> {ENTITY}"
DESCRIPTION = "\n\n".join([*SHORT, "[a link](javascript:alert(1))", "<b data-xss>raw</b>"])
EXPLANATION = f"Why: {ATTR} {TEMPLATE}"
CHANGE = f"Proof every run {B}"
GESTURE = f"A free reprint {ATTR} {TEMPLATE}"
UPDATE = f"The reprint left the press {B}\n</pre><p data-xss>second line</p>"
AGENT_NAME = f"Alex {ATTR}"
MANAGER_NAME = f"Mia {B}"
RUN_NAME = f"Notice {ATTR} {TEMPLATE}"
FIRST_RECIPIENT = f"Sam {ENTITY} {TEMPLATE}"
SUBJECT = f"Update {B} {TEMPLATE}"
VALUE_SUBJECT = f"Your year {ATTR}"
# What the mail server says when it refuses someone: text from outside, too.
REFUSAL = f"5.1.1 {B} <img data-xss src=x onerror=alert(1)> no such mailbox"

NOTICE_TEXTS = {
    "en": {
        "subject": f"Your form {B} {{{{ name }}}}",
        "body": "Dear {{ name }},\n\n{{ fields.note }}\n\n{{ fields.long }}\n\n"
        + "\n".join(HTML_ONLY),
    },
    "pl": {
        "subject": f"Formularz {ATTR} {{{{ name }}}}",
        "body": "Szanowni Państwo {{ name }},\n" + "\n".join(reversed(HTML_ONLY)),
    },
    "el": {
        "subject": f"Έντυπο {ENTITY} {{{{ name }}}}",
        "body": f"Αγαπητέ/ή {{{{ name }}}},\n{UNICODE}\n" + "\n".join(HTML_ONLY),
    },
}
APOLOGY_SUBJECT = f"Sorry {B} {{{{ account.name }}}}"
APOLOGY_BODY = (
    "Dear {{ contact.name }},\n{{ incident.title }}\n{{ incident.what }}\n{{ incident.why }}\n"
    "{{ incident.impact }}\n"
    "{% for c in commitments %}- {{ c.what }} / {{ c.measure }}\n{% endfor %}"
    "{% for c in changes %}* {{ c.what }}\n{% endfor %}{{ case.link }}\n{{ sender.name }}\n"
    + "\n".join(HTML_ONLY)
)
VALUE_TEMPLATE_SUBJECT = f"What you got {B} {{{{ account.name }}}}"
VALUE_TEMPLATE_BODY = (
    "Dear {{ contact.name }},\n{% for g in value.gestures %}- {{ g.description }}\n{% endfor %}"
    "{{ sender.name }}\n" + "\n".join(HTML_ONLY)
)
LANGUAGES = ["en", "pl", "el", "de", ""]  # de has no text of its own


def recipients_csv(*, refuse_every: int = 5) -> bytes:
    """One person per short payload, its name a payload, its columns payloads; every
    fifth address is one the mail server refuses."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["email", "name", "language", "note", "long"])
    for n, payload in enumerate(SHORT):
        refused = n % refuse_every == refuse_every - 1
        writer.writerow(
            [
                f"refuse-{n}@harbor.example" if refused else f"p{n}@harbor.example",
                FIRST_RECIPIENT if n == 0 else payload,
                LANGUAGES[n % len(LANGUAGES)],
                " ".join(SHORT) if n == 0 else SHORT[-n - 1],
                LONG,
            ]
        )
    return out.getvalue().encode("utf-8")


# -- fixtures ---------------------------------------------------------------------


@pytest.fixture
def refusing_smtp(settings):
    """A real SMTP server on loopback that refuses every address starting with
    "refuse", with a reply full of markup."""

    class Handler:
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            if address.startswith("refuse"):
                return f"550 {REFUSAL}"
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server, session, envelope):
            return "250 OK"

    with smtp_on_loopback(settings, Handler()):
        yield


@pytest.fixture
def world(people, refusing_smtp):
    """An account, an incident, a case, a notice, templates and messages, with a
    payload in every value a person or a file sets."""
    agent = Actor(user=people.agent, via="web")
    manager = Actor(user=people.manager, via="web")
    people.agent.first_name = AGENT_NAME
    people.agent.save(update_fields=["first_name"])
    people.manager.first_name = MANAGER_NAME
    people.manager.save(update_fields=["first_name"])
    now = timezone.now()

    account = account_create(
        actor=agent,
        team=people.north,
        name=ACCOUNT_NAME,
        annual_value="120000",
        currency="EUR",
        owner=people.agent,
    )
    contact = contact_create(
        actor=agent,
        account=account,
        name=CONTACT_NAME,
        role=B,
        email="joanna@harbor.example",
        is_decision_maker=True,
    )
    for n, payload in enumerate(SHORT):
        contact_create(actor=agent, account=account, name=payload, email=f"c{n}@harbor.example")
    refused_contact = contact_create(
        actor=agent, account=account, name=f"Refused {B}", email="refuse-me@harbor.example"
    )

    incident = incident_declare(
        actor=agent,
        team=people.north,
        title=INCIDENT_TITLE,
        description=DESCRIPTION,
        occurred_at=now - timedelta(hours=3),
        discovered_at=now - timedelta(hours=1),
        severity=Severity.CRITICAL,
        cause=CauseCategory.objects.get(slug="supplier"),
        tags=["printing", TEMPLATE],
        affected=[Impact(account_id=account.pk, units=65000, impact=IMPACT)],
    )
    case = incident.cases.get()
    for n, payload in enumerate(PAYLOADS):
        commitment_add(
            actor=agent,
            case=case,
            what=payload[:300],
            measure=PAYLOADS[-n - 1][:300],
            owner=people.agent,
            due_at=now + timedelta(days=2),
            free_of_charge=True,
        )
    record_add(actor=agent, case=case, kind=RecordKind.EXPLANATION, data={"text": EXPLANATION})
    record_add(
        actor=agent,
        case=case,
        kind=RecordKind.PREVENTIVE_CHANGE,
        data={"what": CHANGE, "how_customer_is_told": UPDATE},
    )
    record_add(
        actor=agent,
        case=case,
        kind=RecordKind.GESTURE,
        data={"gift_kind": ATTR, "description": GESTURE},
    )
    for text in [UPDATE, *PAYLOADS]:
        case_update_post(actor=agent, case=case, text=text)
    share, _made = case_share_create(actor=agent, case=case)

    templates = {}
    for kind, subject, body in [
        (MessageKind.APOLOGY, APOLOGY_SUBJECT, APOLOGY_BODY),
        (MessageKind.VALUE_SUMMARY, VALUE_TEMPLATE_SUBJECT, VALUE_TEMPLATE_BODY),
    ]:
        templates[kind] = message_template_save(
            actor=manager,
            template=MessageTemplate.objects.get(kind=kind, language="en"),
            kind=kind,
            language="en",
            subject=subject,
            body=body,
        )

    sent = message_send(
        actor=agent,
        outgoing=Outgoing(
            key=case_message_key(case=case, kind=MessageKind.UPDATE, email=contact.email),
            kind=MessageKind.UPDATE,
            to_email=contact.email,
            to_name=contact.name,
            subject=SUBJECT,
            body="\n".join(PAYLOADS),
            language="en",
            case=case,
        ),
    ).message
    failed = message_send(
        actor=agent,
        outgoing=Outgoing(
            key=case_message_key(
                case=case, kind=MessageKind.FOLLOW_UP, email=refused_contact.email
            ),
            kind=MessageKind.FOLLOW_UP,
            to_email=refused_contact.email,
            to_name=refused_contact.name,
            subject=SUBJECT,
            body="\n".join(PAYLOADS),
            case=case,
        ),
    ).message
    start, end = value_period_default()
    message_send(
        actor=agent,
        outgoing=Outgoing(
            key=value_message_key(account=account, start=start, end=end, email=contact.email),
            kind=MessageKind.VALUE_SUMMARY,
            to_email=contact.email,
            to_name=contact.name,
            subject=VALUE_SUBJECT,
            body="\n".join(PAYLOADS),
            account=account,
        ),
    )
    sent.refresh_from_db()
    failed.refresh_from_db()
    assert sent.state == MessageState.SENT and failed.state == MessageState.FAILED

    run = notice_run_create(actor=agent, incident=incident, name=RUN_NAME, texts=NOTICE_TEXTS)
    notice_recipients_import(actor=agent, run=run, stream=io.BytesIO(recipients_csv()))
    notice_run_start(actor=agent, run=run)
    notice_run_send(run_id=run.pk)
    assert run.recipients.filter(state=RecipientState.FAILED).count() == len(SHORT) // 5

    return SimpleNamespace(
        account=account,
        contact=contact,
        incident=incident,
        case=case,
        share_path=f"/c/{share.key}/",
        templates=templates,
        sent=sent,
        run=run,
    )


class Watch:
    """Dialogs opened on a tab, and the check that nothing became markup."""

    def __init__(self):
        self.dialogs = []

    def on(self, tab):
        def opened(dialog):
            self.dialogs.append(dialog.message)
            dialog.dismiss()

        tab.on("dialog", opened)

    def inert(self, tab):
        assert tab.locator("[data-xss]").count() == 0, "a payload became markup"
        handlers = "[onload], [onerror], [ontoggle], [srcdoc], a[href^='javascript:' i]"
        assert tab.locator(handlers).count() == 0, "a payload became an attribute"
        assert not self.dialogs, f"a dialog opened: {self.dialogs}"


@pytest.fixture
def watch(page):
    watching = Watch()
    watching.on(page)
    return watching


# -- the pages, each as the persona who sees it ------------------------------------


def notice_page(page, watch, world):
    page.goto(f"/notices/{world.run.pk}/")
    expect(page.locator("h1")).to_have_text(RUN_NAME)
    expect(page.locator(".crumbs")).to_contain_text(INCIDENT_TITLE)
    texts = page.locator("#notice-texts .notice-text")
    expect(texts).to_have_count(3)
    expect(texts.nth(0)).to_contain_text(f"Your form {B} {{{{ name }}}}")
    expect(texts.nth(1)).to_contain_text(f"Formularz {ATTR}")
    expect(texts.nth(2)).to_contain_text(f"Έντυπο {ENTITY}")
    assert texts.nth(0).locator("pre").text_content().endswith(HTML_ONLY[-1])
    expect(page.locator(".notice-preview-subject")).to_have_text(f"Your form {B} {FIRST_RECIPIENT}")
    preview = page.locator(".notice-preview")
    expect(preview).to_contain_text(f"Dear {FIRST_RECIPIENT},")
    expect(preview).to_contain_text(" ".join(SHORT))
    expect(preview).to_contain_text(LONG)
    expect(page.locator("table.notice-languages tbody tr")).to_have_count(len(LANGUAGES))
    failures = page.locator("table.notice-failures tbody tr")
    expect(failures).to_have_count(len(SHORT) // 5)
    expect(failures.first).to_contain_text(REFUSAL)
    watch.inert(page)


def incident_page(page, watch, world):
    page.goto(f"/incidents/{world.incident.pk}/")
    expect(page.locator("h1")).to_have_text(INCIDENT_TITLE)
    expect(page).to_have_title(f"{INCIDENT_TITLE} · Amends")
    expect(page.locator(".prose").first).to_contain_text(B)
    expect(page.locator(".prose").first).to_contain_text(TEMPLATE)
    expect(page.locator(".prose").first).to_contain_text("[a link](javascript:alert(1))")
    affected = page.locator("table.affected tbody tr")
    expect(affected).to_contain_text(ACCOUNT_NAME)
    expect(affected).to_contain_text(IMPACT)
    # The notices panel loads itself with htmx.
    expect(page.locator("#notice-runs")).to_contain_text(RUN_NAME)
    watch.inert(page)

    page.goto(f"/incidents/{world.incident.pk}/notices/")
    expect(page.locator("#notice-runs")).to_contain_text(RUN_NAME)
    expect(page.locator(".crumbs")).to_contain_text(INCIDENT_TITLE)
    watch.inert(page)


def case_page(page, watch, world):
    page.goto(f"/cases/{world.case.pk}/")
    expect(page.locator("h1")).to_contain_text(ACCOUNT_NAME)
    expect(page).to_have_title(f"{world.case.playbook.name} · {ACCOUNT_NAME} · Amends")
    log = page.locator("table.message-log tbody tr")
    expect(log).to_have_count(2)
    expect(log.filter(has_text="Sent")).to_contain_text(SUBJECT)
    expect(log.filter(has_text="Sent")).to_contain_text(CONTACT_NAME)
    expect(log.filter(has_text="Failed")).to_contain_text(REFUSAL)
    expect(log.first).to_contain_text(AGENT_NAME)  # sent by
    contacts = page.locator("#message-chooser select[name=contact] option")
    expect(contacts.first).to_have_text(f"{CONTACT_NAME} <joanna@harbor.example>")
    updates = page.locator("#customer-updates li")
    expect(updates).to_have_count(len(PAYLOADS) + 1)
    expect(updates.last).to_contain_text("The reprint left the press " + B)
    expect(updates.last.locator("br")).to_have_count(1)  # linebreaksbr, and nothing else
    expect(page.locator("#customer-updates")).to_contain_text(ENTITY)
    expect(page.locator("#customer-updates")).to_contain_text(TEMPLATE)
    watch.inert(page)


def composer_page(page, watch, world):
    page.goto(f"/cases/{world.case.pk}/messages/new/?kind=apology&contact={world.contact.pk}")
    expect(page).to_have_title(f"Write to the customer · {ACCOUNT_NAME} · Amends")
    subject = page.locator("#composer input[name=subject]")
    expect(subject).to_have_value(f"Sorry {B} {ACCOUNT_NAME}")
    expect(page.locator("#composer input[name=to_name]")).to_have_value(CONTACT_NAME)
    body = page.locator("#composer textarea[name=body]").input_value()
    for expected in [
        f"Dear {CONTACT_NAME},",
        INCIDENT_TITLE,
        EXPLANATION,
        IMPACT,
        f"- {B} / {LONG[:300].strip()}",
        f"- {TEMPLATE} / {PAYLOADS[-PAYLOADS.index(TEMPLATE) - 1]}",
        f"* {CHANGE}",
        AGENT_NAME,
        *HTML_ONLY,
    ]:
        assert expected in body, expected
    watch.inert(page)


def resend_page(page, watch, world):
    page.goto(f"/cases/{world.case.pk}/messages/{world.sent.pk}/again/")
    expect(page.locator(".already-sent")).to_contain_text(f"“{SUBJECT}” was already sent")
    expect(page.locator("input[name=subject]")).to_have_value(SUBJECT)
    expect(page.locator("input[name=to_name]")).to_have_value(CONTACT_NAME)
    assert page.locator("textarea[name=body]").input_value() == "\n".join(PAYLOADS)
    watch.inert(page)


def template_page_for_an_editor(page, watch, world):
    template = world.templates[MessageKind.APOLOGY]
    page.goto(f"/messages/templates/{template.pk}/?case={world.case.pk}")
    expect(page.locator(".pagehead")).to_contain_text(f"Last changed by {MANAGER_NAME}")
    expect(page.locator("#id_subject")).to_have_value(APOLOGY_SUBJECT)
    assert page.locator("#id_body").input_value() == APOLOGY_BODY + "\n"
    option = page.locator("#preview-case option").first
    expect(option).to_contain_text(ACCOUNT_NAME)
    expect(option).to_contain_text(INCIDENT_TITLE)
    expect(page.locator(".preview-subject")).to_have_text(f"Sorry {B} {ACCOUNT_NAME}")
    preview = page.locator(".preview-body").text_content()
    expected_parts = [f"Dear {CONTACT_NAME},", INCIDENT_TITLE, EXPLANATION, MANAGER_NAME]
    for expected in [*expected_parts, *HTML_ONLY]:
        assert expected in preview, expected
    watch.inert(page)

    page.goto("/messages/templates/")
    link = page.get_by_role("link", name=f"Sorry {B}")
    expect(link).to_have_attribute("title", APOLOGY_SUBJECT)
    watch.inert(page)


def template_page_for_a_reader(page, watch, world):
    template = world.templates[MessageKind.VALUE_SUMMARY]
    page.goto(f"/messages/templates/{template.pk}/")
    expect(page.locator("#template-words code").first).to_have_text(VALUE_TEMPLATE_SUBJECT)
    assert page.locator("pre.template-body").text_content() == VALUE_TEMPLATE_BODY + "\n"
    expect(page.locator(".preview-subject")).to_have_text(f"What you got {B} {ACCOUNT_NAME}")
    preview = page.locator(".preview-body").text_content()
    for expected in [f"Dear {CONTACT_NAME},", f"- {GESTURE}", *HTML_ONLY]:
        assert expected in preview, expected
    watch.inert(page)


def value_summary_for_an_agent(page, watch, world):
    page.goto(f"/accounts/{world.account.pk}/")
    expect(page.locator("h1")).to_contain_text(ACCOUNT_NAME)
    watch.inert(page)
    page.get_by_role("link", name="Value summary").click()
    page.wait_for_url(f"**/accounts/{world.account.pk}/value-summary/")
    expect(page.locator("h1")).to_have_text(f"Value summary: {ACCOUNT_NAME}")
    expect(page.locator("[data-value=gestures]")).to_contain_text(GESTURE)
    expect(page.locator("#value-sent")).to_contain_text(VALUE_SUBJECT)
    expect(page.locator("#period select[name=contact] option:checked")).to_have_text(CONTACT_NAME)
    expect(page.locator("#id_subject")).to_have_value(f"What you got {B} {ACCOUNT_NAME}")
    body = page.locator("#id_body").input_value()
    for expected in [f"Dear {CONTACT_NAME},", f"- {GESTURE}", AGENT_NAME, *HTML_ONLY]:
        assert expected in body, expected
    watch.inert(page)

    # Sent as drafted: this period's summary went already, so the confirmation
    # quotes the first one; then the flash message and the list quote the new one.
    drafted = f"What you got {B} {ACCOUNT_NAME}"
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".already-sent")).to_contain_text(f"“{VALUE_SUBJECT}” was already sent")
    expect(page.locator("input[name=subject]")).to_have_value(drafted)
    watch.inert(page)
    page.get_by_label("Yes, send it again").check()
    page.get_by_role("button", name="Send it again").click()
    expect(page.locator("ul.messages")).to_contain_text(f"“{drafted}”")
    expect(page.locator("#value-sent li")).to_have_count(2)
    expect(page.locator("#value-sent")).to_contain_text(drafted)
    watch.inert(page)


def value_summary_for_a_viewer(page, watch, world):
    page.goto(f"/accounts/{world.account.pk}/value-summary/")
    expect(page.locator("#value-message dd")).to_have_text(f"What you got {B} {ACCOUNT_NAME}")
    body = page.locator("#value-message pre.preview-body").text_content()
    for expected in [f"Dear {CONTACT_NAME},", f"- {GESTURE}", *HTML_ONLY]:
        assert expected in body, expected
    watch.inert(page)


def customer_page(page, watch, world):
    answer = page.goto(world.share_path)
    assert answer.status == 200
    expect(page.locator("h1")).to_have_text(f"Our plan for {ACCOUNT_NAME}")
    expect(page).to_have_title(f"Our plan for {ACCOUNT_NAME}")
    rows = page.locator("#commitments tbody tr")
    expect(rows).to_have_count(len(PAYLOADS))
    for n in (PAYLOADS.index(B), PAYLOADS.index(ENTITY), PAYLOADS.index(TEMPLATE)):
        expect(rows.nth(n).locator("td").first).to_have_text(f"{PAYLOADS[n]} free of charge")
    expect(page.locator("#changes")).to_contain_text(CHANGE)
    updates = page.locator("#updates li")
    expect(updates).to_have_count(len(PAYLOADS) + 1)
    expect(updates.last).to_contain_text("The reprint left the press " + B)
    expect(page.locator("#updates")).to_contain_text(UNICODE)
    expect(page.locator("body")).not_to_contain_text(AGENT_NAME)
    watch.inert(page)


PAGES = {
    "notice, agent": ("alex", notice_page),
    "notice, viewer": ("vic", notice_page),
    "incident and its notices": ("alex", incident_page),
    "case": ("alex", case_page),
    "composer": ("alex", composer_page),
    "resend": ("alex", resend_page),
    "template, manager": ("mia", template_page_for_an_editor),
    "template, viewer": ("vic", template_page_for_a_reader),
    "value summary, agent": ("alex", value_summary_for_an_agent),
    "value summary, viewer": ("vic", value_summary_for_a_viewer),
    "customer page, anonymous": (None, customer_page),
}


@pytest.mark.parametrize("name", PAGES)
def test_it_shows_every_payload_as_text_on_the(name, page, watch, world):
    persona, visit = PAGES[name]
    if persona:
        browser_login(page, persona)
    visit(page, watch, world)


# -- the same values typed into the pages' own forms ----------------------------------


def test_it_keeps_a_notice_written_from_a_hostile_file_as_text(page, watch, world):
    browser_login(page, "alex")
    page.goto(f"/incidents/{world.incident.pk}/")
    panel = page.locator("#notices")
    panel.get_by_text("Write a notice").click()
    panel.get_by_label("Name").fill(RUN_NAME)
    panel.get_by_label("Language").fill("en")
    panel.get_by_label("Subject").fill(NOTICE_TEXTS["en"]["subject"])
    panel.get_by_label("Letter").fill(NOTICE_TEXTS["en"]["body"])
    panel.get_by_label("People to write to").set_input_files(
        {"name": "people.csv", "mimeType": "text/csv", "buffer": recipients_csv(refuse_every=3)}
    )
    panel.get_by_role("button", name="Save the notice").click()
    expect(page.locator("ul.messages")).to_contain_text(f"with {len(SHORT)} people to write to")
    run = world.incident.notice_runs.exclude(pk=world.run.pk).get()
    page.wait_for_url(f"**/notices/{run.pk}/")
    expect(page.locator(".notice-preview")).to_contain_text(f"Dear {FIRST_RECIPIENT},")
    watch.inert(page)

    # A file whose lines are wrong in payloads: the problems quote them as text.
    bad = io.StringIO()
    csv.writer(bad).writerows(
        [["email", "name", "language", "note", "long"], [B, "x", ATTR, "n", "l"]]
    )
    people = page.locator("#notice-people")
    people.get_by_label("People to write to").set_input_files(
        {"name": "bad.csv", "mimeType": "text/csv", "buffer": bad.getvalue().encode()}
    )
    people.get_by_role("button", name="Upload the list").click()
    problems = page.locator("#notice-problems tbody tr")
    expect(problems).to_have_count(2)
    expect(problems.nth(0)).to_contain_text(f"“{B}” is not an email address")
    expect(problems.nth(1)).to_contain_text(f"unknown language “{ATTR}”")
    watch.inert(page)

    # Another language, typed in; a mistake in it is refused with the text kept.
    page.goto(f"/notices/{run.pk}/")
    words = page.locator("#notice-texts")
    words.get_by_text("Add a language, or change one").click()
    words.get_by_label("Language").fill("pl")
    words.get_by_label("Subject").fill(NOTICE_TEXTS["pl"]["subject"] + " {{ name|add:1 }}")
    words.get_by_label("Letter").fill(NOTICE_TEXTS["pl"]["body"])
    words.get_by_role("button", name="Save the text").click()
    expect(words.locator(".error")).to_contain_text("add")
    expect(words.get_by_label("Letter")).to_have_value(NOTICE_TEXTS["pl"]["body"])
    watch.inert(page)
    words.get_by_label("Subject").fill(NOTICE_TEXTS["pl"]["subject"])
    words.get_by_role("button", name="Save the text").click()
    expect(page.locator("ul.messages")).to_contain_text("Text saved.")
    expect(page.locator("#notice-texts .notice-text")).to_have_count(2)
    expect(page.locator("#notice-texts .notice-text").nth(1)).to_contain_text(f"Formularz {ATTR}")
    watch.inert(page)

    page.get_by_role("button", name=f"Send to {len(SHORT)} people").click()
    expect(page.locator("ul.messages")).to_contain_text("Sending started.")
    notice_run_send(run_id=run.pk)
    page.goto(f"/notices/{run.pk}/")
    failures = page.locator("table.notice-failures tbody tr")
    expect(failures).to_have_count(len(SHORT) // 3)
    expect(failures.first).to_contain_text(REFUSAL)
    watch.inert(page)


def test_it_keeps_a_message_drafted_and_sent_on_the_case_page_as_text(page, watch, world):
    browser_login(page, "alex")
    page.goto(f"/cases/{world.case.pk}/")
    panel = page.locator("#messages")
    panel.get_by_label("Kind").select_option(label="Explanation")
    composer = page.locator("#composer")
    subject = composer.get_by_label("Subject")
    expect(subject).not_to_have_value("")
    panel.get_by_label("Kind").select_option(label="Apology")
    expect(subject).to_have_value(f"Sorry {B} {ACCOUNT_NAME}")
    body = composer.get_by_label("Message")
    assert f"Dear {CONTACT_NAME}," in body.input_value()
    watch.inert(page)

    # The coach quotes the draft back; the quotes are text too.
    body.fill("")
    body.press_sequentially(f"The company regrets {B}.")
    expect(composer.locator("#coach li.unmet").first).to_be_visible()
    watch.inert(page)

    typed = f"Sent {ATTR} {TEMPLATE}"
    subject.fill(typed)
    body.fill("I am sorry. " + "\n".join(PAYLOADS))
    composer.get_by_role("button", name="Send").click()
    page.wait_for_url(f"**/cases/{world.case.pk}/#messages")
    expect(page.locator("ul.messages")).to_contain_text(f"“{typed}”")
    expect(page.locator("table.message-log tbody tr").first).to_contain_text(typed)
    watch.inert(page)
    sent = Message.objects.get(subject=typed)
    assert sent.body.replace("\r\n", "\n") == "I am sorry. " + "\n".join(PAYLOADS)

    # To an address the mail server refuses: its answer is quoted as text.
    panel.get_by_label("Kind").select_option(label="Follow-up")
    # The chooser's "To" (the composer has a "To (email)" of its own once it loads).
    page.locator("#message-chooser").get_by_label("To").select_option(
        label=f"Refused {B} <refuse-me@harbor.example>"
    )
    expect(composer.get_by_label("Their name")).to_have_value(f"Refused {B}")
    subject.fill(typed)
    body.fill("Following up.")
    composer.get_by_role("button", name="Send").click()
    page.wait_for_url(f"**/cases/{world.case.pk}/#messages")
    expect(page.locator("ul.messages")).to_contain_text(REFUSAL)
    watch.inert(page)


def test_it_keeps_a_template_typed_previewed_and_saved_as_text(page, watch, world):
    browser_login(page, "mia")
    template = world.templates[MessageKind.APOLOGY]
    page.goto(f"/messages/templates/{template.pk}/?case={world.case.pk}")
    typed_subject = f"Typed {ATTR} {{{{ contact.name }}}}"
    typed_body = "{{ account.name }}\n" + "\n".join(reversed(HTML_ONLY))
    page.locator("#id_subject").fill(typed_subject)
    page.locator("#id_body").fill(typed_body)
    page.get_by_role("button", name="Preview").click()
    expect(page.locator(".preview-subject")).to_have_text(f"Typed {ATTR} {CONTACT_NAME}")
    assert page.locator(".preview-body").text_content().startswith(ACCOUNT_NAME + "\n")
    assert page.locator("#id_body").input_value() == typed_body
    watch.inert(page)

    # A mistake: the error and the typed words come back as text.
    page.locator("#id_body").fill(typed_body + "\n{{ account.name|add:1 }}")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#preview [role=alert]")).to_be_visible()
    watch.inert(page)
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#template-words .error")).not_to_have_count(0)
    assert page.locator("#id_body").input_value() == typed_body + "\n{{ account.name|add:1 }}"
    watch.inert(page)

    page.locator("#id_body").fill(typed_body)
    page.get_by_role("button", name="Save").click()
    expect(page.locator("ul.messages")).to_contain_text("Template saved")
    expect(page.locator("#id_subject")).to_have_value(typed_subject)
    watch.inert(page)
