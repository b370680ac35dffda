import io

import pytest

from amends.accounts.csvio import ImportRejected
from amends.signals.csvio import signals_import
from amends.signals.models import Signal
from amends.signals.rules import stored_at
from amends.timeline.services import Actor


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("2025-03-01T10:20:30Z", "2025-03-01 10:20:30"),
        ("2025-03-01 10:20:30", "2025-03-01 10:20:30"),
        ("2025-03-01T10:20:30", "2025-03-01 10:20:30"),
        ("2025-03-01T10:20:30.5Z", "2025-03-01 10:20:30.500000"),
        ("2025-03-01T12:20:30+02:00", "2025-03-01 10:20:30"),
        ("2025-03-01T00:20:30-01:00", "2025-03-01 01:20:30"),
        ("2025-03-01", "2025-03-01 00:00:00"),
        ("2025-W09-6T10:20:30Z", "2025-03-01 10:20:30"),
        ("20250301T102030Z", "2025-03-01 10:20:30"),
        ("2025-02-29T10:20:30Z", None),
        ("1 March 2025", None),
        ("", None),
    ],
)
def test_it_reads_iso_8601_times_as_utc(text, stored):
    assert stored_at(text) == stored


pytestmark = pytest.mark.django_db

HEADER = "account,kind,at,external_id,value,currency,metric,text\n"


def run(text: str, **options):
    return signals_import(actor=Actor.system(), stream=io.BytesIO(text.encode()), **options)


def test_it_accepts_spaces_around_values_and_stores_them_stripped(harbor):
    run(
        HEADER
        + " crm-1042 , NPS , 2025-03-01T10:00:00Z ,n-1 , 7.0 ,,,\n"
        + 'crm-1042,order,2025-03-01T10:00:00Z," o-1 ",10, eur ,,"  paid late  "\n'
    )
    nps = Signal.objects.get(external_id="n-1")
    assert (nps.kind, nps.value) == ("nps", 7)
    order = Signal.objects.get(external_id="o-1")
    assert (order.currency, order.text) == ("EUR", "paid late")


def test_it_keeps_custom_kinds_as_slugs_and_refuses_others(harbor):
    run(HEADER + "crm-1042,webinar_attended,2025-03-01T10:00:00Z,w-1,,,,\n")
    assert Signal.objects.get().kind == "webinar_attended"
    too_long = "k" * 41
    with pytest.raises(ImportRejected) as caught:
        run(
            HEADER
            + f"crm-1042,{too_long},2025-03-01T10:00:00Z,w-2,,,,\n"
            + "crm-1042,9lives,2025-03-01T10:00:00Z,w-3,,,,\n"
            + "crm-1042,,2025-03-01T10:00:00Z,w-4,,,,\n"
        )
    assert [(p.line, p.column) for p in caught.value.problems] == [
        (2, "kind"),
        (3, "kind"),
        (4, "kind"),
    ]
    assert str(caught.value.problems[2]) == "line 4, column kind: is required"


def test_it_sets_the_other_indexes_aside_for_a_large_import_and_builds_them_again(harbor):
    from django.db import connection

    def indexes():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' "
                "AND tbl_name = 'signals_signal' ORDER BY name"
            )
            return [name for (name,) in cursor.fetchall()]

    if connection.vendor != "sqlite":
        pytest.skip("indexes are set aside on SQLite only")
    before = indexes()
    rows = "".join(f"crm-1042,usage,2025-03-01T10:00:00Z,u-{n},{n},,logins,\n" for n in range(300))
    repeated = rows + "crm-1042,usage,2025-03-01T10:00:00Z,u-7,1,,logins,\n"
    with pytest.raises(ImportRejected) as caught:
        run(HEADER + repeated, set_indexes_aside=True)
    assert [str(p) for p in caught.value.problems] == [
        "line 302, column external_id: 'u-7' already appears on line 9"
    ]
    assert indexes() == before
    result = run(HEADER + rows, set_indexes_aside=True)
    assert result.created == 300
    assert indexes() == before
    assert Signal.objects.filter(account=harbor, kind="usage").count() == 300


