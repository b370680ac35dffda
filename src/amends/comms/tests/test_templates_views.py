"""The templates pages: managers and admins edit, everyone else reads, and the
preview is filled from a real case the person can see."""

import pytest
from django.urls import reverse

from amends.comms.models import MessageTemplate
from conftest import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(declare, account):
    return declare([account]).cases.get()


@pytest.fixture
def apology():
    return MessageTemplate.objects.get(kind="apology", language="en")


def _edit(apology, **changes):
    return {"subject": apology.subject, "body": apology.body, "action": "save", **changes}


def test_the_list_shows_each_kind_in_each_language(client, people):
    page = login(client, people.agent).get(reverse("comms:templates"))
    html = page.content.decode()
    assert page.status_code == 200
    for label in ("Telling them first", "Apology", "Explanation", "Value summary"):
        assert label in html
    for code in ("en", "zh-hans", "el", "pl"):
        assert f'<th scope="col">{code}</th>' in html
    assert "Add a template" not in html  # an agent reads

    html = login(client, people.manager).get(reverse("comms:templates")).content.decode()
    assert "Add a template" in html


def test_a_manager_changes_a_template(client, people, case, apology):
    url = reverse("comms:template", args=[apology.pk])
    body = apology.body.replace("I am sorry we let you down.", "I am sorry: I let you down.")
    response = login(client, people.manager).post(url, _edit(apology, body=body, case=case.pk))
    assert response.status_code == 302 and response["Location"] == f"{url}?case={case.pk}"
    apology.refresh_from_db()
    assert "I am sorry: I let you down." in apology.body
    assert apology.updated_by == people.manager

    page = client.get(response["Location"]).content.decode()
    assert "Template saved" in page and "I am sorry: I let you down." in page


def test_the_preview_is_filled_from_a_real_case(client, people, case, apology):
    from datetime import timedelta

    from django.utils import timezone

    due = timezone.localtime() + timedelta(days=10)  # a promise is always for the future
    commitments = reverse("recovery:commitment-add", args=[case.pk])
    login(client, people.agent).post(
        commitments,
        {
            "commitment-what": "Reprint every form",
            "commitment-measure": "65,000 forms delivered",
            "commitment-owner": people.agent.pk,
            "commitment-due_at": due.strftime("%Y-%m-%dT12:00"),
        },
    )
    assert case.commitments.count() == 1
    page = client.get(reverse("comms:template", args=[apology.pk]), {"case": case.pk})
    html = page.content.decode()
    assert page.status_code == 200
    assert "Filled from the case of Harbor Printing Ltd" in html
    assert "I am sorry: 65,000 tax forms printed with the wrong year" in html
    assert "Dear Joanna Nowak," in html
    assert f"- Reprint every form, by {due:%A} {due.day} {due:%B %Y}" in html
    assert "joanna@harbor.example" in html


def test_a_manager_previews_changes_without_saving(client, people, case, apology):
    url = reverse("comms:template", args=[apology.pk])
    data = _edit(apology, body="Ahoy {{ contact.name }} of {{ account.name }}", action="preview")
    page = login(client, people.manager).post(url, {**data, "case": case.pk})
    assert page.status_code == 200
    assert "Ahoy Joanna Nowak of Harbor Printing Ltd" in page.content.decode()
    apology.refresh_from_db()
    assert "Ahoy" not in apology.body


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("{% load i18n %}Hi", "load"),
        ("{% if contact.name %}Hi", "endif"),
        ("Hi {{ contcat.name }}", "Unknown variable: contcat.name"),
        ("{{ contact.name|nonsense }}", "nonsense"),
        ('{{ contact.name|ljust:"20000000" }}', "ljust"),
        ("{{ contact.name.upper }}", "Unknown variable: contact.name.upper"),
        (
            "{% for c in commitments %}{% for d in commitments %}{% for e in changes %}"
            "{% endfor %}{% endfor %}{% endfor %}",
            "nested at most 2 deep",
        ),
    ],
)
def test_a_template_that_does_not_render_is_refused_with_the_error(
    client, people, apology, body, reason
):
    url = reverse("comms:template", args=[apology.pk])
    response = login(client, people.manager).post(url, _edit(apology, body=body))
    assert response.status_code == 400
    html = response.content.decode()
    assert "It does not render" in html and reason in html
    apology.refresh_from_db()
    assert apology.body != body


def test_a_manager_adds_a_language(client, people):
    url = reverse("comms:template-new")
    page = login(client, people.manager).get(url, {"kind": "apology", "language": "de"})
    assert page.status_code == 200 and 'value="de"' in page.content.decode()
    data = {
        "kind": "apology",
        "language": "de",
        "subject": "Es tut mir leid: {{ incident.title }}",
        "body": "Hallo {{ contact.name }},\n\nes tut mir leid.\n\n{{ sender.name }}",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    assert MessageTemplate.objects.get(kind="apology", language="de").updated_by == people.manager
    again = client.post(url, data)
    assert again.status_code == 400
    assert "already exists" in again.content.decode()


def test_an_admin_edits_too(client, people, apology):
    url = reverse("comms:template", args=[apology.pk])
    response = login(client, people.admin).post(url, _edit(apology, subject="Sorry"))
    assert response.status_code == 302


def test_agents_and_viewers_read_but_do_not_change(client, people, case, apology):
    url = reverse("comms:template", args=[apology.pk])
    for person in (people.agent, people.viewer, people.outsider):
        login(client, person)
        page = client.get(url)
        assert page.status_code == 200
        html = page.content.decode()
        assert "Only managers and admins change templates." in html
        assert 'name="body"' not in html
        assert client.post(url, _edit(apology, subject="Changed")).status_code == 403
        assert client.get(reverse("comms:template-new")).status_code == 403
        assert client.post(reverse("comms:template-new"), {}).status_code == 403
    apology.refresh_from_db()
    assert apology.subject != "Changed"


def test_an_outsider_cannot_preview_another_teams_case(client, people, case, apology):
    url = reverse("comms:template", args=[apology.pk])
    page = login(client, people.outsider).get(url)
    assert "Harbor Printing Ltd" not in page.content.decode()  # not among their cases
    assert client.get(url, {"case": case.pk}).status_code == 404
    assert client.post(url, {"case": case.pk, "action": "preview"}).status_code == 403


def test_someone_in_no_team_sees_no_templates(client, people, apology):
    from amends.people.services import user_create

    loner = user_create(username="lone", password="correct horse battery")
    login(client, loner)
    assert client.get(reverse("comms:templates")).status_code == 403
    assert client.get(reverse("comms:template", args=[apology.pk])).status_code == 403
    client.logout()
    assert client.get(reverse("comms:templates")).status_code == 302
