import re

import pytest
from django.urls import reverse

from amends.accounts.services import account_create
from amends.incidents.models import CauseCategory, Incident
from amends.incidents.services import postmortem_update
from amends.recovery.models import RecoveryCase
from amends.timeline.services import Actor

pytestmark = pytest.mark.django_db


def _form(people, cause="supplier", **extra):
    data = {
        "team": people.north.pk,
        "title": "Invoices sent twice",
        "description": "The billing run repeated.",
        "occurred_at": "2026-11-20T09:00",
        "discovered_at": "2026-11-20T11:30",
        "severity": 2,
        "cause": CauseCategory.objects.get(slug=cause).pk,
        "fault": "ours",
        "tags": "billing, Invoices",
    }
    data.update(extra)
    return data


def test_it_declares_an_incident_from_the_form_and_opens_a_case_per_account(
    client, people, account
):
    second = account_create(
        actor=Actor(user=people.agent, via="web"), team=people.north, name="Lake Bakery"
    )
    client.force_login(people.agent)
    data = _form(people)
    data.update(
        {
            "account": [account.pk, second.pk],
            f"units-{account.pk}": "120",
            f"money-{account.pk}": "1500.50",
            f"impact-{account.pk}": "Paid twice",
        }
    )
    response = client.post(reverse("incidents:declare"), data)
    incident = Incident.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("incidents:detail", args=[incident.pk])
    assert incident.tags == ["billing", "invoices"] and incident.severity == 2
    assert RecoveryCase.objects.filter(incident=incident).count() == 2
    impact = incident.affected.get(account=account)
    assert impact.units == 120 and str(impact.money) == "1500.50" and impact.impact == "Paid twice"

    page = client.get(response["Location"]).text
    assert "Harbor Printing Ltd" in page and "Lake Bakery" in page
    assert "0/9" in page  # each case's progress at a glance


def test_it_names_a_bad_impact_value_and_opens_nothing(client, people, account):
    client.force_login(people.agent)
    data = _form(people, account=[account.pk], **{f"units-{account.pk}": "many"})
    response = client.post(reverse("incidents:declare"), data)
    assert response.status_code == 400
    assert "Harbor Printing Ltd: units must be a whole number, not “many”." in response.text
    assert not Incident.objects.exists() and not RecoveryCase.objects.exists()
    # The picked account stays on the form with what was typed.
    assert f'name="units-{account.pk}" value="many"' in response.text


def test_it_needs_an_affected_account(client, people):
    client.force_login(people.agent)
    response = client.post(reverse("incidents:declare"), _form(people))
    assert response.status_code == 400
    assert "Add at least one affected account." in response.text
    assert not Incident.objects.exists()


def test_it_refuses_a_discovery_before_the_mistake(client, people, account):
    client.force_login(people.agent)
    data = _form(people, account=[account.pk], discovered_at="2026-11-19T09:00")
    response = client.post(reverse("incidents:declare"), data)
    assert response.status_code == 400
    assert "A mistake is discovered after it happens, not before." in response.text
    assert not Incident.objects.exists()


def test_it_will_not_put_another_teams_account_on_an_incident(
    client, people, account, south_account
):
    client.force_login(people.agent)
    data = _form(people, account=[account.pk, south_account.pk])
    response = client.post(reverse("incidents:declare"), data)
    assert response.status_code == 400
    assert f"Account {south_account.pk} is not one you may change." in response.text
    assert not Incident.objects.exists()


def test_the_picker_offers_only_accounts_i_may_change(client, people, account, south_account):
    client.force_login(people.agent)
    found = client.get(reverse("incidents:picker"), {"q": "o"}).text
    assert "Harbor Printing Ltd" in found and "Southern Foods" not in found
    row = client.get(reverse("incidents:affected-row", args=[account.pk])).text
    assert f'name="account" value="{account.pk}"' in row
    assert client.get(reverse("incidents:affected-row", args=[south_account.pk])).status_code == 404
    client.force_login(people.viewer)
    assert "Harbor" not in client.get(reverse("incidents:picker"), {"q": "harbor"}).text


def test_it_says_this_has_happened_before(client, people, account, declare):
    earlier = declare([account], title="Forms printed with the wrong year", tags=["printing"])
    postmortem_update(
        actor=Actor(user=people.agent, via="web"),
        incident=earlier,
        what_happened="The supplier used last year's template.",
        what_changed="We proof the first sheet of every run.",
        publish=True,
    )
    client.force_login(people.agent)
    supplier = CauseCategory.objects.get(slug="supplier")
    params = {"cause": supplier.pk, "title": "Wrong year again", "tags": "printing"}
    found = client.get(reverse("incidents:similar"), params).text
    assert "This has happened before" in found and earlier.title in found
    assert reverse("incidents:postmortem-public", args=[earlier.postmortem.public_key]) in found
    other_cause = {**params, "cause": CauseCategory.objects.get(slug="people").pk}
    assert (
        "This has happened before" not in client.get(reverse("incidents:similar"), other_cause).text
    )
    # An outsider learns of it only through the published post-mortem, without its title.
    client.force_login(people.outsider)
    found = client.get(reverse("incidents:similar"), params).text
    assert earlier.title not in found and "An incident in another team" in found


def test_it_hides_an_incident_from_an_outsider(client, people, account, declare):
    incident = declare([account])
    client.force_login(people.outsider)
    assert client.get(reverse("incidents:detail", args=[incident.pk])).status_code == 404
    assert incident.title not in client.get(reverse("incidents:list")).text
    for name in ("postmortem", "add-accounts", "status"):
        url = reverse(f"incidents:{name}", args=[incident.pk])
        assert client.post(url, {"status": "resolved"}).status_code == 404
    assert client.get(reverse("incidents:declare")).status_code == 200  # their own team