def test_it_says_why_a_value_is_no_number(harbor):
    values = ["1e5", "12345678901234", "1.23456", "1,5", "abc", "NaN"]
    rows = "".join(
        f'crm-1042,usage,2025-03-01T10:00:00Z,u-{n},"{value}",,logins,\n'
        for n, value in enumerate(values)
    )
    with pytest.raises(ImportRejected) as caught:
        run(HEADER + rows)
    assert [p.message for p in caught.value.problems] == [
        "'1e5': write the number out, with a dot for decimals: 1234.50",
        "'12345678901234' is too large (at most 12 digits before the dot)",
        "'1.23456' has more than 4 decimal places",
        "'1,5' is not a number (write decimals with a dot: 1234.50)",
        "'abc' is not a number (write decimals with a dot: 1234.50)",
        "'NaN' is not a number",
    ]


USUAL = [
    # account, kind, at, source, external_id, value, currency, metric, text
    ("crm-1042", "order", "2025-03-01T10:20:30Z", "erp", "o-1", "1250.50", "EUR", "", ""),
    ("crm-1042", "usage", "2025-03-01 10:20:30", "app", "u-1", "-3", "", "logins", ""),
    ("crm-1042", "nps", "2025-03-01T10:20:30", "survey", "n-1", "9", "", "", ""),
    ("crm-1042", "complaint", "2024-02-29T23:59:59Z", "", " c-1", "", "", "", "Late "),
    ("crm-1042", "webinar", "2025-03-01T00:00:00Z", "crm", "w-1", "", "", "", ""),
]
UNUSUAL = [
    ("crm-1042 ", "order", "2025-03-01T10:20:30Z", "erp", "o-9", "1", "EUR", "", ""),
    ("nobody", "order", "2025-03-01T10:20:30Z", "erp", "o-9", "1", "EUR", "", ""),
    ("crm-1042", "Order", "2025-03-01T10:20:30Z", "erp", "o-9", "1", "EUR", "", ""),
    ("crm-1042", "order", "2025-02-30T10:20:30Z", "erp", "o-9", "1", "EUR", "", ""),
    ("crm-1042", "order", "2025-03-01T10:20:30+01:00", "erp", "o-9", "1", "EUR", "", ""),
    ("crm-1042", "order", "1899-03-01T10:20:30Z", "erp", "o-9", "1", "EUR", "", ""),
    ("crm-1042", "order", "2025-03-01T10:20:30Z", "erp", "o-9", "-1", "EUR", "", ""),
    ("crm-1042", "order", "2025-03-01T10:20:30Z", "erp", "o-9", "1", "eur", "", ""),
    ("crm-1042", "order", "2025-03-01T10:20:30Z", "erp", "o-9", "1", "", "", ""),
    ("crm-1042", "nps", "2025-03-01T10:20:30Z", "survey", "n-9", "07", "", "", ""),
    ("crm-1042", "usage", "2025-03-01T10:20:30Z", "app", "u-9", "3", "", "", ""),
    ("crm-1042", "meeting", "2025-03-01T10:20:30Z", "crm", "", "", "", "", ""),
    ("crm-1042", "meeting", "2025-03-01T10:20:30Z", "crm", "m-9", "1,5", "", "", ""),
]


def _checker():
    from django.utils import timezone

    from amends.signals.rules import AccountIndex, BatchChecker

    return BatchChecker(
        accounts=AccountIndex.every(),
        writable=None,
        default_source="csv",
        created_at="stamp",
        now=timezone.now(),
    )


def _columns(rows):
    account, *rest = zip(*rows, strict=True)
    return [account, ("",) * len(rows), *rest]


def test_it_checks_a_batch_of_usual_rows_at_once_as_row_by_row(harbor):
    by_rows = _checker()
    one_by_one = []
    for row in USUAL:
        problems: list = []
        account, *rest = row
        stripped = [v.strip() if i in (2, 3, 6, 7) else v for i, v in enumerate(rest)]
        one_by_one.append(by_rows.check(1, problems, "", account, "", *stripped))
        assert problems == []
    assert _checker().check_columns(*_columns(USUAL)) == one_by_one


@pytest.mark.parametrize("unusual", UNUSUAL)
def test_it_leaves_a_batch_with_anything_unusual_to_the_row_by_row_check(harbor, unusual):
    assert _checker().check_columns(*_columns([*USUAL, unusual])) is None
