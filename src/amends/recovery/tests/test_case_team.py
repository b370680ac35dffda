"""A case keeps its account's team on its own row (My work and the case lists read a
team's cases from the case's indexes), and follows the account to another team however
it moves: the service, a CSV import, the admin site. Who may see a case follows too."""

import pytest

from amends.accounts.csvio import accounts_import
from amends.accounts.models import Account
from amends.accounts.services import account_update
from amends.recovery.models import RecoveryCase
from amends.recovery.selectors import case_list_open
from amends.timeline.services import Actor

pytestmark = pytest.mark.django_db


def teams_of_cases(account) -> set[int]:
    return set(RecoveryCase.objects.filter(account=account).values_list("team_id", flat=True))


def test_a_case_opens_in_its_accounts_team_and_moves_with_the_account(
    people, account, south_account, declare
):
    declare([account])
    declare([account])
    assert teams_of_cases(account) == {people.north.pk}
    assert case_list_open(user=people.agent).count() == 2

    admin = Actor(user=people.admin, via="web")
    account_update(actor=admin, account=account, team=people.south, owner=None)

    assert teams_of_cases(account) == {people.south.pk}
    # North's agent no longer sees them; South's member does.
    assert case_list_open(user=people.agent).count() == 0
    assert case_list_open(user=people.outsider).count() == 2
    assert teams_of_cases(south_account) == set()


def test_a_csv_import_that_moves_accounts_moves_their_cases(people, declare):
    admin = Actor(user=people.admin, via="cli")
    header = "external_id,name,team\n"
    accounts_import(actor=admin, data=(header + "a-1,Alpha,north\na-2,Beta,north\n").encode())
    alpha, beta = Account.objects.order_by("name")
    declare([alpha, beta])

    accounts_import(actor=admin, data=(header + "a-1,Alpha,south\na-2,Beta,north\n").encode())

    assert teams_of_cases(alpha) == {people.south.pk}
    assert teams_of_cases(beta) == {people.north.pk}


def test_the_admin_site_moving_an_account_moves_its_cases(client, people, account, declare):
    declare([account])
    client.force_login(people.admin)
    page = client.get(f"/admin/accounts/account/{account.pk}/change/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {
        name: form[name].value()
        for name in form.fields
        if form[name].value() is not None and name not in ("created_at", "updated_at")
    }
    data["team"] = people.south.pk
    for prefix, value in [("TOTAL_FORMS", 0), ("INITIAL_FORMS", 0)]:
        data[f"contacts-{prefix}"] = value
    response = client.post(f"/admin/accounts/account/{account.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert teams_of_cases(account) == {people.south.pk}
