import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from amends.accounts.csvio import ImportRejected
from amends.accounts.services import account_create
from amends.signals.csvio import signals_import
from amends.signals.models import Signal
from amends.timeline.models import Event
from amends.timeline.services import Actor

pytestmark = pytest.mark.django_db

HEADER = "account,account_source,kind,at,source,external_id,value,currency,metric,text\n"


def good_file() -> str:
    return (
        HEADER
        + "crm-1042,,complaint,2025-03-01T10:20:30Z,zendesk,z-1,,,,Printed the wrong year\n"
        + "crm-1042,crm,nps,2025-03-02 09:00:00,survey,s-1,9,,,\n"
        + "crm-1042,,csat,2025-03-03T12:00:00+02:00,survey,s-2,4,,,\n"
        + "crm-1042,,order,2025-03-04T08:00:00Z,erp,o-1,1250.50,eur,,\n"
        + "crm-1042,,usage,2025-03-05T00:00:00Z,app,u-1,37,,logins,\n"
        + "crm-1042,,late_payment,2025-03-06,erp,lp-1,,,,\n"
        + "crm-1042,,Sample_Sent,2025-03-07T11:00:00Z,,m-1,,,,Blue paper samples\n"
    )


def run(actor_user=None, text: str | bytes = "", **options):
    data = text.encode() if isinstance(text, str) else text
    return signals_import(
        actor=Actor(user=actor_user, via="cli"), stream=io.BytesIO(data), **options
    )


def stored() -> list[tuple]:
    return list(Signal.objects.order_by("id").values_list("source", "external_id", "kind"))


def test_it_imports_every_kind_of_signal_with_its_values(harbor):
    result = run(text=good_file())
    assert (result.rows, result.created, result.already_there) == (7, 7, 0)
    signals = {s.external_id: s for s in Signal.objects.all()}
    assert all(s.account_id == harbor.pk for s in signals.values())
    complaint = signals["z-1"]
    assert complaint.kind == "complaint" and complaint.source == "zendesk"
    assert complaint.text == "Printed the wrong year"
    assert complaint.at.isoformat() == "2025-03-01T10:20:30+00:00"
    assert signals["s-1"].value == 9
    # An offset is turned into UTC; a date alone is midnight UTC.
    assert signals["s-2"].at.isoformat() == "2025-03-03T10:00:00+00:00"
    assert signals["lp-1"].at.isoformat() == "2025-03-06T00:00:00+00:00"
    order = signals["o-1"]
    assert (order.value, order.currency) == (Decimal("1250.50"), "EUR")
    assert (signals["u-1"].metric, signals["u-1"].value) == ("logins", 37)
    # A kind of one's own, in any case, is kept as a lower-case slug; no source means csv.
    custom = signals["m-1"]
    assert (custom.kind, custom.source, custom.value) == ("sample_sent", "csv", None)


def test_it_writes_no_timeline_event_per_signal(harbor):
    run(text=good_file())
    assert not Event.objects.filter(subject_type="signals.signal").exists()


def test_it_skips_what_is_already_there_when_the_file_comes_again(harbor):
    run(text=good_file())
    first = stored()
    more = good_file() + "crm-1042,,praise,2025-03-08T10:00:00Z,zendesk,z-2,,,,Thank you!\n"
    again = run(text=more)
    assert (again.rows, again.created, again.already_there) == (8, 1, 7)
    assert stored() == [*first, ("zendesk", "z-2", "praise")]


def test_it_takes_the_source_of_rows_without_one_from_the_option(harbor):
    run(text=HEADER + "crm-1042,,meeting,2025-03-01T10:00:00Z,,m-1,,,,\n", default_source="hubspot")
    assert stored() == [("hubspot", "m-1", "meeting")]


def test_it_reads_columns_in_any_order_and_leaves_optional_ones_out(harbor):
    text = "external_id,at,kind,account\nx-1,2025-03-01T10:00:00Z,referral,crm-1042\n"
    run(text=text)
    assert stored() == [("csv", "x-1", "referral")]


def rejected(text: str | bytes, user=None) -> list[str]:
    before = stored()
    with pytest.raises(ImportRejected) as caught:
        run(user, text)
    assert stored() == before, "a rejected file must leave the database unchanged"
    return [str(problem) for problem in caught.value.problems]


