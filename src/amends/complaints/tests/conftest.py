import pytest


@pytest.fixture(autouse=True)
def _forget_rate_limits():
    """The feedback limits count in the cache: each test starts with none used."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def receive(people):
    """A complaint sent to team North through its public page."""
    from amends.complaints.intake import complaint_receive
    from amends.complaints.models import Channel

    def receive(text="The forms came with the wrong year.", **extra):
        extra.setdefault("team", people.north)
        extra.setdefault("channel", Channel.FEEDBACK_PAGE)
        extra.setdefault("customer_name", "Joanna Nowak")
        extra.setdefault("customer_email", "someone@elsewhere.example")
        return complaint_receive(text=text, **extra)

    return receive


@pytest.fixture
def feedback_page(people):
    from amends.complaints.feedback_page import feedback_page_enable
    from amends.timeline.services import Actor

    return feedback_page_enable(actor=Actor(user=people.manager, via="web"), team=people.north)
