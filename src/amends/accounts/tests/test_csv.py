import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from amends.accounts.csvio import ImportRejected, accounts_import
from amends.accounts.models import Account
from amends.timeline.models import Event
from amends.timeline.services import Actor

HEADER = "external_id,name,team,kind,owner,annual_value,currency,tier,lifecycle,language\n"
GOOD = (
    HEADER
    + "crm-1,Harbor Printing Ltd,north,business,alex,120000,EUR,key,active,en\n"
    + "crm-2,Wisła Druk sp. z o.o.,North,business,,8 000,pln,small,at_risk,pl\n"
    + "crm-3,王芳,north,consumer,mia,350.50,CNY,small,active,zh-hans\n"
)


def state() -> tuple:
    return (
        list(Account.objects.order_by("id").values_list("external_id", "name", "annual_value")),
        Event.objects.count(),
    )


@pytest.mark.django_db
def test_it_imports_a_clean_file_and_records_each_account(people):
    result = accounts_import(actor=Actor(user=people.agent, via="cli"), data=GOOD.encode())
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    wisla = Account.objects.get(external_id="crm-2")
    assert wisla.currency == "PLN"
    assert str(wisla.annual_value) == "8000.00"
    assert wisla.lifecycle == "at_risk"
    assert wisla.source == "csv"
    assert Account.objects.get(external_id="crm-3").owner == people.manager
    assert Event.objects.filter(action="account.created").count() == 3


@pytest.mark.django_db
def test_it_changes_nothing_when_the_same_file_comes_twice(people):
    actor = Actor(user=people.agent, via="cli")
    accounts_import(actor=actor, data=GOOD.encode())
    before = state()
    again = accounts_import(actor=actor, data=GOOD.encode())
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert state() == before


@pytest.mark.django_db
def test_it_updates_changed_rows_with_before_and_after(people):
    actor = Actor(user=people.agent, via="cli")
    accounts_import(actor=actor, data=GOOD.encode())
    changed = GOOD.replace(
        "crm-1,Harbor Printing Ltd,north,business,alex,120000",
        "crm-1,Harbor Printing Ltd,north,business,alex,150000",
    )
    result = accounts_import(actor=actor, data=changed.encode())
    assert (result.created, result.updated, result.unchanged) == (0, 1, 2)
    event = Event.objects.filter(action="account.updated").get()
    assert event.before == {"annual_value": "120000.00"}
    assert event.after == {"annual_value": "150000.00"}


def rejected(people, text: str | bytes) -> list[str]:
    data = text.encode() if isinstance(text, str) else text
    before = state()
    with pytest.raises(ImportRejected) as caught:
        accounts_import(actor=Actor(user=people.agent, via="cli"), data=data)
    assert state() == before, "a rejected file must leave the database unchanged"
    return [str(problem) for problem in caught.value.problems]


@pytest.mark.django_db
def test_it_rejects_wrong_headers_naming_each(people):
    problems = rejected(people, "external_id,nmae,team,colour\nx,y,north,red\n")
    assert "line 1, column nmae: unknown column; the columns are" in problems[0]
    assert any("line 1, column colour: unknown column" in p for p in problems)
    assert "line 1, column name: required column is missing" in problems


@pytest.mark.django_db
def test_it_rejects_a_file_that_is_not_utf8(people):
    data = (HEADER + "crm-1,Zażółć,north,,,,,,,\n").encode("cp1250")
    problems = rejected(people, data)
    assert problems == ["line 2: the file is not UTF-8 text; save it as 'CSV UTF-8' and retry"]


