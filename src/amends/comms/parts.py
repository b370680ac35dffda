"""What messages show on the pages of the apps below (registered in apps.py): the
composer and the delivery log on the case page, the value summary's link on the
account page."""

import json

from django.urls import reverse

from amends.comms.coach import APOLOGY, EXPLANATION, coach_check
from amends.comms.selectors import message_log_for
from amends.core.parts import page_part
from amends.recovery.forms import FIELD_ASSISTS
from amends.recovery.models import RecordKind


def _coach_on(kind: str):
    """The apology coach on a record form's words, as in the composer."""

    def attrs(target: str) -> dict[str, str]:
        return {
            "hx-post": reverse("comms:coach"),
            "hx-trigger": "input changed delay:400ms, change",
            "hx-target": f"#{target}",
            # Inside the case page's work region, whose answers replace the region.
            "hx-select": "unset",
            "hx-select-oob": "unset",
            "hx-swap": "innerHTML",
            "hx-vals": json.dumps({"kind": kind}),
            "hx-sync": "this:replace",
            "aria-describedby": target,
        }

    return attrs


FIELD_ASSISTS[(RecordKind.APOLOGY, "words")] = _coach_on(APOLOGY)
FIELD_ASSISTS[(RecordKind.EXPLANATION, "text")] = _coach_on(EXPLANATION)


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
