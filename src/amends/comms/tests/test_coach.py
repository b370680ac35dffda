"""Good and bad drafts in each of the four languages, as a customer would get them."""

import pytest

from amends.comms.coach import APOLOGY, EXPLANATION, coach_check, language_of

GOOD = {
    "en": (
        "Dear Joanna, I am sorry. I sent your team 1,200 forms printed with last year's date, "
        "and your staff lost two days checking them. I will reprint every form and deliver "
        "them to your office by Friday 27 November. Maria Nowak",
        "Maria Nowak",
    ),
    "zh-hans": (
        "张女士，对不起。我把去年的模板用在了您公司的1200份税表上，让您的同事白白核对了两天。"
        "我会在11月27日前把全部重新打印的税表送到您的办公室。李伟",
        "李伟",
    ),
    "el": (
        "Κυρία Παππά, λυπάμαι. Έστειλα στην ομάδα σας 1.200 έντυπα με λάθος έτος και το "
        "προσωπικό σας έχασε δύο ημέρες. Θα τυπώσω ξανά όλα τα έντυπα και θα τα παραδώσω στο "
        "γραφείο σας μέχρι την Παρασκευή 27 Νοεμβρίου. Ελένη Γεωργίου",
        "Ελένη Γεωργίου",
    ),
    "pl": (
        "Pani Joanno, przepraszam. Wysłałem Państwa zespołowi 1200 formularzy z zeszłorocznym "
        "szablonem i Państwa pracownicy stracili dwa dni. Wydrukuję wszystkie formularze "
        "ponownie i dostarczę je do biura do piątku 27 listopada. Tomasz Wójcik",
        "Tomasz Wójcik",
    ),
}

BAD = {
    "en": "Acme regrets any inconvenience caused. Unfortunately our supplier made an error, "
    "but we are deeply committed to quality!!!",
    "zh-hans": "本公司对给您带来的不便深表歉意，但是这是供应商的问题，敬请谅解！！",
    "el": "Η εταιρεία λυπούμαστε για την ταλαιπωρία. Δυστυχώς ο προμηθευτής έκανε λάθος, "
    "αλλά δεν ευθυνόμαστε!!",
    "pl": "Firma przeprasza za wszelkie niedogodności. Niestety kurier zgubił paczkę, "
    "ale to nie z naszej winy!!!",
}


def _verdicts(findings):
    return {f.check: f.ok for f in findings}


@pytest.mark.parametrize("language", list(GOOD))
def test_it_passes_a_good_apology_in_each_language(language):
    text, author = GOOD[language]
    findings = coach_check(text, kind=APOLOGY, language=language, author=author)
    assert _verdicts(findings) == {
        "first_person": True,
        "signed": True,
        "no_excuses": True,
        "says_what_happened": True,
        "fix_with_date": True,
        "plain": True,
    }, [(f.check, f.message, f.evidence) for f in findings if not f.ok]


@pytest.mark.parametrize("language", list(BAD))
def test_it_explains_what_is_wrong_with_a_bad_apology_in_each_language(language):
    findings = coach_check(BAD[language], kind=APOLOGY, language=language, author="Maria Nowak")
    verdicts = _verdicts(findings)
    assert verdicts["first_person"] is False
    assert verdicts["signed"] is False
    assert verdicts["no_excuses"] is False
    assert verdicts["fix_with_date"] is False
    assert verdicts["plain"] is False
    excuses = next(f for f in findings if f.check == "no_excuses")
    assert excuses.evidence  # names the words it objects to
    corporate = next(f for f in findings if f.check == "first_person")
    assert "company" in corporate.message


def test_it_finds_the_corporate_voice_and_the_excuse_words():
    findings = coach_check(BAD["en"], language="en")
    first = next(f for f in findings if f.check == "first_person")
    assert "Acme regrets" in first.evidence and "any inconvenience" in first.evidence
    excuses = next(f for f in findings if f.check == "no_excuses")
    assert set(excuses.evidence) >= {"Unfortunately", "our supplier", "but"}


@pytest.mark.parametrize(
    ("language", "text", "has_reason"),
    [
        (
            "en",
            "I approved the run without checking the template, because the order form "
            "still showed last year. I will proof every run from 1 December.",
            True,
        ),
        (
            "en",
            "I approved the run without checking the template. I will proof every run "
            "from 1 December.",
            False,
        ),
        (
            "zh-hans",
            "因为订单表仍显示去年的年份，我没有检查模板就批准了印刷。我会从12月1日起检查每一批。",
            True,
        ),
        (
            "el",
            "Ενέκρινα την εκτύπωση χωρίς έλεγχο, επειδή η φόρμα έδειχνε ακόμη το περσινό έτος. "
            "Θα ελέγχω κάθε εκτύπωση από 1/12.",
            True,
        ),
        (
            "pl",
            "Zatwierdziłem druk bez sprawdzenia szablonu, ponieważ formularz pokazywał "
            "zeszły rok. Sprawdzę każdy druk od 1 grudnia.",
            True,
        ),
    ],
)
def test_an_explanation_says_why(language, text, has_reason):
    findings = coach_check(text, kind=EXPLANATION, language=language)
    assert _verdicts(findings)["says_why"] is has_reason


def test_it_says_a_long_draft_buries_the_point():
    text = GOOD["en"][0] + " " + "We value you as a customer and always have. " * 40
    plain = next(f for f in coach_check(text, language="en") if f.check == "plain")
    assert not plain.ok and "Too long" in plain.message


def test_it_wants_a_date_with_the_fix():
    text = "I am sorry that I sent the wrong forms to your office last week. I will reprint them."
    fix = next(f for f in coach_check(text, language="en") if f.check == "fix_with_date")
    assert not fix.ok and "date" in fix.message


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (GOOD["en"][0], "en"),
        (GOOD["zh-hans"][0], "zh-hans"),
        (GOOD["el"][0], "el"),
        (GOOD["pl"][0], "pl"),
    ],
)
def test_it_recognises_the_language_of_a_draft(text, language):
    assert language_of(text) == language