def test_it_names_each_wrong_column_in_the_header(harbor):
    problems = rejected("acount,kind,when,external_id,kind\nx,nps,2025-01-01,1,nps\n")
    assert problems == [
        "line 1, column acount: unknown column; the columns are account, account_source, "
        "kind, at, source, external_id, value, currency, metric, text",
        "line 1, column when: unknown column; the columns are account, account_source, "
        "kind, at, source, external_id, value, currency, metric, text",
        "line 1, column account: required column is missing",
        "line 1, column at: required column is missing",
        "line 1, column kind: column appears more than once",
    ]


def test_it_lists_every_bad_value_by_line_and_column_and_writes_nothing(harbor, south_account):
    south_account.external_id = "south-1"
    south_account.save()
    text = (
        HEADER
        + "crm-1042,,praise,2025-03-01T10:00:00Z,web,ok-1,,,,Good row first\n"
        + "crm-9999,,nps,yesterday,web,b-1,11,,,\n"
        + "crm-1042,,csat,2025-02-30T10:00:00Z,web,b-2,0,,,\n"
        + "crm-1042,,order,2025-03-01T10:00:00Z,web,b-3,-5,EURO,,\n"
        + "crm-1042,,usage,2025-03-01T10:00:00Z,web,b-4,1.23456,,,\n"
        + "crm-1042,,Bad Kind!,2099-01-01T00:00:00Z,web,,abc,,,\n"
        + "crm-1042,,order,2025-03-01T10:00:00Z,web,b-6,,,,\n"
        + "crm-1042,,praise,2025-03-01T10:00:00Z,web,ok-1,,,,\n"
        + "crm-1042,,praise,2025-03-01T10:00:00Z\n"
        + "crm-1042,nowhere,praise,2025-03-01T10:00:00Z,web,b-9,,,,\n"
    )
    assert rejected(text) == [
        "line 3, column account: no account 'crm-9999'",
        "line 3, column at: 'yesterday' is not a time; write ISO 8601: 2025-03-01T10:20:30Z",
        "line 3, column value: '11' is not a whole number from 0 to 10",
        "line 4, column at: '2025-02-30T10:00:00Z' is not a time; write ISO 8601: "
        "2025-03-01T10:20:30Z",
        "line 4, column value: '0' is not a whole number from 1 to 5",
        "line 5, column value: '-5': an order's amount is 0 or more",
        "line 5, column currency: 'EURO': use a three-letter code such as EUR",
        "line 6, column value: '1.23456' has more than 4 decimal places",
        "line 6, column metric: is required for usage",
        "line 7, column kind: 'Bad Kind!' is not a kind: use one of complaint, praise, nps, "
        "csat, order, usage, late_payment, ticket_opened, ticket_closed, meeting, referral, "
        "or a slug of your own (a-z, 0-9 and _, starting with a letter, at most 40)",
        "line 7, column at: '2099-01-01T00:00:00Z' is more than a day in the future",
        "line 7, column external_id: is required",
        "line 7, column value: 'abc' is not a number (write decimals with a dot: 1234.50)",
        "line 8, column value: is required for order",
        "line 8, column currency: is required for order",
        "line 9, column external_id: 'ok-1' already appears on line 2",
        "line 10: has fewer fields than the header",
        "line 11, column account: no account 'crm-1042' from source 'nowhere'",
    ]


def test_it_refuses_accounts_the_importing_user_may_not_change(people, harbor, south_account):
    south_account.external_id = "south-1"
    south_account.save()
    text = (
        HEADER
        + "crm-1042,,praise,2025-03-01T10:00:00Z,web,p-1,,,,\n"
        + "south-1,,praise,2025-03-01T10:00:00Z,web,p-2,,,,\n"
    )
    # The outsider is told of no such account; the viewer that they may only look.
    assert rejected(text, people.outsider) == ["line 2, column account: no account 'crm-1042'"]
    assert rejected(text, people.viewer) == [
        "line 2, column account: you may look at this account but not add signals to it",
        "line 3, column account: no account 'south-1'",
    ]
    assert run(people.agent, HEADER + text.splitlines()[1] + "\n").created == 1


def test_it_asks_for_the_source_when_an_external_id_is_in_two(people, harbor):
    account_create(
        actor=Actor.system(), team=people.north, name="Other", source="erp", external_id="crm-1042"
    )
    text = HEADER + "crm-1042,,praise,2025-03-01T10:00:00Z,web,p-1,,,,\n"
    assert rejected(text) == [
        "line 2, column account: 'crm-1042' is an account in several sources (crm, erp); "
        "name one in account_source"
    ]
    run(text=text.replace("crm-1042,,", "crm-1042,crm,"))
    assert Signal.objects.get().account_id == harbor.pk


