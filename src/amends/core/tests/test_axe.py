"""axe-core on the screens issue 15 changed, with data on them: no serious or
critical accessibility violation (the done step's colour failed contrast before)."""

from datetime import timedelta

import pytest
from django.core import mail as django_mail
from django.utils import timezone

from amends.recovery.services import case_close, commitment_add, commitment_keep
from amends.recovery.tests.test_cases import walk_to_the_end
from amends.timeline.models import NotificationKind
from amends.timeline.services import Actor, notification_send
from conftest import axe_check, browser_login

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("shipped_defaults"),
]


@pytest.fixture
def world(people, account, declare, settings, tmp_path):
    from amends.complaints.intake import complaint_receive
    from amends.complaints.models import Channel

    actor = Actor(user=people.agent, via="web")
    open_case = declare([account]).cases.get()
    commitment_add(
        actor=actor,
        case=open_case,
        what="Reprint every form",
        measure="Counted",
        owner=people.agent,
        due_at=timezone.now() + timedelta(days=2),
    )
    for text in ("我们的订单到现在还没有发货。", "The forms came with the wrong year."):
        complaint_receive(
            text=text, team=people.north, channel=Channel.FEEDBACK_PAGE, customer_name="Joanna"
        )
    notification_send(
        actor=Actor(user=people.manager, via="web"),
        recipient=people.agent,
        kind=NotificationKind.ASSIGNED,
        summary="mia gave you the conversation",
        path="/inbox/",
    )
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(tmp_path / "outbox")},
        }
    }
    settings.AMENDS_OUTBOX = str(tmp_path / "outbox")
    django_mail.EmailMessage("Late step", "Tell them first.", "a@localhost", ["b@x.example"]).send()
    return open_case


def test_the_desk_s_screens_have_no_serious_violations(page, people, world, account, declare):
    browser_login(page, "alex")
    axe_check(page)  # My work
    for path in ("/cases/?scope=team&sort=account", f"/cases/{world.pk}/", "/inbox/?sort=due"):
        page.goto(path)
        axe_check(page)
    page.goto("/accounts/?sort=value")
    axe_check(page)
    page.goto("/notifications/")
    axe_check(page)
    page.goto("/search/?q=%E8%AE%A2%E5%8D%95")
    axe_check(page)
    page.goto("/inbox/")
    page.locator("table.complaints tbody tr").first.locator("td a").last.click()
    page.wait_for_url("**/inbox/*/")
    axe_check(page)  # a conversation: acknowledge, assign, answer in place
    page.goto(f"/accounts/{account.pk}/cases/new/")
    axe_check(page)


def test_a_finished_case_and_the_outbox_have_no_serious_violations(page, people, world):
    actor = Actor(user=people.agent, via="web")
    for promise in world.commitments.all():
        commitment_keep(actor=actor, commitment=promise)
    walk_to_the_end(world, actor)
    case_close(actor=actor, case=world, outcome="recovered", note="Fine.")
    browser_login(page, "ada", then=f"/cases/{world.pk}/")
    axe_check(page)
    page.goto("/outbox/")
    axe_check(page)
