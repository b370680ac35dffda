"""A file of several batches: the import reads, checks and stores a file a batch
at a time, and must still name every bad row by its line and column, store nothing
of a file with a problem, and store a file once however often it comes."""

import io

import pytest

from amends.accounts.csvio import ImportRejected
from amends.signals.csvio import BATCH, signals_import
from amends.signals.models import Signal
from amends.timeline.services import Actor

pytestmark = pytest.mark.django_db

HEADER = "account,account_source,kind,at,source,external_id,value,currency,metric,text\n"


@pytest.fixture(autouse=True, params=[False, True], ids=["here", "in_background"])
def in_background(request, monkeypatch):
    """Each test twice: stored by the caller, and by the writer's own thread (as a
    large file is) while the caller checks the next batch."""
    monkeypatch.setitem(OPTIONS, "in_background", request.param)


OPTIONS: dict[str, bool] = {}


def run(text: str, user=None):
    return signals_import(
        actor=Actor(user=user, via="cli"), stream=io.BytesIO(text.encode()), **OPTIONS
    )


def usage_rows(count: int, start: int = 0) -> str:
    return "".join(
        f"crm-1042,,usage,2025-03-01T10:{n % 60:02d}:00Z,app,u-{n},{n},,logins,\n"
        for n in range(start, start + count)
    )


def test_it_names_bad_rows_by_line_and_column_in_a_file_of_several_batches(harbor):
    good = usage_rows(BATCH + 700)
    lines = good.splitlines(keepends=True)
    lines[10] = lines[10].replace(",10,", ",ten,")  # line 12
    lines[BATCH + 3] = lines[BATCH + 3].replace("usage", "Bad Kind!")  # line BATCH + 5
    lines[BATCH + 600] = lines[BATCH + 600].replace("crm-1042", "crm-9999")
    with pytest.raises(ImportRejected) as caught:
        run(HEADER + "".join(lines))
    assert [(p.line, p.column) for p in caught.value.problems] == [
        (12, "value"),
        (BATCH + 5, "kind"),
        (BATCH + 602, "account"),
    ]
    assert caught.value.problems[0].message == (
        "'ten' is not a number (write decimals with a dot: 1234.50)"
    )
    assert not Signal.objects.exists(), "nothing of a rejected file is stored"


def test_it_counts_lines_across_quoted_line_breaks_and_short_rows_in_a_batch(harbor):
    rows = usage_rows(30)
    quoted = 'crm-1042,,complaint,2025-03-01T10:00:00Z,web,c-1,,,,"Three\nlines\nhere"\n'
    short = "crm-1042,,praise\n"
    bad = "crm-1042,,nps,2025-03-01T10:00:00Z,web,n-1,11,,,\n"
    with pytest.raises(ImportRejected) as caught:
        run(HEADER + rows + quoted + short + "\n" + bad + rows.replace("u-", "v-"))
    # The header is line 1, the usage rows 2 to 31, the complaint 32 to 34.
    assert [str(p) for p in caught.value.problems] == [
        "line 35: has fewer fields than the header",
        "line 37, column value: '11' is not a whole number from 0 to 10",
    ]


def test_it_is_all_or_nothing_and_safe_to_repeat_for_a_file_of_several_batches(harbor):
    text = HEADER + usage_rows(2 * BATCH + 10)
    first = run(text)
    assert (first.rows, first.created, first.already_there) == (2 * BATCH + 10, 2 * BATCH + 10, 0)
    again = run(text)
    assert (again.created, again.already_there) == (0, 2 * BATCH + 10)
    more = run(HEADER + usage_rows(20, start=2 * BATCH))  # 10 there already, 10 new
    assert (more.created, more.already_there) == (10, 10)
    assert Signal.objects.count() == 2 * BATCH + 20


def test_it_finds_a_key_named_twice_in_two_batches(harbor):
    text = HEADER + usage_rows(BATCH + 10) + usage_rows(1, start=3)
    with pytest.raises(ImportRejected) as caught:
        run(text)
    assert [str(p) for p in caught.value.problems] == [
        f"line {BATCH + 12}, column external_id: 'u-3' already appears on line 5"
    ]
    assert not Signal.objects.exists()


def test_it_counts_new_rows_and_rows_already_there_in_statements_of_many_rows(harbor):
    run(HEADER + usage_rows(120))
    # 250 rows go as two INSERTs of 100 and 50 one by one; 120 of them are there.
    result = run(HEADER + usage_rows(250))
    assert (result.created, result.already_there) == (130, 120)
    assert sorted(Signal.objects.values_list("external_id", flat=True)) == sorted(
        f"u-{n}" for n in range(250)
    )


def test_it_finds_a_key_named_twice_within_one_statement_of_many_rows(harbor):
    rows = usage_rows(150).splitlines(keepends=True)
    rows[89] = rows[89].replace("u-89,", "u-30,")  # line 91 names line 32's key
    with pytest.raises(ImportRejected) as caught:
        run(HEADER + "".join(rows))
    assert [str(p) for p in caught.value.problems] == [
        "line 91, column external_id: 'u-30' already appears on line 32"
    ]
