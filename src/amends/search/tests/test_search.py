"""The search over everything a person may see: what it finds, in which languages, for
whom, and that the index follows every write (on SQLite and on PostgreSQL)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from amends.accounts.models import Account, Contact
from amends.accounts.services import (
    account_create,
    account_update,
    contact_create,
    contact_delete,
    contact_update,
)
from amends.complaints.intake import complaint_receive
from amends.complaints.models import Channel, Complaint
from amends.core.bulk import rows_written_send
from amends.core.models import SearchEntry
from amends.recovery.models import Playbook
from amends.recovery.opening import case_open
from amends.search.documents import index_differing, index_rebuild, index_repair
from amends.search.selectors import search
from amends.timeline.services import Actor


def found(user, query, kind=None):
    """(kind, title) of every hit, or the titles of one kind."""
    hits = [(g.kind, h.title) for g in search(user=user, query=query) for h in g.hits]
    return [title for k, title in hits if k == kind] if kind else hits


@pytest.fixture
def receive(people):
    def receive(text, team=None, **extra):
        return complaint_receive(
            team=team or people.north, channel=Channel.FEEDBACK_PAGE, text=text, **extra
        )

    return receive


def test_it_finds_a_chinese_word_inside_a_sentence(people, receive):
    receive("我的订单三天前就应该到了，现在还没有消息。", customer_name="李伟")
    assert found(people.agent, "订单", "conversation") == [
        "我的订单三天前就应该到了，现在还没有消息。"
    ]
    assert found(people.agent, "李伟", "conversation")
    assert not found(people.agent, "订货")


def test_it_finds_greek_typed_without_accents(people, receive):
    complaint = receive("Ο λογαριασμός μου χρεώθηκε δύο φορές.")
    complaint.subject = "Διπλή χρέωση"
    complaint.save(update_fields=["subject"])
    assert found(people.agent, "λογαριασμος", "conversation") == ["Διπλή χρέωση"]
    assert found(people.agent, "ΧΡΕΩΘΗΚΕ", "conversation")


def test_it_finds_polish_typed_without_ogonki(people):
    made = account_create(actor=Actor.system(), team=people.north, name="Żółta Łódź Spółka")
    assert found(people.agent, "zolta lodz", "account") == [made.name]
    assert found(people.agent, "spółka", "account") == [made.name]


def test_it_matches_the_last_word_as_a_prefix_and_the_others_whole(people, account):
    assert found(people.agent, "harbor prin", "account") == ["Harbor Printing Ltd"]
    assert found(people.agent, "harb", "account") == ["Harbor Printing Ltd"]
    assert not found(people.agent, "harb printing", "account")


def test_it_finds_an_account_by_its_contacts_and_external_id(people, account):
    assert found(people.agent, "joanna", "account") == ["Harbor Printing Ltd"]
    assert found(people.agent, "joanna@harbor.example", "account") == ["Harbor Printing Ltd"]
    assert found(people.agent, "nowak", "contact") == ["Joanna Nowak"]
    assert found(people.agent, account.external_id, "account") == ["Harbor Printing Ltd"]


def test_it_finds_cases_and_incidents(people, account, declare):
    incident = declare([account], title="Invoices printed twice", description="A supplier's fault")
    assert found(people.agent, "invoices twice", "incident") == [incident.title]
    assert found(people.agent, "harbor", "case")
    case = case_open(
        actor=Actor(user=people.agent, via="web"),
        account=account,
        playbook=Playbook.objects.get(kind="mistake"),
        severity=3,
        reason="Parcel lost in Gdańsk",
    )
    assert len(found(people.agent, "gdansk", "case")) == 1
    assert case.pk in [h.id for g in search(user=people.agent, query="gdansk") for h in g.hits]


def test_it_shows_each_person_only_their_teams(people, account, south_account, receive):
    receive("Harbor lost our order", team=people.south)
    assert found(people.outsider, "harbor") == [("conversation", "Harbor lost our order")]
    assert ("account", "Harbor Printing Ltd") in found(people.viewer, "harbor")
    assert ("conversation", "Harbor lost our order") not in found(people.viewer, "harbor")
    assert found(people.admin, "southern") == [("account", "Southern Foods")]
    assert found(people.agent, "southern") == []


def test_it_sees_an_incident_through_one_of_its_accounts(people, account, south_account, declare):
    declare([account], title="Labels smudged")
    assert found(people.outsider, "smudged") == []
    declare([south_account], title="Labels torn", actor=Actor(user=people.admin, via="web"))
    assert found(people.outsider, "labels", "incident") == ["Labels torn"]


def test_it_keeps_the_index_right_on_updates_and_deletes(people, account, receive):
    actor = Actor.system()
    account_update(actor=actor, account=account, name="Port Printing")
    assert found(people.agent, "harbor", "account") == ["Port Printing"]  # its contact's address
    assert found(people.agent, "port", "account") == ["Port Printing"]
    contact = Contact.objects.get(account=account)
    contact_update(actor=actor, contact=contact, name="Ewa Zielińska", email="ewa@port.example")
    assert found(people.agent, "joanna") == []
    assert found(people.agent, "zielinska", "contact") == ["Ewa Zielińska"]
    contact_delete(actor=actor, contact=contact)
    assert found(people.agent, "zielinska") == []
    complaint = receive("The labels peeled off")
    complaint.delete()
    assert found(people.agent, "labels") == []
    assert index_differing() == []


def test_it_moves_with_an_account_to_another_team(people, account):
    account_update(actor=Actor.system(), account=account, team=people.south, owner=None)
    assert found(people.agent, "joanna") == []
    assert {kind for kind, _ in found(people.outsider, "joanna")} == {"account", "contact"}


def test_it_indexes_what_bulk_paths_write(people):
    made = Account.objects.bulk_create(
        [Account(team=people.north, name=f"Bulk Biuro {n}") for n in range(3)]
    )
    assert found(people.agent, "biuro") == []  # bulk_create sends no post_save
    rows_written_send(Account, [a.pk for a in made])
    assert len(found(people.agent, "biuro", "account")) == 3


def test_it_indexes_a_complaint_imported_from_signals(people, account):
    from django.utils import timezone

    from amends.complaints.intake import complaints_from_signals
    from amends.signals.models import Signal

    signals = Signal.objects.bulk_create(
        [
            Signal(
                account=account,
                kind="complaint",
                at=timezone.now(),
                source="crm",
                external_id="crm-1",
                text="Zamówienie przyszło uszkodzone",
            )
        ]
    )
    complaints_from_signals(signals)
    assert found(people.agent, "zamowienie", "conversation") == ["Zamówienie przyszło uszkodzone"]


def test_it_rebuilds_and_verifies_the_index(people, account, receive):
    receive("Die Lieferung kam zu spät")
    SearchEntry.objects.filter(kind="account").update(text="stale")
    assert index_differing() == [f"account:{account.pk}"]
    index_repair(index_differing())
    assert index_differing() == []
    SearchEntry.objects.all().delete()
    counts = index_rebuild()
    assert counts["account"] == 1 and counts["contact"] == 1 and counts["conversation"] == 1
    assert found(people.agent, "spat", "conversation")


def test_it_answers_in_a_bounded_number_of_queries(people, account, receive):
    for n in range(12):
        receive(f"Harbor parcel {n} arrived late")
        contact_create(actor=Actor.system(), account=account, name=f"Harbor Person {n}")
    with CaptureQueriesContext(connection) as queries:
        groups = search(user=people.agent, query="harbor")
    assert {g.kind for g in groups} >= {"account", "contact", "conversation"}
    assert all(len(g.hits) <= 8 for g in groups)
    # Per kind: the index, then the rows shown; and the person's teams once.
    assert len(queries) <= 12, [q["sql"] for q in queries]


def test_it_narrows_a_list_to_the_latest_matches_of_the_teams_it_may_see(people, receive):
    from amends.core.textsearch import matching_ids

    made = [receive(f"Parcel {n} arrived wet") for n in range(3)]
    receive("Parcel arrived wet", team=people.south)
    latest = Complaint.objects.filter(
        pk__in=matching_ids("conversation", "parcel wet", team_ids=[people.north.pk], limit=2)
    )
    assert sorted(c.pk for c in latest) == [made[1].pk, made[2].pk]
    nowhere = matching_ids("conversation", "parcel", team_ids=[])
    assert not Complaint.objects.filter(pk__in=nowhere).exists()
    assert matching_ids("conversation", "!!!", team_ids=None) is None


def test_it_fills_the_index_with_the_models_of_its_migration(people, account, receive):
    """Migration search 0001 runs the rebuild with the historical models."""
    from django.db.migrations.executor import MigrationExecutor

    receive("Pakunek zaginął w Łodzi")
    state = MigrationExecutor(connection).loader.project_state(("search", "0001_fill_index"))
    SearchEntry.objects.all().delete()
    counts = index_rebuild(apps=state.apps)
    assert counts["account"] == 1 and counts["conversation"] == 1
    assert found(people.agent, "lodzi", "conversation") == ["Pakunek zaginął w Łodzi"]


def test_it_is_checked_and_repaired_by_amends_verify(people, account):
    from django.core.management import CommandError, call_command

    SearchEntry.objects.filter(kind="contact").delete()
    with pytest.raises(CommandError, match="Search entries that differ"):
        call_command("verify")
    call_command("verify", "--repair")
    assert found(people.agent, "nowak", "contact") == ["Joanna Nowak"]


def test_it_rebuilds_and_checks_from_the_command_line(people, account):
    from io import StringIO

    from django.core.management import CommandError, call_command

    out = StringIO()
    call_command("search", "rebuild", stdout=out)
    assert "Indexed 1 account, 1 contact, 0 conversation, 0 case, 0 incident" in out.getvalue()
    SearchEntry.objects.filter(kind="account").update(text="stale")
    with pytest.raises(CommandError, match=f"1 search entries differ: account:{account.pk}"):
        call_command("search", "check")
    call_command("search", "check", "--repair", stdout=out)
    call_command("search", "check", stdout=out)
    assert "Every search entry matches" in out.getvalue()


def test_it_indexes_accounts_imported_from_csv_and_changed_by_import(people):
    from amends.accounts.csvio import accounts_import

    header = "external_id,name,team,kind,owner,annual_value,currency,tier,lifecycle,language\n"
    actor = Actor(user=people.agent, via="cli")
    accounts_import(
        actor=actor,
        data=(header + "crm-1,Wisła Druk,north,business,,0,PLN,small,active,pl\n").encode(),
    )
    assert found(people.agent, "wisla", "account") == ["Wisła Druk"]
    accounts_import(
        actor=actor,
        data=(header + "crm-1,Odra Druk,north,business,,0,PLN,small,active,pl\n").encode(),
    )
    assert found(people.agent, "wisla") == []
    assert found(people.agent, "crm", "account") == ["Odra Druk"]  # its external id, crm-1
