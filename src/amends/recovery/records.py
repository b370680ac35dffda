"""What each kind of case record must hold. Checked before anything is written,
so a half-filled apology never reaches the case."""

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext

from amends.recovery.models import Channel, RecordKind

CHANNELS = set(Channel.values)

# kind -> (required text fields, optional text fields)
FIELDS: dict[str, tuple[list[str], list[str]]] = {
    # message, sent_as and coach: a first contact, apology or explanation sent from the
    # composer (its message's id, once), with the coach's reading beside the words.
    RecordKind.CONTACT: (["channel", "with_whom"], ["note", "message"]),
    RecordKind.CONVERSATION: (["participants"], ["note"]),
    RecordKind.APOLOGY: (["channel", "words"], ["note", "sent_as", "coach", "message"]),
    RecordKind.EXPLANATION: (["text"], ["channel", "sent_as", "coach", "message"]),
    RecordKind.PREVENTIVE_CHANGE: (["what", "how_customer_is_told"], ["owner", "due_at"]),
    RecordKind.GESTURE: (["gift_kind", "description"], ["cost"]),
    RecordKind.VALUE_REMINDER: (["summary"], []),
    RecordKind.FOLLOW_UP: (["note"], []),
    RecordKind.SMALL_CHANCE: (["request"], ["answer"]),
    RecordKind.DECISION: (["decision"], ["note"]),
}
DECISIONS = {"continue", "part"}


def record_data_clean(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    if kind not in FIELDS:
        raise ValidationError(
            {"kind": gettext("unknown record kind %(kind)s") % {"kind": repr(kind)}}
        )
    required, optional = FIELDS[kind]
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    for name in required:
        value = str(data.get(name) or "").strip()
        if not value:
            errors[name] = gettext("is required")
        clean[name] = value
    for name in optional:
        if data.get(name) not in (None, ""):
            clean[name] = str(data[name]).strip()
    if clean.get("channel") and clean["channel"] not in CHANNELS:
        errors["channel"] = gettext("must be one of %(value)s") % {
            "value": ", ".join(sorted(CHANNELS))
        }
    if kind == RecordKind.DECISION and clean.get("decision") not in DECISIONS:
        errors["decision"] = gettext("must be continue or part")
    if kind == RecordKind.CONVERSATION:
        answers = data.get("answers") or []
        if not isinstance(answers, list) or not answers:
            errors["answers"] = gettext("record at least one question and its answer")
        else:
            pairs = []
            for number, item in enumerate(answers, start=1):
                question = str((item or {}).get("question") or "").strip()
                answer = str((item or {}).get("answer") or "").strip()
                if not question or not answer:
                    errors[f"answers.{number}"] = gettext("needs a question and an answer")
                pairs.append({"question": question, "answer": answer})
            clean["answers"] = pairs
    if kind == RecordKind.FOLLOW_UP:
        clean["released"] = bool(data.get("released"))
    if kind == RecordKind.GESTURE and "cost" in clean:
        try:
            clean["cost"] = f"{float(clean['cost']):.2f}"
        except ValueError:
            errors["cost"] = gettext("must be a number")
    if errors:
        raise ValidationError(errors)
    return clean
