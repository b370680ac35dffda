"""The public post-mortem and the author's preview of it: names of customers and
their contacts, e-mail addresses and phone numbers never reach the public page;
the author sees each replacement before publishing; nobody else sees the preview."""

import pytest
from django.urls import reverse

from amends.accounts.services import account_create, contact_create
from amends.incidents.services import postmortem_update
from amends.timeline.services import Actor

pytestmark = pytest.mark.django_db

TEXTS = {
    "what_happened": (
        "Brightline's pallets went to the wrong depot. **Alice Moreau** called us on "
        "+30 210 123 4567 and wrote to ops@brightline.example."
    ),
    "how_and_why": "Alice was right: Brightline Logistics had asked twice, on 2026-11-20.",
    "what_was_done": "We refunded 1,500.50 EUR for order 123456; call (030) 1234-5678.",
    "what_changed": "Depots are checked against the order. Thanks, Moreau!",
}


@pytest.fixture
def brightline(people):
    actor = Actor(user=people.agent, via="web")
    account = account_create(actor=actor, team=people.north, name="Brightline Logistics GmbH")
    contact_create(actor=actor, account=account, name="Alice Moreau", phone="+30 210 123 4567")
    return account


@pytest.fixture
def incident(people, brightline, declare):
    incident = declare([brightline], title="Brightline pallets sent to the wrong depot")
    postmortem_update(
        actor=Actor(user=people.agent, via="web"), incident=incident, publish=True, **TEXTS
    )
    return incident


def test_it_keeps_names_emails_and_phone_numbers_off_the_public_page(client, incident):
    page = client.get(
        reverse("incidents:postmortem-public", args=[incident.postmortem.public_key])
    ).text
    for secret in ("Brightline", "Alice", "Moreau", "ops@", "210 123", "1234-5678"):
        assert secret.lower() not in page.lower()
    assert "<h1>[a customer] pallets sent to the wrong depot</h1>" in page
    assert "[a customer]'s pallets" in page and "<strong>[a person]</strong>" in page
    assert "on [phone number] and wrote to [e-mail address]." in page
    assert "<p>[a person] was right: [a customer] had asked twice, on 2026-11-20.</p>" in page
    assert "We refunded 1,500.50 EUR for order 123456; call [phone number]." in page
    assert "<mark" not in page  # no highlighting, and no originals, for the public


def test_it_shows_the_author_the_public_version_with_each_replacement_highlighted(
    client, people, incident
):
    client.force_login(people.agent)
    page = client.get(reverse("incidents:detail", args=[incident.pk])).text
    preview = page[page.index('id="public-preview"') :]
    assert '<mark class="scrubbed" title="Alice Moreau">[a person]</mark>' in preview
    assert '<mark class="scrubbed" title="Brightline Logistics">[a customer]</mark>' in preview
    assert '<mark class="scrubbed" title="+30 210 123 4567">[phone number]</mark>' in preview
    assert (
        '<mark class="scrubbed" title="ops@brightline.example">[e-mail address]</mark>' in preview
    )
    # The legend: each original once, as first written.
    assert "<li>Alice Moreau → <mark>[a person]</mark></li>" in preview
    assert "<li>Brightline → <mark>[a customer]</mark></li>" in preview
    assert preview.count("<li>Brightline → ") == 1
    assert "2026-11-20" in preview and "order 123456" in preview


def test_it_previews_what_the_author_typed_without_saving_it(client, people, brightline, declare):
    incident = declare([brightline])
    client.force_login(people.agent)
    typed = {
        "what_happened": 'Alice <img src=x onerror="alert(1)"> lost <b>Brightline</b>\'s forms.',
        "what_changed": "Nothing yet.",
        "publish": "on",
        "preview": "1",
    }
    response = client.post(reverse("incidents:postmortem", args=[incident.pk]), typed)
    assert response.status_code == 200
    page = response.text
    assert "not saved yet" in page
    preview = page[page.index('id="public-preview"') :]
    assert '<mark class="scrubbed" title="Alice">[a person]</mark>' in preview
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in preview
    assert "<img" not in preview and "<b>" not in preview
    # The form keeps what was typed, and nothing was saved or published.
    assert "Nothing yet.</textarea>" in page
    incident.postmortem.refresh_from_db()
    assert incident.postmortem.what_happened == "" and incident.postmortem.published_at is None


def test_only_the_authors_team_sees_the_preview(client, people, incident, south_account):
    url = reverse("incidents:postmortem", args=[incident.pk])
    preview = {**TEXTS, "preview": "1"}
    # A viewer of the team reads the post-mortem but is not its author.
    client.force_login(people.viewer)
    page = client.get(reverse("incidents:detail", args=[incident.pk])).text
    assert "Brightline" in page and 'id="public-preview"' not in page
    assert client.post(url, preview).status_code == 403
    # An outsider learns nothing, not even that the incident exists.
    client.force_login(people.outsider)
    assert client.get(reverse("incidents:detail", args=[incident.pk])).status_code == 404
    assert client.post(url, preview).status_code == 404
    # Nor does an anonymous visitor: the public page is all there is.
    client.logout()
    response = client.post(url, preview)
    assert response.status_code == 302 and "/login/" in response["Location"]
