import pytest


@pytest.fixture
def harbor(account):
    """North's Harbor Printing Ltd, known to the CRM as crm-1042."""
    account.source, account.external_id = "crm", "crm-1042"
    account.save()
    return account


@pytest.fixture
def southern(south_account):
    south_account.source, south_account.external_id = "crm", "south-7"
    south_account.save()
    return south_account