@pytest.mark.django_db
def test_it_lists_every_bad_value_by_line_and_column_and_writes_nothing(people):
    text = (
        HEADER
        + "crm-1,Good Row Ltd,north,business,,100,EUR,key,active,en\n"
        + "crm-2,,north,business,,100,EUR,key,active,en\n"
        + "crm-3,Bad Money,north,business,,-5,EURO,gold,dormant,english\n"
        + "crm-4,Wrong Team,atlantis,robot,nobody,abc,EUR,key,active,en\n"
        + "crm-5,Not Mine,south,business,,1,EUR,key,active,en\n"
        + "crm-6,Owner elsewhere,north,business,otto,1,EUR,key,active,en\n"
        + "crm-1,Duplicate,north,business,,1,EUR,key,active,en\n"
    )
    problems = rejected(people, text)
    expected = [
        "line 3, column name: is required",
        "line 4, column tier: 'gold' is not one of strategic, key, standard, small",
        "line 4, column lifecycle: 'dormant' is not one of active, at_risk, in_recovery, "
        "parting, churned, won_back",
        "line 4, column annual_value: '-5' is not an amount of 0 or more "
        "(write decimals with a dot: 1234.50)",
        "line 4, column currency: 'EURO': Use a three-letter currency code such as EUR.",
        "line 4, column language: 'english': Use a language code such as en, pl, el or zh-hans.",
        "line 5, column team: no team named 'atlantis'",
        "line 5, column kind: 'robot' is not one of business, consumer",
        "line 5, column owner: no active user named 'nobody'",
        "line 5, column annual_value: 'abc' is not an amount of 0 or more "
        "(write decimals with a dot: 1234.50)",
        "line 6, column team: you may not add or change accounts of South",
        "line 7, column owner: otto is not a member of North",
        "line 8, column external_id: 'crm-1' already appears on line 2",
    ]
    assert sorted(problems) == sorted(expected)


@pytest.mark.django_db
def test_it_rejects_rows_with_missing_or_extra_fields(people):
    problems = rejected(
        people, HEADER + "crm-1,Short,north\ncrm-2,Long,north,business,,1,EUR,key,active,en,extra\n"
    )
    assert problems == [
        "line 2: has fewer fields than the header",
        "line 3: has more fields than the header",
    ]


@pytest.mark.django_db
def test_it_refuses_to_guess_what_a_decimal_comma_means(people):
    problems = rejected(people, HEADER + 'crm-1,Komma,north,business,,"350,50",PLN,,,\n')
    assert problems == [
        "line 2, column annual_value: '350,50' is not an amount of 0 or more "
        "(write decimals with a dot: 1234.50)"
    ]


@pytest.mark.django_db
def test_it_rejects_an_empty_file(people):
    assert rejected(people, "") == ["line 1: the file is empty; the first line must name columns"]
    assert rejected(people, HEADER) == ["line 2: the file has a header but no accounts"]


@pytest.mark.django_db
def test_it_shows_the_problems_on_the_upload_page_and_imports_nothing(client, people):
    client.force_login(people.agent)
    upload = io.BytesIO((HEADER + "crm-1,,atlantis,,,,,,,\n").encode())
    upload.name = "accounts.csv"
    response = client.post(reverse("accounts:import"), {"file": upload})
    assert response.status_code == 400
    assert "Nothing was imported" in response.text
    assert "no team named &#x27;atlantis&#x27;" in response.text
    assert Account.objects.count() == 0


@pytest.mark.django_db
def test_it_imports_from_the_upload_page(client, people):
    client.force_login(people.agent)
    upload = io.BytesIO(GOOD.encode("utf-8-sig"))
    upload.name = "accounts.csv"
    response = client.post(reverse("accounts:import"), {"file": upload})
    assert response.status_code == 200
    assert "3 rows: 3 created, 0 updated, 0 unchanged." in response.text
    event = Event.objects.filter(action="account.created").first()
    assert (event.actor, event.via) == (people.agent, "web")


@pytest.mark.django_db
def test_it_imports_and_exports_from_the_command_line(people, tmp_path, capsys):
    path = tmp_path / "accounts.csv"
    path.write_text(GOOD, encoding="utf-8")
    call_command("import", "accounts", str(path))
    assert "3 rows: 3 created, 0 updated, 0 unchanged." in capsys.readouterr().out
    out = tmp_path / "out.csv"
    call_command("export", "accounts", "--output", str(out))
    exported = out.read_text(encoding="utf-8")
    assert exported.splitlines()[0] == (
        "external_id,name,team,kind,owner,annual_value,currency,tier,lifecycle,language,source"
    )
    assert (
        "crm-2,Wisła Druk sp. z o.o.,north,business,,8000.00,PLN,small,at_risk,pl,csv" in exported
    )
    # The export is itself a clean import that changes nothing.
    call_command("import", "accounts", str(out))
    assert "3 rows: 0 created, 0 updated, 3 unchanged." in capsys.readouterr().out


@pytest.mark.django_db
def test_it_reports_a_bad_file_on_the_command_line(people, tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + "crm-1,,north,,,,,,,\n", encoding="utf-8")
    with pytest.raises(CommandError, match="1 problem"):
        call_command("import", "accounts", str(path))
    assert "line 2, column name: is required" in capsys.readouterr().err
    with pytest.raises(CommandError, match="no such file"):
        call_command("import", "accounts", str(tmp_path / "missing.csv"))
