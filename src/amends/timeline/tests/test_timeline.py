import pytest
from django.urls import reverse

from amends.accounts.services import account_update
from amends.timeline.models import Event
from amends.timeline.services import Actor


@pytest.mark.django_db
def test_it_refuses_to_change_or_delete_history(account):
    event = Event.objects.filter(account=account).first()
    event.summary = "rewritten"
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        Event.objects.filter(account=account).update(summary="rewritten")
    with pytest.raises(TypeError):
        Event.objects.filter(account=account).delete()


@pytest.mark.django_db
def test_it_records_who_when_what_before_and_after(people, account):
    account_update(
        actor=Actor(user=people.manager, via="web"), account=account, lifecycle="in_recovery"
    )
    event = Event.objects.filter(account=account).first()
    assert (event.actor, event.actor_name, event.via) == (people.manager, "mia", "web")
    assert event.action == "account.updated"
    assert event.before == {"lifecycle": "active"}
    assert event.after == {"lifecycle": "in_recovery"}


@pytest.mark.django_db
def test_it_records_nothing_when_nothing_changed(people, account):
    count = Event.objects.count()
    account_update(actor=Actor(user=people.agent, via="web"), account=account, name=account.name)
    assert Event.objects.count() == count


@pytest.mark.django_db
def test_it_shows_the_timeline_newest_first(client, people, account):
    account_update(actor=Actor(user=people.agent, via="web"), account=account, tier="key")
    client.force_login(people.viewer)
    page = client.get(reverse("accounts:detail", args=[account.pk])).text
    updated = page.index("updated: tier")
    created = page.index("Account Harbor Printing Ltd created")
    assert updated < created


@pytest.mark.django_db
def test_a_summary_is_written_in_english_and_shown_in_the_reader_s_language(people, account):
    """Written while a Polish request is active, a case's record event keeps its
    English words (for the API and search) and shows in each reader's language, the
    record kind's label included."""
    from django.utils import translation

    from amends.recovery.models import RecordKind
    from amends.recovery.services import record_add
    from amends.timeline.models import Event
    from amends.timeline.services import Actor

    case = _a_case(people, account)
    with translation.override("pl"):
        record_add(
            actor=Actor(user=people.agent, via="web"),
            case=case,
            kind="apology",
            data={"channel": "in_person", "words": "Przepraszam, zawiodłem Państwa."},
        )
    event = Event.objects.get(action="case.record.apology")
    assert event.summary == "Apology recorded"
    with translation.override("pl"):
        polish = str(RecordKind.APOLOGY.label)
        assert polish != "Apology" and polish in event.summary_shown
        assert "recorded" not in event.summary_shown
    with translation.override("en"):
        assert event.summary_shown == "Apology recorded"


@pytest.mark.django_db
def test_an_event_written_before_summaries_were_kept_shows_as_written(people, account):
    from django.utils import translation

    from amends.timeline.services import Actor, event_record

    event = event_record(
        actor=Actor(user=people.agent, via="web"),
        action="account.noted",
        subject=account,
        account_id=account.pk,
        summary="Written in 2025, in English",
    )
    assert event.said is None and event.said_values is None
    with translation.override("el"):
        assert event.summary_shown == "Written in 2025, in English"


def test_a_translation_that_lost_a_place_holder_falls_back_to_the_english():
    from amends.timeline.services import said_shown

    assert said_shown("Owner: %(owner)s", {}, "Owner: mia") == "Owner: mia"
    assert said_shown("A\x1f, and %(more)s", {"more": "B"}, "A, and B") == "A, and B"


def _a_case(people, account):
    from amends.recovery.models import Playbook, PlaybookKind
    from amends.recovery.opening import case_open
    from amends.timeline.services import Actor

    return case_open(
        actor=Actor(user=people.agent, via="web"),
        account=account,
        playbook=Playbook.objects.get(kind=PlaybookKind.THAW),
        severity=3,
        reason="Quiet for two months",
    )
