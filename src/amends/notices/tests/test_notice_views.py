"""Notices on the web and over the API: the incident page's panel, the notice's
page and its buttons, the endpoints, and who may do what. The team writes and
sends; its viewer only looks; the outsider, and someone of another team who sees
the incident through an affected account of their own, learn nothing."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from amends.incidents.models import AffectedAccount
from amends.notices.models import NoticeRun, NoticeState
from amends.notices.services import notice_recipients_import, notice_run_create, notice_run_start
from amends.people.services import token_create
from amends.timeline.services import Actor
from conftest import login

pytestmark = pytest.mark.django_db

TEXTS = {"en": {"subject": "Your form {{ fields.form_no }}", "body": "Dear {{ name }}, sorry."}}
GOOD = b"email,name,language,form_no\njoanna@harbor.example,Joanna,en,F-1\nsam@x.example,Sam,,F-2\n"
BAD = b"email,name,language,form_no\nnope,Joanna,en,F-1\nsam@x.example,Sam,xx,F-2\n"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def incident(declare, account, south_account):
    made = declare([account])
    # Team South sees this incident through its own account, but not North's notices.
    AffectedAccount.objects.create(incident=made, account=south_account)
    return made


@pytest.fixture
def run(people, incident):
    actor = Actor(user=people.agent, via="web")
    made = notice_run_create(actor=actor, incident=incident, name="Corrected forms", texts=TEXTS)
    notice_recipients_import(actor=actor, run=made, stream=io.BytesIO(GOOD))
    return made


def upload(data: bytes, name="people.csv"):
    return SimpleUploadedFile(name, data, content_type="text/csv")


def test_the_incident_page_loads_the_notices_panel_for_the_team(client, people, incident, run):
    login(client, people.agent)
    page = client.get(reverse("incidents:detail", args=[incident.pk]))
    assert f'hx-get="/incidents/{incident.pk}/notices/"' in page.content.decode()
    panel = client.get(f"/incidents/{incident.pk}/notices/", HTTP_HX_TARGET="notices", **HTMX)
    html = panel.content.decode()
    assert panel.status_code == 200 and "<html" not in html
    assert "Corrected forms" in html and "0 of 2 sent" in html and "Write a notice" in html
    assert panel["Vary"] and "HX-Request" in panel["Vary"]


def test_the_viewer_sees_progress_but_no_buttons(client, people, incident, run):
    login(client, people.viewer)
    html = client.get(f"/incidents/{incident.pk}/notices/", **HTMX).content.decode()
    assert "Corrected forms" in html and "Write a notice" not in html
    page = client.get(reverse("notices:notice", args=[run.pk])).content.decode()
    assert "Dear Joanna, sorry." in page and "Send to 2 people" not in page
    assert "Upload the list" not in page


@pytest.mark.parametrize("who", ["outsider", "south_reader"])
def test_outsiders_learn_nothing_of_the_notices(client, people, incident, run, who):
    user = people.outsider
    if who == "south_reader":
        # Otto sees the incident (his team's account is affected) but not North's notices.
        assert client.get(reverse("incidents:detail", args=[incident.pk])).status_code in (302,)
        login(client, user)
        assert client.get(reverse("incidents:detail", args=[incident.pk])).status_code == 200
    else:
        login(client, user)
    assert client.get(f"/incidents/{incident.pk}/notices/").status_code == 404
    assert client.get(f"/incidents/{incident.pk}/notices/", **HTMX).status_code == 404
    assert client.get(reverse("notices:notice", args=[run.pk])).status_code == 404
    for name in ["start", "pause", "resume", "retry", "texts", "recipients", "rate"]:
        assert client.post(reverse(f"notices:notice-{name}", args=[run.pk])).status_code == 404
    post = client.post(f"/incidents/{incident.pk}/notices/", {"name": "x"})
    assert post.status_code == 404
    assert NoticeRun.objects.count() == 1


def test_the_viewer_may_change_nothing(client, people, incident, run):
    login(client, people.viewer)
    for name in ["start", "pause", "resume", "retry", "texts", "recipients", "rate"]:
        assert client.post(reverse(f"notices:notice-{name}", args=[run.pk])).status_code == 403
    delete = reverse("notices:notice-text-delete", args=[run.pk, "en"])
    assert client.post(delete).status_code == 403
    post = client.post(f"/incidents/{incident.pk}/notices/", {"name": "x"})
    assert post.status_code == 403
    run.refresh_from_db()
    assert run.state == NoticeState.DRAFT and list(run.texts) == ["en"]


def test_writing_a_notice_with_its_people_on_the_incident_page(client, people, incident):
    login(client, people.agent)
    form = {
        "name": "Corrected forms",
        "language": "en",
        "subject": "Your form {{ fields.form_no }}",
        "body": "Dear {{ name }}",
    }
    bad = client.post(f"/incidents/{incident.pk}/notices/", {**form, "file": upload(BAD)})
    assert bad.status_code == 400
    html = bad.content.decode()
    assert "Nobody was queued" in html and "“nope” is not an email address" in html
    assert "unknown language “xx”" in html
    assert not NoticeRun.objects.exists()  # a bad file leaves no notice behind

    good = client.post(f"/incidents/{incident.pk}/notices/", {**form, "file": upload(GOOD)})
    run = NoticeRun.objects.get()
    assert good.status_code == 302 and good["Location"] == f"/notices/{run.pk}/"
    assert run.recipients.count() == 2
    page = client.get(good["Location"]).content.decode()
    assert "Send to 2 people" in page and "Your form F-1" in page


def test_a_text_with_a_mistake_is_shown_on_its_field(client, people, incident):
    login(client, people.agent)
    form = {"name": "n", "language": "en", "subject": "Hi {% if %}", "body": "b"}
    page = client.post(f"/incidents/{incident.pk}/notices/", form)
    assert page.status_code == 400 and "This text has a mistake" in page.content.decode()


def test_the_team_adds_a_language_uploads_starts_pauses_and_resumes(client, people, run):
    login(client, people.agent)
    texts = reverse("notices:notice-texts", args=[run.pk])
    client.post(texts, {"language": "pl", "subject": "Formularz", "body": "Szanowni {{ name }}"})
    run.refresh_from_db()
    assert list(run.texts) == ["en", "pl"]
    client.post(reverse("notices:notice-text-delete", args=[run.pk, "pl"]))
    run.refresh_from_db()
    assert list(run.texts) == ["en"]

    bad = client.post(reverse("notices:notice-recipients", args=[run.pk]), {"file": upload(BAD)})
    assert bad.status_code == 400 and run.recipients.count() == 2
    client.post(reverse("notices:notice-rate", args=[run.pk]), {"rate_per_second": "25"})
    client.post(reverse("notices:notice-start", args=[run.pk]))
    run.refresh_from_db()
    assert (run.state, run.rate_per_second) == (NoticeState.RUNNING, 25)

    progress = client.get(reverse("notices:notice", args=[run.pk]), **HTMX).content.decode()
    assert progress.lstrip().startswith('<section class="panel" id="notice-progress"')
    assert 'hx-trigger="every 2s"' in progress and "Pause" in progress
    client.post(reverse("notices:notice-pause", args=[run.pk]))
    run.refresh_from_db()
    assert run.state == NoticeState.PAUSED
    progress = client.get(reverse("notices:notice", args=[run.pk]), **HTMX).content.decode()
    assert "every 2s" not in progress and "Resume" in progress
    client.post(reverse("notices:notice-resume", args=[run.pk]))
    run.refresh_from_db()
    assert run.state == NoticeState.RUNNING
    again = client.post(reverse("notices:notice-start", args=[run.pk]), follow=True)
    assert "This notice has started" in again.content.decode()


# -- the API ------------------------------------------------------------------------


@pytest.fixture
def api(client, people):
    tokens = {}

    def call(user, method, url, body=None, **extra):
        if user.pk not in tokens:
            tokens[user.pk] = token_create(user=user, name="test").secret
        kwargs = {"HTTP_AUTHORIZATION": f"Bearer {tokens[user.pk]}", **extra}
        if method in ("post", "put", "patch") and "content_type" not in extra:
            if isinstance(body, dict) and any(hasattr(v, "read") for v in body.values()):
                return getattr(client, method)(url, body, **kwargs)
            kwargs["content_type"] = "application/json"
        return getattr(client, method)(url, body, **kwargs)

    return call


def test_the_api_writes_uploads_starts_and_reads_a_notice(api, people, incident):
    created = api(
        people.agent,
        "post",
        f"/api/v1/incidents/{incident.pk}/notices",
        {"name": "Corrected forms", "texts": TEXTS, "rate_per_second": 50},
    )
    assert created.status_code == 201, created.content
    run_id = created.json()["id"]
    url = f"/api/v1/notices/{run_id}"
    rejected = api(people.agent, "post", f"{url}/recipients", {"file": upload(BAD)})
    assert rejected.status_code == 422
    body = rejected.json()
    assert body["message"].startswith("2 problem(s)")
    assert body["errors"][0] == {
        "field": "email",
        "line": 2,
        "message": "“nope” is not an email address",
    }
    assert api(people.agent, "post", f"{url}/recipients", {"file": upload(GOOD)}).json() == {
        "recipients": 2
    }
    texts = {"en": TEXTS["en"], "el": {"subject": "Έντυπο", "body": "Αγαπητέ {{ name }}"}}
    assert list(api(people.agent, "put", f"{url}/texts", {"texts": texts}).json()["texts"]) == [
        "en",
        "el",
    ]
    started = api(people.agent, "post", f"{url}/start")
    assert started.status_code == 200 and started.json()["state"] == "running"
    assert started.json()["counts"] == {
        "pending": 2,
        "sending": 0,
        "sent": 0,
        "failed": 0,
        "total": 2,
        "in_doubt": 0,
        "bounced": 0,
    }
    assert api(people.agent, "post", f"{url}/pause").json()["state"] == "paused"
    assert api(people.agent, "patch", url, {"rate_per_second": 10}).json()["rate_per_second"] == 10
    assert api(people.agent, "post", f"{url}/resume").json()["state"] == "running"
    again = api(people.agent, "post", f"{url}/start")
    assert again.status_code == 422 and again.json()["message"]
    listed = api(people.viewer, "get", f"/api/v1/incidents/{incident.pk}/notices").json()
    assert [r["id"] for r in listed] == [run_id]
    page = api(people.viewer, "get", f"{url}/recipients", {"state": "pending"}).json()
    assert page["count"] == 2 and page["items"][0]["email"] == "joanna@harbor.example"


def test_the_api_refuses_viewers_and_hides_from_outsiders(api, people, incident, run):
    url = f"/api/v1/notices/{run.pk}"
    writes = [
        ("post", f"/api/v1/incidents/{incident.pk}/notices", {"name": "x", "texts": TEXTS}),
        ("patch", url, {"rate_per_second": 5}),
        ("put", f"{url}/texts", {"texts": TEXTS}),
        ("post", f"{url}/recipients", {"file": upload(GOOD)}),
        ("post", f"{url}/start", None),
        ("post", f"{url}/pause", None),
        ("post", f"{url}/resume", None),
        ("post", f"{url}/retry", None),
    ]
    reads = [f"/api/v1/incidents/{incident.pk}/notices", url, f"{url}/recipients"]
    for method, path, body in writes:
        refused = api(people.viewer, method, path, body)
        assert refused.status_code == 403, path
        assert set(refused.json()) == {"message", "errors"}
        hidden = api(people.outsider, method, path, body)
        assert hidden.status_code == 404, path
        assert set(hidden.json()) == {"message", "errors"}
    for path in reads:
        assert api(people.viewer, "get", path).status_code == 200
        assert api(people.outsider, "get", path).status_code == 404
    run.refresh_from_db()
    assert run.state == NoticeState.DRAFT and NoticeRun.objects.count() == 1


def test_a_started_notice_is_sent_by_the_worker_and_shows_done(client, people, run, run_tasks):
    from django.core import mail

    notice_run_start(actor=Actor(user=people.agent, via="web"), run=run)
    mail.outbox = []
    run_tasks()
    assert sorted(m.to[0] for m in mail.outbox) == ["joanna@harbor.example", "sam@x.example"]
    login(client, people.viewer)
    progress = client.get(reverse("notices:notice", args=[run.pk]), **HTMX).content.decode()
    assert "2 of 2 sent" in progress and "every 2s" not in progress and "Done" in progress


def test_a_recipient_name_with_markup_is_shown_as_text_on_the_notice_page(client, people, incident):
    actor = Actor(user=people.agent, via="web")
    made = notice_run_create(actor=actor, incident=incident, name="Forms", texts=TEXTS)
    hostile = (
        b"email,name,language,form_no\nx@harbor.example,<script>alert(1)</script>,en,<b>F</b>\n"
    )
    notice_recipients_import(actor=actor, run=made, stream=io.BytesIO(hostile))
    login(client, people.agent)
    html = client.get(reverse("notices:notice", args=[made.pk])).content.decode()
    assert "Dear &lt;script&gt;alert(1)&lt;/script&gt;, sorry." in html
    assert "<script>alert(1)" not in html and "<b>F</b>" not in html


def test_a_text_that_would_grow_without_end_is_refused_when_it_is_saved(people, incident):
    from django.core.exceptions import ValidationError

    actor = Actor(user=people.agent, via="web")
    texts = {"en": {"subject": "Hi", "body": '{{ name|ljust:"20000000" }}'}}
    with pytest.raises(ValidationError) as refused:
        notice_run_create(actor=actor, incident=incident, name="Big", texts=texts)
    assert "ljust" in str(refused.value.message_dict["texts.en.body"])


def test_it_shows_on_the_notice_page_how_many_may_have_gone_twice(client, people, run):
    login(client, people.agent)
    notice_run_start(actor=Actor(user=people.agent, via="web"), run=run)
    page = client.get(reverse("notices:notice", args=[run.pk])).content.decode()
    assert "may have been delivered twice" not in page
    # A sender died with line 2's message in hand; the next one queued it again.
    run.recipients.filter(line=2).update(in_doubt=1)
    progress = client.get(reverse("notices:notice", args=[run.pk]), **HTMX).content.decode()
    assert (
        "1 may have been delivered twice, with the same Message-ID, "
        "after a sender stopped mid-send." in progress
    )
    assert "de-duplicates on the Message-ID keeps one copy" in progress


def test_it_gives_the_messages_in_doubt_in_the_api(api, people, run):
    notice_run_start(actor=Actor(user=people.agent, via="web"), run=run)
    run.recipients.filter(line=2).update(in_doubt=1)
    read = api(people.viewer, "get", f"/api/v1/notices/{run.pk}").json()
    assert read["counts"]["in_doubt"] == 1 and read["counts"]["total"] == 2
    items = api(people.viewer, "get", f"/api/v1/notices/{run.pk}/recipients").json()["items"]
    assert [(r["line"], r["in_doubt"]) for r in items] == [(2, 1), (3, 0)]
