"""What the product ships as data (the playbooks, their steps, guidance and questions,
the cause categories) reads in each language the interface speaks, while an
administrator's own words show as written."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from amends.core.shipped import shipped
from amends.insights.figure_display import COLUMN_LABELS
from amends.recovery.playbooks import DEFAULT_PLAYBOOKS, DEFAULT_QUESTIONS
from amends.timeline.models import CHANGE_LABELS
from conftest import login

LANGUAGES = ["zh-hans", "el", "pl"]


def shipped_texts() -> list[str]:
    from importlib import import_module

    causes = import_module("amends.incidents.migrations.0002_default_causes").CAUSES
    texts = [name for _, name in causes] + list(DEFAULT_QUESTIONS)
    for playbook in DEFAULT_PLAYBOOKS:
        texts += [playbook["name"], playbook["description"]]
        texts += [text for step in playbook["steps"] for text in step[1:3]]
    return texts


@pytest.mark.parametrize("language", ["zh_Hans", "el", "pl"])
def test_every_shipped_text_and_label_has_a_translation(language):
    """In the catalog, translated (a label may read the same, as "status" in Polish)."""
    with translation.override("en"):
        labels = [str(label) for label in [*COLUMN_LABELS.values(), *CHANGE_LABELS.values()]]
    translated = {msgid for msgid, msgstr, fuzzy in _po_entries(_catalog(language)) if msgstr}
    missing = [text for text in [*shipped_texts(), *labels] if text not in translated]
    assert not missing, f"{language} lacks: {missing}"


def _catalog(language: str):
    from pathlib import Path

    import amends

    return Path(amends.__file__).parent / "locale" / language / "LC_MESSAGES" / "django.po"


def test_an_administrator_s_own_words_show_as_written():
    with translation.override("pl"):
        assert shipped("Tell them first") != "Tell them first"
        assert shipped("Call the plant manager first") == "Call the plant manager first"
        assert shipped("") == ""


@pytest.mark.django_db
def test_the_case_page_shows_the_method_in_the_reader_s_language(client, people, account, declare):
    case = declare([account]).cases.get()
    login(client, people.agent)
    client.cookies["django_language"] = "pl"
    page = client.get(reverse("recovery:case", args=[case.pk])).text
    with translation.override("pl"):
        title, guidance = (
            shipped("Tell them first"),
            shipped(
                "Contact the customer before they find the error themselves; a call or a meeting "
                "beats an email. Hiding is one of the two worst things you can do."
            ),
        )
        playbook = shipped("Recover from a mistake")
    assert title in page and guidance in page and playbook in page
    assert "Tell them first" not in page


ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


def _unescape(text: str) -> str:
    """A .po string's text: its C escapes undone."""
    return re.sub(r"\\(.)", lambda found: ESCAPES.get(found[1], found[1]), text)


def _po_entries(path) -> list[tuple[str, str, bool]]:
    """(msgid, msgstr, fuzzy) of each entry of a .po file (plural forms: the first)."""
    entries, field, fuzzy, values = [], None, False, {}

    def close():
        if values.get("msgid"):
            entries.append((_unescape(values["msgid"]), values.get("msgstr", ""), fuzzy))

    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            close()
            field, fuzzy, values = None, False, {}
        elif line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        elif line.startswith(("msgid ", "msgstr ", "msgstr[0] ", "msgid_plural ", "msgctxt ")):
            field, _, rest = line.partition(" ")
            field = {"msgstr[0]": "msgstr"}.get(field, field)
            values[field] = rest[1:-1]
        elif line.startswith('"') and field is not None:
            values[field] = values.get(field, "") + line[1:-1]
    return entries


@pytest.mark.parametrize("language", ["zh_Hans", "el", "pl"])
def test_every_message_of_the_catalog_is_translated(language):
    entries = _po_entries(_catalog(language))
    assert len(entries) > 1000
    missing = [msgid for msgid, msgstr, fuzzy in entries if fuzzy or not msgstr]
    assert not missing, f"{language}: {len(missing)} untranslated, first {missing[:5]}"