def test_it_reports_the_line_of_a_row_after_a_quoted_line_break(harbor):
    text = (
        HEADER
        + 'crm-1042,,complaint,2025-03-01T10:00:00Z,web,c-1,,,,"Two\nlines"\n'
        + "crm-1042,,nps,2025-03-01T10:00:00Z,web,c-2,12,,,\n"
    )
    assert rejected(text) == ["line 4, column value: '12' is not a whole number from 0 to 10"]


def test_it_refuses_a_file_that_is_not_utf8_naming_the_line(harbor):
    text = HEADER + "crm-1042,,praise,2025-03-01T10:00:00Z,web,p-1,,,,Zażółć\n"
    data = (text * 1 + text.splitlines()[1].replace("p-1", "p-2") + "\n").encode("cp1250")
    assert rejected(data) == [
        "line 2: the file is not UTF-8 text; save it as 'CSV UTF-8' and retry"
    ]


def test_it_refuses_an_empty_file_and_one_without_rows(harbor):
    assert rejected("") == ["line 1: the file is empty; the first line must name columns"]
    assert rejected(HEADER + "\n,,,,,,,,,\n") == ["line 2: the file has a header but no signals"]


def test_it_runs_as_the_import_command_and_says_what_it_did(harbor, tmp_path, capsys):
    path = tmp_path / "signals.csv"
    path.write_text(good_file())
    call_command("import", "signals", str(path))
    assert "7 rows: 7 created, 0 already there." in capsys.readouterr().out
    call_command("import", "signals", str(path))
    assert "7 rows: 0 created, 7 already there." in capsys.readouterr().out
    # Only the row without a source takes the option's: a signal of another source.
    call_command("import", "signals", str(path), "--source", "crm")
    assert "7 rows: 1 created, 6 already there." in capsys.readouterr().out


def test_it_prints_each_problem_and_fails_the_command(harbor, tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + "crm-1042,,nps,2025-03-01T10:00:00Z,web,n-1,eleven,,,\n")
    with pytest.raises(CommandError, match="1 problem\\(s\\) in the file; nothing was imported"):
        call_command("import", "signals", str(path))
    assert "line 2, column value: 'eleven' is not a whole number from 0 to 10" in (
        capsys.readouterr().err
    )
    with pytest.raises(CommandError, match="--source is for signals only"):
        call_command("import", "accounts", str(path), "--source", "crm")


def test_it_finds_an_id_named_again_thousands_of_lines_later(harbor):
    rows = "".join(
        f"crm-1042,,usage,2025-03-01T10:00:00Z,app,u-{n},{n},,logins,\n" for n in range(6000)
    )
    again = "crm-1042,,usage,2025-03-02T10:00:00Z,app,u-17,1,,logins,\n"
    assert rejected(HEADER + rows + again) == [
        "line 6002, column external_id: 'u-17' already appears on line 19"
    ]


def test_it_counts_a_signal_stored_before_as_already_there_each_time_it_is_named(harbor):
    run(text=HEADER + "crm-1042,,praise,2025-03-01T10:00:00Z,web,p-1,,,,\n")
    twice = HEADER + "crm-1042,,praise,2025-03-01T10:00:00Z,web,p-1,,,,\n" * 2
    result = run(text=twice)
    assert (result.created, result.already_there) == (0, 2)


def test_it_stops_checking_after_a_thousand_problems(harbor):
    rows = "".join(f"crm-1042,,nps,2025-03-01T10:00:00Z,web,n-{n},99,,,\n" for n in range(1200))
    problems = rejected(HEADER + rows)
    assert len(problems) == 1001
    assert problems[-1] == "line 1001: too many problems; stopped checking here"


def test_it_imports_with_a_users_rights_from_the_command(harbor, tmp_path, capsys):
    path = tmp_path / "signals.csv"
    path.write_text(HEADER + "crm-1042,,praise,2025-03-01T10:00:00Z,web,p-1,,,,\n")
    with pytest.raises(CommandError):
        call_command("import", "signals", str(path), "--user", "vic")
    assert "you may look at this account but not add signals to it" in capsys.readouterr().err
    call_command("import", "signals", str(path), "--user", "alex")
    assert Signal.objects.get().external_id == "p-1"
    with pytest.raises(CommandError, match=r"missing\.csv: no such file"):
        call_command("import", "signals", str(tmp_path / "missing.csv"))
