"""Messages and the coach through the API: the same once-only sending, the same
refusals, the one error shape."""

import pytest

from amends.comms.models import Message

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(declare, account):
    return declare([account]).cases.get()


def _apology(**changes):
    return {
        "kind": "apology",
        "to_email": "joanna@harbor.example",
        "to_name": "Joanna Nowak",
        "subject": "I am sorry about the forms",
        "body": "I am sorry. I will reprint every form by Friday.\n\nalex",
        **changes,
    }


GOOD = {
    "en": "Dear Joanna, I am sorry. I sent your team 1,200 forms printed with last year's date, "
    "and your staff lost two days checking them. I will reprint every form and deliver them "
    "to your office by Friday 27 November. Maria Nowak",
    "zh-hans": "张女士，对不起。我把去年的模板用在了您公司的1200份税表上，"
    "让您的同事白白核对了两天。我会在11月27日前把全部重新打印的税表送到您的办公室。李伟",
    "el": "Κυρία Παππά, λυπάμαι. Έστειλα στην ομάδα σας 1.200 έντυπα με λάθος έτος και το "
    "προσωπικό σας έχασε δύο ημέρες. Θα τυπώσω ξανά όλα τα έντυπα και θα τα παραδώσω στο "
    "γραφείο σας μέχρι την Παρασκευή 27 Νοεμβρίου. Ελένη Γεωργίου",
    "pl": "Pani Joanno, przepraszam. Wysłałem Państwa zespołowi 1200 formularzy z zeszłorocznym "
    "szablonem i Państwa pracownicy stracili dwa dni. Wydrukuję wszystkie formularze "
    "ponownie i dostarczę je do biura do piątku 27 listopada. Tomasz Wójcik",
}
BAD = {
    "en": "Acme regrets any inconvenience caused. Unfortunately our supplier made an error.",
    "zh-hans": "本公司对给您带来的不便深表歉意，但是这是供应商的问题，敬请谅解！！",
    "el": "Η εταιρεία λυπούμαστε για την ταλαιπωρία. Δυστυχώς ο προμηθευτής έκανε λάθος.",
    "pl": "Firma przeprasza za wszelkie niedogodności. Niestety kurier zgubił paczkę.",
}


@pytest.mark.parametrize("language", ["en", "zh-hans", "el", "pl"])
def test_the_coach_answers_in_each_language(call, people, language):
    good = call("post", "/api/v1/coach", {"text": GOOD[language], "language": language})
    assert good.status_code == 200, good.content
    body = good.json()
    assert body["language"] == language
    assert body["passed"] == body["total"] == 5
    assert all(f["ok"] for f in body["findings"])

    bad = call("post", "/api/v1/coach", {"text": BAD[language], "author": "Maria Nowak"}).json()
    assert bad["language"] == language  # guessed from the text
    verdicts = {f["check"]: f for f in bad["findings"]}
    assert not verdicts["first_person"]["ok"] and not verdicts["no_excuses"]["ok"]
    assert verdicts["no_excuses"]["evidence"]
    assert not verdicts["signed"]["ok"]


def test_the_coach_reads_explanations_and_refuses_other_kinds(call):
    text = "I am sorry. The forms were wrong because the template was old. I will fix it by Friday."
    explained = call("post", "/api/v1/coach", {"text": text, "kind": "explanation"}).json()
    assert {f["check"]: f["ok"] for f in explained["findings"]}["says_why"] is True
    refused = call("post", "/api/v1/coach", {"text": text, "kind": "update"})
    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        {"field": "kind", "message": "must be apology or explanation"}
    ]
    assert call("post", "/api/v1/coach", {"kind": "apology"}).status_code == 422


def test_it_sends_once_then_resends_when_asked(call, case, smtp_server):
    url = f"/api/v1/cases/{case.pk}/messages"
    first = call("post", url, _apology())
    assert first.status_code == 201, first.content
    assert first.json()["sent_now"] and first.json()["message"]["state"] == "sent"
    assert first.json()["message"]["to_email"] == "joanna@harbor.example"

    second = call("post", url, _apology(body="Different words"))
    assert second.status_code == 200
    assert second.json()["already_sent"] and not second.json()["sent_now"]
    assert second.json()["message"]["id"] == first.json()["message"]["id"]

    again = call("post", url, _apology(resend=True))
    assert again.status_code == 201
    assert again.json()["message"]["resend_of_id"] == first.json()["message"]["id"]
    assert smtp_server.wait_for(2)
    assert len(smtp_server.to("joanna@harbor.example")) == 2

    listed = call("get", url).json()
    assert [m["id"] for m in listed] == [
        again.json()["message"]["id"],
        first.json()["message"]["id"],
    ]
    assert listed[1]["sent_by"] == "alex"


def test_a_message_the_mail_server_refused_is_accepted_for_later(call, case, settings):
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 1, "timeout": 1},
        }
    }
    response = call("post", f"/api/v1/cases/{case.pk}/messages", _apology())
    assert response.status_code == 202
    assert response.json()["message"]["state"] == "failed"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "notice"}, "kind"),
        ({"to_email": "joanna"}, "to_email"),
        ({"subject": "  "}, "body"),
    ],
)
def test_it_refuses_a_bad_message_in_the_one_error_shape(call, case, changes, field):
    response = call("post", f"/api/v1/cases/{case.pk}/messages", _apology(**changes))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field
    assert not Message.objects.exists()


def test_outsiders_get_404_and_viewers_403(call, people, case, account, smtp_server):
    url = f"/api/v1/cases/{case.pk}/messages"
    assert call("post", url, _apology()).status_code == 201
    for path in (url, f"/api/v1/accounts/{account.pk}/value-summary"):
        assert call("get", path, user=people.outsider).status_code == 404
        assert call("get", path, user=people.viewer).status_code == 200
    assert call("post", url, _apology(resend=True), user=people.outsider).status_code == 404
    refused = call("post", url, _apology(resend=True), user=people.viewer)
    assert refused.status_code == 403
    assert refused.json()["message"] == "You may look at this case but not write from it."
    assert call("post", "/api/v1/coach", {"text": "x"}, user=people.viewer).status_code == 200
    assert Message.objects.count() == 1


def test_it_needs_a_token(client, case):
    response = client.post(f"/api/v1/cases/{case.pk}/messages", {}, content_type="application/json")
    assert response.status_code == 401
    assert client.post("/api/v1/coach", {}, content_type="application/json").status_code == 401
