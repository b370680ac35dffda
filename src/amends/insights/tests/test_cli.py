"""amends insights: CSV or JSON on standard output; mistakes as one-line messages."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from amends.insights.selectors import FIGURES

pytestmark = pytest.mark.django_db


def insights(*args) -> str:
    out = io.StringIO()
    call_command("insights", *args, stdout=out)
    return out.getvalue()


def test_it_writes_one_figure_as_csv(incidents):
    assert insights("recurring-causes", "--format", "csv").splitlines() == [
        "cause,name,incidents,recurring",
        "supplier,Supplier,3,true",
        "process,Process,1,false",
    ]
    south = insights("recurring-causes", "--team", "south", "--format", "csv")
    assert south.splitlines()[1:] == ["supplier,Supplier,1,false"]


def test_it_writes_every_figure_as_json(incidents):
    body = json.loads(insights("--start", "2025-03-01", "--end", "2025-03-31"))
    assert (body["start"], body["end"], body["segment"]) == ("2025-03-01", "2025-03-31", "")
    assert list(body["figures"]) == list(FIGURES)
    assert body["figures"]["recurring-causes"]["by_cause"] == []  # nothing in March 2025
    one = json.loads(insights("thaw", "--segment", "loyal"))
    assert one["cases"] == 0 and "definition" in one


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--team", "nowhere"], "--team: no team with the slug 'nowhere'."),
        (["--start", "2025-02-30"], "--start: Enter a date as YYYY-MM-DD, for example 2025-03-31."),
        (["--start", "2025-03-02", "--end", "2025-03-01"], "--end: The period ends before it"),
        (["--segment", "grumpy"], "--segment: Select a valid choice."),
        (["all", "--format", "csv"], "A CSV file holds one figure"),
    ],
)
def test_it_explains_a_mistake_in_one_line(people, args, message):
    with pytest.raises(CommandError) as refused:
        insights(*args)
    assert str(refused.value).startswith(message)
