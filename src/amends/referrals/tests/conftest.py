import pytest


@pytest.fixture
def make_account(people):
    """An account of team North, made by the agent (or of ``team=``, made by ``by=``)."""
    from amends.accounts.services import account_create
    from amends.timeline.services import Actor

    def make(name, *, by=None, **fields):
        fields.setdefault("team", people.north)
        actor = Actor(user=by or people.agent, via="web")
        return account_create(actor=actor, name=name, **fields)

    return make


@pytest.fixture
def churned(make_account):
    """A former client: it left us, and we parted well."""
    return make_account("Bluebird Foods", lifecycle="churned")


@pytest.fixture
def refer(people):
    """Record a referral as the agent, unless ``actor=`` says otherwise."""
    from amends.referrals.services import referral_record
    from amends.timeline.services import Actor

    def refer(referrer, referred=None, *, actor=None, **extra):
        return referral_record(
            actor=actor or Actor(user=people.agent, via="web"),
            referrer=referrer,
            referred_account=referred,
            **extra,
        )

    return refer
