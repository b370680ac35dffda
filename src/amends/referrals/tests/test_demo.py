import pytest

from amends.recovery.demo import demo_recovery
from amends.referrals.demo import demo_referrals
from amends.referrals.models import Referral
from amends.shell.demo import demo_load
from amends.signals.models import Signal

pytestmark = pytest.mark.django_db


def test_the_demo_has_fans_and_former_clients_who_refer_and_loads_once():
    demo_load(accounts=120)
    demo_recovery()

    made = demo_referrals()

    assert made == 5
    assert Referral.objects.filter(from_former_client=True).count() >= 2
    assert Referral.objects.filter(from_former_client=False).exists()
    assert Referral.objects.filter(referred_account__isnull=True).exists()
    assert Signal.objects.filter(source="amends", kind="referral").count() == made
    assert demo_referrals() == 0  # once only
    assert Referral.objects.count() == made


def test_the_demo_does_nothing_without_accounts(people):
    assert demo_referrals() == 0
