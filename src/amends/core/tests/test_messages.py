"""Every error a person can meet (a refused action, a field's problem) goes through
gettext, so it reads in their language: no bare string or f-string is handed to a
ValidationError, a PermissionDenied, an actor's write guard or an errors dict."""

import ast
from pathlib import Path

import pytest

import amends

RAISED = {"ValidationError", "PermissionDenied"}
ERROR_DICTS = {"errors", "problems"}
# Commands speak to administrators at a terminal, in English, like Django's own.
SKIPPED = ("/tests/", "/migrations/", "/management/")


def _bare(node: ast.AST) -> list[ast.AST]:
    """The bare strings in what an error is given (a dict's values, both sides of an
    if-else)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.strip():
        return [node]
    if isinstance(node, ast.JoinedStr):
        return [node]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _bare(node.left) + _bare(node.right)
    if isinstance(node, ast.Dict):
        return [bare for value in node.values for bare in _bare(value)]
    if isinstance(node, ast.IfExp):
        return _bare(node.body) + _bare(node.orelse)
    return []


def bare_messages(source: str) -> list[int]:
    """The lines of ``source`` where an error is given a bare string."""
    found = []
    for node in ast.walk(ast.parse(source)):
        given: list[ast.AST] = []
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name in RAISED and node.args:
                given = [node.args[0]]
            elif name == "require_write" and len(node.args) >= 2:
                given = [node.args[1]]
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if (
                isinstance(target, ast.Subscript)
                and isinstance(target.value, ast.Name)
                and target.value.id in ERROR_DICTS
            ):
                given = [node.value]
        found += [bare.lineno for value in given for bare in _bare(value)]
    return found


def test_every_error_a_person_meets_goes_through_gettext():
    root = Path(amends.__file__).parent
    found = [
        f"{path.relative_to(root)}:{line}"
        for path in sorted(root.rglob("*.py"))
        if not any(part in str(path) for part in SKIPPED)
        for line in bare_messages(path.read_text(encoding="utf-8"))
    ]
    assert not found, "Wrap these in gettext: " + ", ".join(found)


def test_the_check_finds_a_bare_message():
    source = (
        'raise ValidationError({"name": f"At most {n} characters."})\n'
        'raise PermissionDenied("You may not.")\n'
        'actor.require_write(team, "Not yours.")\n'
        'errors["text"] = "Say something."\n'
        'raise ValidationError(gettext("Fine."))\n'
        'raise ValidationError({"x": gettext("Fine %(n)s.") % {"n": 1}})\n'
    )
    assert sorted(bare_messages(source)) == [1, 2, 3, 4]


@pytest.mark.django_db
def test_a_refusal_reads_in_the_person_s_language(client, people):
    from django.urls import reverse
    from django.utils import translation

    from amends.complaints.intake import complaint_receive
    from amends.complaints.models import Channel
    from amends.complaints.services import complaint_acknowledge
    from amends.timeline.services import Actor
    from conftest import login

    complaint = complaint_receive(
        text="The forms came with the wrong year.",
        team=people.north,
        channel=Channel.FEEDBACK_PAGE,
        customer_name="Joanna",
    )
    complaint_acknowledge(actor=Actor(user=people.agent, via="web"), complaint=complaint)
    login(client, people.agent)
    client.cookies["django_language"] = "pl"
    page = client.post(
        reverse("complaints:acknowledge", args=[complaint.pk]), follow=True
    ).content.decode()
    with translation.override("pl"):
        polish = translation.gettext("This complaint is already acknowledged.")
    assert polish != "This complaint is already acknowledged."
    assert polish in page
    assert "This complaint is already acknowledged." not in page