def test_it_lets_a_viewer_read_but_not_change(client, people, account, declare):
    incident = declare([account])
    client.force_login(people.viewer)
    page = client.get(reverse("incidents:detail", args=[incident.pk])).text
    assert incident.title in page and "Write the post-mortem" not in page
    assert client.get(reverse("incidents:declare")).status_code == 403
    url = reverse("incidents:postmortem", args=[incident.pk])
    assert client.post(url, {"what_happened": "x"}).status_code == 403
    url = reverse("incidents:add-accounts", args=[incident.pk])
    assert client.post(url, {"account": [account.pk]}).status_code == 403
    client.post(reverse("incidents:status", args=[incident.pk]), {"status": "resolved"})
    incident.refresh_from_db()
    assert incident.status == "open"


def test_it_writes_and_publishes_a_postmortem_in_markdown(client, people, account, declare):
    incident = declare([account])
    client.force_login(people.agent)
    url = reverse("incidents:postmortem", args=[incident.pk])
    response = client.post(url, {"what_happened": "Only this", "publish": "on"})
    assert response.status_code == 400
    assert "Say what happened and what changed before publishing." in response.text

    texts = {
        "what_happened": "Harbor Printing Ltd got **wrong** forms. <script>alert(1)</script>",
        "how_and_why": "- a template\n- no proof",
        "what_was_done": "Reprinted.",
        "what_changed": "We proof every run.",
        "publish": "on",
    }
    assert client.post(url, texts).status_code == 302
    incident.postmortem.refresh_from_db()
    assert incident.postmortem.published_at is not None
    page = client.get(reverse("incidents:detail", args=[incident.pk])).text
    assert "<strong>wrong</strong>" in page and "<li>a template</li>" in page
    assert "<script>alert(1)</script>" not in page
    public = client.get(
        reverse("incidents:postmortem-public", args=[incident.postmortem.public_key])
    ).text
    assert "Harbor Printing" not in public and "[a customer] got <strong>wrong</strong>" in public


def test_it_adds_accounts_to_an_incident(client, people, account, declare):
    incident = declare([account])
    second = account_create(
        actor=Actor(user=people.agent, via="web"), team=people.north, name="Lake Bakery"
    )
    client.force_login(people.agent)
    url = reverse("incidents:add-accounts", args=[incident.pk])
    again = client.post(url, {"account": [account.pk]})
    assert again.status_code == 400 and "Already affected" in again.text
    assert client.post(url, {"account": [second.pk], f"people-{second.pk}": "4"}).status_code == 302
    assert incident.cases.count() == 2
    assert incident.affected.get(account=second).people == 4


def test_it_lists_open_incidents_and_resolves_one(client, people, account, declare):
    incident = declare([account])
    client.force_login(people.agent)
    assert incident.title in client.get(reverse("incidents:list")).text
    client.post(reverse("incidents:status", args=[incident.pk]), {"status": "resolved"})
    assert incident.title not in client.get(reverse("incidents:list")).text
    assert incident.title in client.get(reverse("incidents:list"), {"status": "resolved"}).text


def test_the_incident_page_lists_the_affected_accounts_fifty_at_a_time(client, people, declare):
    actor = Actor(user=people.agent, via="web")
    accounts = [
        account_create(actor=actor, team=people.north, name=f"Client {n:03}") for n in range(51)
    ]
    incident = declare(accounts)
    client.force_login(people.agent)
    url = reverse("incidents:detail", args=[incident.pk])

    first = client.get(url).text
    assert len(re.findall(r'<a href="/accounts/\d+/">Client', first)) == 50
    assert "Client 000" in first and "Client 049" in first and "Client 050" not in first
    assert "Accounts 1 to 50 of 51" in first and 'href="?page=2#affected-accounts"' in first

    # The pager asks htmx for the next page: only the table comes back.
    second = client.get(url, {"page": 2}, headers={"HX-Request": "true"})
    assert "HX-Request" in second["Vary"]
    assert second.text.lstrip().startswith('<div id="affected-table">')
    assert "Client 050" in second.text and "Client 049" not in second.text
    assert "Accounts 51 to 51 of 51" in second.text and "<html" not in second.text


def test_the_incident_page_counts_the_affected_accounts_another_team_holds(
    client, people, account, south_account, declare
):
    incident = declare([account, south_account], actor=Actor(user=people.admin, via="web"))
    client.force_login(people.outsider)
    page = client.get(reverse("incidents:detail", args=[incident.pk])).text
    assert "Southern Foods" in page and "Harbor Printing Ltd" not in page
    assert "One more affected account belongs to a team you cannot see." in page
    client.force_login(people.admin)
    page = client.get(reverse("incidents:detail", args=[incident.pk])).text
    assert "Southern Foods" in page and "Harbor Printing Ltd" in page
    assert "belongs to a team you cannot see" not in page


def test_the_list_counts_each_incidents_accounts_and_open_cases(people, account, declare):
    from amends.incidents.selectors import incident_list_for
    from amends.recovery.services import case_close, step_skip
    from amends.timeline.services import Actor

    actor = Actor(user=people.agent, via="web")
    others = [account_create(actor=actor, team=people.north, name=f"Client {n}") for n in range(3)]
    big = declare([account, *others], title="Four hurt")
    small = declare([account], title="One hurt")
    case = big.cases.get(account=account)
    for step in case.steps.all():
        step_skip(actor=actor, step=step, reason="settled by phone")
    case_close(actor=actor, case=case, outcome="recovered", confirm_skipped=True)

    counts = {i.title: (i.accounts, i.open_cases) for i in incident_list_for(user=people.agent)}
    assert counts == {big.title: (4, 3), small.title: (1, 1)}
