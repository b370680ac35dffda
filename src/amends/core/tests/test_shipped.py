"""What the product ships as data (the playbooks, their steps, guidance and questions,
the cause categories) reads in each language the interface speaks, while an
administrator's own words show as written."""

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


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_shipped_text_and_label_has_a_translation(language):
    with translation.override("en"):
        english = [str(label) for label in [*COLUMN_LABELS.values(), *CHANGE_LABELS.values()]]
    with translation.override(language):
        missing = [text for text in shipped_texts() if shipped(text) == text]
        labels = [str(label) for label in [*COLUMN_LABELS.values(), *CHANGE_LABELS.values()]]
    assert not missing, f"{language} lacks: {missing}"
    same = [e for e, t in zip(english, labels, strict=True) if e == t]
    assert not same, f"{language} lacks: {same}"


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


def _po_entries(path) -> list[tuple[str, str, bool]]:
    """(msgid, msgstr, fuzzy) of each entry of a .po file (plural forms: the first)."""
    entries, field, fuzzy, values = [], None, False, {}

    def close():
        if values.get("msgid"):
            entries.append((values["msgid"], values.get("msgstr", ""), fuzzy))

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
    from pathlib import Path

    import amends

    path = Path(amends.__file__).parent / "locale" / language / "LC_MESSAGES" / "django.po"
    entries = _po_entries(path)
    assert len(entries) > 1000
    missing = [msgid for msgid, msgstr, fuzzy in entries if fuzzy or not msgstr]
    assert not missing, f"{language}: {len(missing)} untranslated, first {missing[:5]}"
