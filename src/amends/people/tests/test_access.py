import pytest

from amends.people.access import admin_q, user_is_admin
from amends.people.models import Membership, Role, User
from amends.people.services import user_create


@pytest.mark.django_db
def test_it_finds_in_the_database_the_admins_user_is_admin_names(people):
    # An admin by membership only (membership_set would also make them superuser).
    by_role = user_create(username="rhea", password=None)
    Membership.objects.create(user=by_role, team=people.south, role=Role.ADMIN)
    gone = user_create(username="gus", password=None, is_superuser=True)
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    everyone = list(User.objects.all())
    found = set(User.objects.filter(admin_q()).distinct())
    assert found == {u for u in everyone if user_is_admin(u)} == {people.admin, by_role}
