"""Other apps hear of new signals, inside the recording transaction."""

import io

import pytest
from django.db import connection

from amends.accounts.csvio import ImportRejected
from amends.signals import services
from amends.signals.csvio import signals_import
from amends.signals.models import Signal
from amends.signals.services import signals_hook, signals_record
from amends.timeline.services import Actor

pytestmark = pytest.mark.django_db

HEADER = "account,kind,at,source,external_id,text\n"
FILE = (
    HEADER
    + "crm-1042,complaint,2025-03-01T10:00:00Z,desk,c-1,Late again\n"
    + "crm-1042,praise,2025-03-02T10:00:00Z,desk,p-1,Thanks\n"
    + "crm-1042,complaint,2025-03-03T10:00:00Z,desk,c-2,Wrong invoice\n"
)


@pytest.fixture
def heard():
    """Hooks that write down what they hear, registered for the test only."""
    saved = list(services.on_signals_recorded)
    log: dict[str, list] = {"complaints": [], "all": []}

    @signals_hook("complaint")
    def complaints(signals):
        assert connection.in_atomic_block
        log["complaints"] += [(s.pk, s.kind, s.external_id) for s in signals]

    def everything(signals):
        log["all"] += [s.external_id for s in signals]

    services.on_signals_recorded.append(everything)
    yield log
    services.on_signals_recorded[:] = saved


def run(text: str, **options):
    stream = io.BytesIO(text.encode())
    return signals_import(actor=Actor.system(), stream=stream, **options)


def test_it_tells_hooks_of_new_signals_of_their_kinds_with_their_ids(harbor, heard):
    run(FILE)
    stored = dict(Signal.objects.values_list("external_id", "pk"))
    assert heard["complaints"] == [
        (stored["c-1"], "complaint", "c-1"),
        (stored["c-2"], "complaint", "c-2"),
    ]
    assert heard["all"] == ["c-1", "p-1", "c-2"]


def test_it_tells_hooks_nothing_of_what_was_already_there(harbor, heard):
    run(FILE)
    heard["complaints"].clear()
    heard["all"].clear()
    run(FILE + "crm-1042,complaint,2025-03-04T10:00:00Z,desk,c-3,Again\n")
    assert [external_id for _, _, external_id in heard["complaints"]] == ["c-3"]
    assert heard["all"] == ["c-3"]


def test_it_tells_hooks_nothing_of_a_rejected_file(harbor, heard):
    with pytest.raises(ImportRejected):
        run(FILE + "crm-1042,nps,2025-03-04T10:00:00Z,desk,n-1,\n")
    assert heard == {"complaints": [], "all": []}
    assert not Signal.objects.exists()


def test_it_undoes_the_recording_when_a_hook_fails(harbor, heard):
    def failing(signals):
        raise RuntimeError("the inbox is down")

    services.on_signals_recorded.append(failing)
    item = {"account": "crm-1042", "kind": "complaint", "at": "2025-03-01T10:00:00Z"}
    with pytest.raises(RuntimeError, match="the inbox is down"):
        signals_record(
            actor=Actor.system(), items=[{**item, "external_id": "c-1"}], default_source="api"
        )
    assert not Signal.objects.exists()


def test_it_gives_the_complaints_inbox_each_complaint(harbor):
    from amends.complaints.models import Complaint

    run(FILE)
    assert sorted(Complaint.objects.values_list("signal__external_id", flat=True)) == [
        "c-1",
        "c-2",
    ]


def test_it_leaves_a_large_imports_complaints_to_the_worker_after_the_commit(
    harbor, run_tasks, django_capture_on_commit_callbacks
):
    from amends.complaints.models import Complaint

    with django_capture_on_commit_callbacks(execute=True):
        result = run(FILE, hooks_after_commit=True)
    assert result.hooks_later and result.created == 3
    assert not Complaint.objects.exists()
    assert run_tasks() == ["signal_hooks_run"]
    assert sorted(Complaint.objects.values_list("signal__external_id", flat=True)) == [
        "c-1",
        "c-2",
    ]
    # Run again (a second worker, the periodic sweep): nothing is made twice.
    assert services.signal_hooks_run_pending() == 0
    assert Complaint.objects.count() == 2


def test_it_tries_a_failed_run_of_hooks_again_later(harbor, heard):
    calls = []

    @signals_hook("praise")
    def fails_once(signals):
        calls.append(len(signals))
        if len(calls) == 1:
            raise RuntimeError("the inbox is down")

    run(FILE, hooks_after_commit=True)
    assert services.signal_hooks_run_pending() == 0  # failed, claim undone
    assert services.signal_hooks_run_pending() == 1
    assert services.signal_hooks_run_pending() == 0
    assert calls == [1, 1]
    # The failed run's complaints were undone with it, and made once by the next.
    from amends.complaints.models import Complaint

    assert Complaint.objects.count() == 2
