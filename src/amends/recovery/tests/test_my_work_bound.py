"""My work lists the most urgent few of each kind and says how many more there are;
the counts are of everything, on the page and in the morning digest."""

from datetime import timedelta

import pytest
from django.utils import timezone

from amends.accounts.services import account_create
from amends.recovery.models import CaseStep
from amends.recovery.selectors import my_work
from amends.reminders.services import digest_build
from amends.timeline.services import Actor

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy(people, declare):
    """Six accounts of Alex's, one incident: six cases of nine steps, all late."""
    actor = Actor(user=people.agent, via="web")
    accounts = [
        account_create(actor=actor, team=people.north, name=f"Client {n}", owner=people.agent)
        for n in range(6)
    ]
    declare(accounts)
    now = timezone.now()
    for n, step in enumerate(CaseStep.objects.order_by("pk")):
        step.due_at = now - timedelta(hours=60 - n)
        step.save(update_fields=["due_at"])
    return people


def test_it_shows_the_earliest_few_and_counts_them_all(busy):
    work = my_work(user=busy.agent, now=timezone.now(), shown=5)
    assert work.late_steps_total == 54
    assert [s.due_at for s in work.late_steps] == sorted(s.due_at for s in work.late_steps)
    earliest = CaseStep.objects.order_by("due_at")[:5]
    assert [s.pk for s in work.late_steps] == [s.pk for s in earliest]
    assert (work.late_count, work.late_more) == (54, 49)

    mail = digest_build(user=busy.agent, work=work, day=timezone.localdate())
    assert "54 late" in mail.subject
    assert "…and 49 more" in mail.body


def test_the_page_says_how_many_more(client, busy):
    client.force_login(busy.agent)
    page = client.get("/cases/").content.decode()
    # 50 of the 54 late steps are listed, and the rest is counted.
    assert page.count("#step-") == 50
    assert "…and 4 more" in page
    assert '<span class="count-badge bad">54</span>' in page
