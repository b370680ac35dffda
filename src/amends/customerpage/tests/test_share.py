"""The customer's page: a secret link to the plan, dated updates, and nothing
internal. The outsider sees none of the team's buttons; the viewer reads only."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from amends.accounts.services import account_create
from amends.customerpage.models import CaseShare, CaseUpdate
from amends.customerpage.services import case_share_create, case_share_revoke, case_update_post
from amends.people.services import token_create
from amends.recovery.escalation import deadlines_check
from amends.recovery.services import (
    case_pause,
    commitment_add,
    commitment_break,
    commitment_keep,
    commitment_renegotiate,
    record_add,
)
from amends.timeline.models import Event
from amends.timeline.services import Actor

pytestmark = pytest.mark.django_db

# Each of these is on the case or near it, and none may reach the customer.
INTERNAL = [
    "NOTE-SECRET-7731",  # a note on the first contact
    "APOLOGY-WORDS-4410",  # the apology's words
    "EXPLANATION-3303",  # the explanation on record
    "PAUSE-REASON-9921",  # why the clock is paused
    "BROKEN-REASON-5512",  # why a promise was broken
    "CHANGE-OWNER-2207",  # who makes the preventive change
    "Zeta Widgets",  # another account hurt by the same incident
    "alex.owner@amends.example",  # the owner's email
    "joanna@harbor.example",  # the contact's email
    "Late step",  # an escalation's reason
    "65,000 tax forms",  # the incident's title
]


@pytest.fixture
def agent(people):
    return Actor(user=people.agent, via="web")


@pytest.fixture
def case(declare, account, people):
    people.agent.email = "alex.owner@amends.example"
    people.agent.save()
    other = account_create(
        actor=Actor(user=people.agent, via="web"), team=people.north, name="Zeta Widgets"
    )
    return declare([account, other]).cases.get(account=account)


def _plan(case, agent):
    """A case with a plan for the customer, and internal records around it."""
    now = timezone.now()
    due = now + timedelta(days=2)
    make = dict(actor=agent, case=case, owner=agent.user, due_at=due, free_of_charge=True)
    reprint = commitment_add(what="Reprint every form", measure="65,000 forms delivered", **make)
    call = commitment_add(what="Call every week", measure="A call each Monday", **make)
    late = commitment_add(what="Check each pallet", measure="A signed checklist", **make)
    gone = commitment_add(what="Refund the postage", measure="Credit note sent", **make)
    commitment_keep(actor=agent, commitment=reprint, now=now)
    commitment_keep(actor=agent, commitment=late, now=due + timedelta(hours=1))
    commitment_break(actor=agent, commitment=gone, reason="BROKEN-REASON-5512")
    renegotiated = commitment_renegotiate(
        actor=agent,
        commitment=call,
        reason="They asked for Tuesdays",
        due_at=now + timedelta(days=9),
    )
    record_add(
        actor=agent,
        case=case,
        kind="contact",
        data={"channel": "call", "with_whom": "Joanna", "note": "NOTE-SECRET-7731"},
    )
    record_add(
        actor=agent,
        case=case,
        kind="apology",
        data={"channel": "call", "words": "I am sorry. APOLOGY-WORDS-4410"},
    )
    record_add(actor=agent, case=case, kind="explanation", data={"text": "EXPLANATION-3303"})
    record_add(
        actor=agent,
        case=case,
        kind="preventive_change",
        data={
            "what": "A second proof-reader on every tax form",
            "how_customer_is_told": "Joanna hears from us the same day",
            "owner": "CHANGE-OWNER-2207",
        },
    )
    deadlines_check(now=now + timedelta(days=30))
    case_pause(actor=agent, case=case, reason="PAUSE-REASON-9921")
    return renegotiated


def _share(case, agent):
    share, made = case_share_create(actor=agent, case=case)
    assert made
    return share


def test_it_shows_the_plan_and_nothing_internal(client, people, case, agent):
    renegotiated = _plan(case, agent)
    case_update_post(actor=agent, case=case, text="The reprint left the press today.")
    share = _share(case, agent)

    page = client.get(f"/c/{share.key}/")

    assert page.status_code == 200
    text = page.content.decode()
    assert "Our plan for Harbor Printing Ltd" in text
    for what in ["Reprint every form", "65,000 forms delivered", "Call every week"]:
        assert what in text
    assert "free of charge" in text
    for status in ["Kept", "Kept late", "Broken", "Renegotiated", "Open"]:
        assert f">{status}</span>" in text
    new_date = timezone.localtime(renegotiated.due_at).strftime("%Y")
    assert "agreed anew: now by" in text and new_date in text
    assert "A second proof-reader on every tax form" in text
    assert "Joanna hears from us the same day" in text
    assert "The reprint left the press today." in text
    for secret in INTERNAL:
        assert secret not in text, secret
    assert "alex" not in text.lower()


def test_it_keeps_the_page_out_of_search_engines_and_referrers(client, case, agent):
    share = _share(case, agent)
    page = client.get(f"/c/{share.key}/")
    assert page["X-Robots-Tag"].startswith("noindex")
    assert page["Referrer-Policy"] == "same-origin"
    assert "no-store" in page["Cache-Control"]
    assert '<meta name="referrer" content="same-origin">' in page.content.decode()


def test_it_answers_404_for_a_revoked_link_at_once_and_a_new_one_works(client, case, agent):
    first = _share(case, agent)
    assert client.get(f"/c/{first.key}/").status_code == 200

    case_share_revoke(actor=agent, case=case)

    gone = client.get(f"/c/{first.key}/")
    assert gone.status_code == 404
    assert "This link no longer works" in gone.content.decode()
    assert gone["X-Robots-Tag"].startswith("noindex")
    second = _share(case, agent)
    assert second.key != first.key and len(second.key) == 43
    assert client.get(f"/c/{second.key}/").status_code == 200
    assert client.get(f"/c/{first.key}/").status_code == 404
    assert client.get("/c/not-a-key/").status_code == 404


def test_it_shows_an_update_with_a_script_as_text(client, case, agent):
    case_update_post(actor=agent, case=case, text='<script>alert("x")</script>\nsecond line')
    share = _share(case, agent)
    text = client.get(f"/c/{share.key}/").content.decode()
    assert "<script>" not in text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;<br>second line" in text


def test_it_speaks_the_customers_language(client, account, case, agent):
    account.language = "el"
    account.save()
    commitment = commitment_add(
        actor=agent,
        case=case,
        what="Reprint",
        measure="Delivered",
        owner=agent.user,
        due_at=timezone.now() - timedelta(hours=1),
        now=timezone.now() - timedelta(days=1),  # promised yesterday, for an hour ago
    )
    commitment_keep(actor=agent, commitment=commitment)
    share = _share(case, agent)
    page = client.get(f"/c/{share.key}/")
    assert page["Content-Language"] == "el"
    text = page.content.decode()
    assert '<html lang="el">' in text
    assert "Τηρήθηκε με καθυστέρηση" in text  # kept late


def test_one_live_link_a_second_click_gives_the_same(case, agent):
    share = _share(case, agent)
    again, made = case_share_create(actor=agent, case=case)
    assert again == share and not made
    assert CaseShare.objects.filter(case=case).count() == 1


def test_every_change_lands_on_the_accounts_timeline(client, people, case):
    client.force_login(people.agent)
    client.post(reverse("customerpage:share-create", args=[case.pk]))
    client.post(
        reverse("customerpage:share-update", args=[case.pk]), {"text": "Forms are on the way"}
    )
    client.post(reverse("customerpage:share-revoke", args=[case.pk]))

    events = Event.objects.filter(account_id=case.account_id, subject_id=case.pk)
    actions = list(events.order_by("id").values_list("action", flat=True))
    assert actions[-3:] == ["case.share_created", "case.update_posted", "case.share_revoked"]
    posted = events.get(action="case.update_posted")
    assert posted.after["text"] == "Forms are on the way" and posted.actor == people.agent
    share = CaseShare.objects.get(case=case)
    assert share.revoked_at is not None
    # The key never reaches the timeline: it outlives the link.
    assert not any(share.key in str(e.after) + e.summary for e in events)


def test_the_case_page_offers_share_copy_revoke_and_updates(client, people, case, agent):
    client.force_login(people.agent)
    url = reverse("recovery:case", args=[case.pk])
    page = client.get(url).content.decode()
    assert "Make a link for the customer" in page and "Post the update" in page

    made = client.post(reverse("customerpage:share-create", args=[case.pk]), follow=True)
    text = made.content.decode()
    share = CaseShare.objects.get(case=case)
    assert "Link made." in text
    assert f"/c/{share.key}/" in text and "Copy the link" in text and "Revoke the link" in text

    posted = client.post(
        reverse("customerpage:share-update", args=[case.pk]), {"text": "<b>bold</b>"}, follow=True
    )
    assert "&lt;b&gt;bold&lt;/b&gt;" in posted.content.decode()

    empty = client.post(
        reverse("customerpage:share-update", args=[case.pk]), {"text": " "}, follow=True
    )
    assert "Write the update for the customer." in empty.content.decode()
    assert CaseUpdate.objects.filter(case=case).count() == 1

    revoked = client.post(reverse("customerpage:share-revoke", args=[case.pk]), follow=True)
    text = revoked.content.decode()
    assert "Link revoked" in text and "The last link was revoked" in text


def test_a_viewer_sees_the_link_and_updates_but_cannot_change_them(client, people, case, agent):
    share = _share(case, agent)
    case_update_post(actor=agent, case=case, text="Forms are on the way")
    client.force_login(people.viewer)

    page = client.get(reverse("recovery:case", args=[case.pk])).content.decode()
    assert f"/c/{share.key}/" in page and "Forms are on the way" in page
    assert "Revoke the link" not in page and "Post the update" not in page

    assert client.post(reverse("customerpage:share-revoke", args=[case.pk])).status_code == 403
    assert client.post(reverse("customerpage:share-create", args=[case.pk])).status_code == 403
    update = client.post(reverse("customerpage:share-update", args=[case.pk]), {"text": "x"})
    assert update.status_code == 403
    share.refresh_from_db()
    assert share.revoked_at is None
    assert CaseUpdate.objects.count() == 1


def test_an_outsider_finds_none_of_it(client, people, case, agent):
    share = _share(case, agent)
    client.force_login(people.outsider)
    for name in ["share-create", "share-revoke", "share-update"]:
        answer = client.post(reverse(f"customerpage:{name}", args=[case.pk]), {"text": "x"})
        assert answer.status_code == 404, name
    share.refresh_from_db()
    assert share.revoked_at is None and not CaseUpdate.objects.exists()


def test_the_buttons_change_nothing_on_get_and_ask_for_a_login(client, people, case):
    assert client.post(reverse("customerpage:share-create", args=[case.pk])).status_code == 302
    client.force_login(people.agent)
    assert client.get(reverse("customerpage:share-create", args=[case.pk])).status_code == 405
    assert not CaseShare.objects.exists()


def test_a_closed_case_keeps_its_page_and_its_link_can_still_be_revoked(case, agent, client):
    share = _share(case, agent)
    case.steps.update(done_at=timezone.now(), skipped_reason="test")
    from amends.recovery.services import case_close

    case_close(actor=agent, case=case, outcome="lost", note="CLOSING-NOTE-1")
    text = client.get(f"/c/{share.key}/").content.decode()
    assert "Complete" in text and "CLOSING-NOTE-1" not in text and "Lost" not in text
    assert case_share_revoke(actor=agent, case=case) is not None
    assert client.get(f"/c/{share.key}/").status_code == 404


# -- the API -------------------------------------------------------------------------


@pytest.fixture
def call(client, people):
    tokens = {}

    def call(method, url, body=None, *, user=None):
        headers = {}
        if user is not None:
            if user.pk not in tokens:
                tokens[user.pk] = token_create(user=user, name="t").secret
            headers["HTTP_AUTHORIZATION"] = f"Bearer {tokens[user.pk]}"
        return getattr(client, method)(url, body, content_type="application/json", **headers)

    return call


def test_the_api_shares_posts_reads_and_revokes(call, people, case, agent):
    _plan(case, agent)
    url = f"/api/v1/cases/{case.pk}/share"

    made = call("post", url, user=people.agent)
    assert made.status_code == 201, made.content
    key = made.json()["key"]
    assert made.json()["url"].endswith(f"/c/{key}/")
    assert call("post", url, user=people.agent).status_code == 200  # the same live link
    assert call("get", url, user=people.viewer).json()["key"] == key

    posted = call(
        "post", f"/api/v1/cases/{case.pk}/updates", {"text": "On its way"}, user=people.agent
    )
    assert posted.status_code == 201 and posted.json()["text"] == "On its way"
    blank = call("post", f"/api/v1/cases/{case.pk}/updates", {"text": ""}, user=people.agent)
    assert blank.status_code == 422 and blank.json()["errors"][0]["field"] == "text"

    plan = call("get", f"/api/v1/shared/{key}")  # no login
    assert plan.status_code == 200
    assert plan["X-Robots-Tag"].startswith("noindex")
    assert plan["Referrer-Policy"] == "no-referrer"
    body = plan.json()
    assert body["account_name"] == "Harbor Printing Ltd"
    statuses = {c["what"]: c["status"] for c in body["commitments"] if c["status"] != "open"}
    assert statuses == {
        "Reprint every form": "kept",
        "Check each pallet": "kept_late",
        "Refund the postage": "broken",
        "Call every week": "renegotiated",
    }
    renegotiated = next(c for c in body["commitments"] if c["status"] == "renegotiated")
    assert renegotiated["new_due_at"] is not None
    assert body["changes"] == [
        {
            "what": "A second proof-reader on every tax form",
            "how_customer_is_told": "Joanna hears from us the same day",
        }
    ]
    assert [u["text"] for u in body["updates"]] == ["On its way"]
    for secret in INTERNAL:
        assert secret not in plan.content.decode(), secret

    assert call("delete", url, user=people.agent).status_code == 204
    assert call("get", f"/api/v1/shared/{key}").status_code == 404
    assert call("delete", url, user=people.agent).status_code == 404
    assert call("get", url, user=people.agent).status_code == 404


def test_the_api_refuses_viewers_and_hides_the_case_from_outsiders(call, people, case, agent):
    url = f"/api/v1/cases/{case.pk}/share"
    updates = f"/api/v1/cases/{case.pk}/updates"
    share = _share(case, agent)

    assert call("post", url, user=people.viewer).status_code == 403
    assert call("delete", url, user=people.viewer).status_code == 403
    assert call("post", updates, {"text": "x"}, user=people.viewer).status_code == 403
    assert call("get", url, user=people.viewer).status_code == 200

    for method, path, body in [
        ("get", url, None),
        ("post", url, None),
        ("delete", url, None),
        ("post", updates, {"text": "x"}),
    ]:
        answer = call(method, path, body, user=people.outsider)
        assert answer.status_code == 404, (method, path)
        assert answer.json()["message"]
    assert call("post", url).status_code == 401  # no token
    share.refresh_from_db()
    assert share.revoked_at is None and not CaseUpdate.objects.exists()
