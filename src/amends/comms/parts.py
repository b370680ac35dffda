"""What messages show on the pages of the apps below (registered in apps.py): the
composer and the delivery log on the case page, the value summary's link on the
account page."""

from amends.comms.coach import APOLOGY, coach_check
from amends.comms.selectors import message_log_for
from amends.core.parts import page_part
from amends.recovery.models import RecordKind


@page_part("case_page", "message_panel", template="comms/case_messages.html", order=10)
def case_page_messages(*, case, **_):
    return {"log": list(message_log_for(case=case))}


@page_part("account_page", "value_link", template="comms/value_link.html", order=30)
def account_page_value_link(**_):
    return None  # the panel is a link to the account's value summary: it needs no data


@page_part("case_page", "apology_warnings")
def case_page_apology_warnings(*, case, **_):
    """A recorded apology that does not read as from a person (the coach's first-person
    check), as a warning on the case: the record stays as it was written."""
    warnings = []
    for record in case.records.filter(kind=RecordKind.APOLOGY).order_by("at", "pk"):
        words = str(record.data.get("words", ""))
        for finding in coach_check(words, kind=APOLOGY):
            if finding.check == "first_person" and not finding.ok:
                warnings.append(
                    {"at": record.at, "message": finding.message, "evidence": finding.evidence}
                )
    return warnings
