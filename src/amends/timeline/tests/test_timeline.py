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
