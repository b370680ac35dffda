import hashlib

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from amends.people.models import ApiToken
from amends.people.services import token_create, token_revoke


@pytest.mark.django_db
def test_it_stores_only_a_digest_of_the_secret(people):
    issued = token_create(user=people.agent, name="zapier")
    stored = ApiToken.objects.get(pk=issued.token.pk)
    assert issued.secret.startswith("amd_")
    assert issued.secret not in {stored.digest, stored.prefix, stored.name}
    assert stored.digest == hashlib.sha256(issued.secret.encode()).hexdigest()


@pytest.mark.django_db
def test_it_accepts_a_token_until_it_is_revoked(client, people, account):
    issued = token_create(user=people.agent, name="zapier")
    header = {"HTTP_AUTHORIZATION": f"Bearer {issued.secret}"}
    assert client.get(f"/api/v1/accounts/{account.pk}", **header).status_code == 200
    issued.token.refresh_from_db()
    assert issued.token.last_used_at is not None
    token_revoke(token=issued.token)
    assert client.get(f"/api/v1/accounts/{account.pk}", **header).status_code == 401


@pytest.mark.django_db
def test_it_refuses_tokens_of_deactivated_people(client, people, account):
    issued = token_create(user=people.agent, name="zapier")
    people.agent.is_active = False
    people.agent.save()
    response = client.get(
        f"/api/v1/accounts/{account.pk}", HTTP_AUTHORIZATION=f"Bearer {issued.secret}"
    )
    assert response.status_code == 401


@pytest.mark.django_db
def test_it_creates_lists_and_revokes_tokens_on_the_command_line(people, capsys):
    call_command("token", "create", "--user", "alex", "--name", "sync")
    out, err = capsys.readouterr()
    secret = out.strip()
    assert secret.startswith("amd_") and "shown only now" in err
    token = ApiToken.objects.get(user=people.agent)
    call_command("token", "list")
    listing = capsys.readouterr().out
    assert "alex" in listing and "active" in listing and secret not in listing
    call_command("token", "revoke", str(token.pk))
    token.refresh_from_db()
    assert token.revoked_at is not None
    with pytest.raises(CommandError, match="no user named 'nobody'"):
        call_command("token", "create", "--user", "nobody")


@pytest.mark.django_db
def test_it_shows_a_new_token_once_on_the_profile_page(client, people):
    client.force_login(people.agent)
    made = client.post(reverse("people:profile"), {"name": "spreadsheet"})
    assert ApiToken.objects.filter(user=people.agent).count() == 1
    assert 'id="new-token"' in made.text
    again = client.get(reverse("people:profile"))
    assert 'id="new-token"' not in again.text
    assert "spreadsheet" in again.text


@pytest.mark.django_db
def test_it_lets_nobody_revoke_another_persons_token(client, people):
    token = token_create(user=people.agent, name="mine").token
    client.force_login(people.outsider)
    response = client.post(reverse("people:token-revoke", args=[token.pk]))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.django_db
def test_it_explains_the_header_without_swallowing_the_placeholder(client, people):
    client.force_login(people.agent)
    page = client.get(reverse("people:profile")).text
    assert "Authorization: Bearer &lt;token&gt;" in page
