"""The apology coach: reads a draft apology or explanation and says, finding by
finding, what METHOD.md asks of it: written in the first person by a named
person, no excuses or blame on others, says what happened (and, for an
explanation, why), names a concrete fix with a date, and is not buried in drama
or length. It advises; it never blocks sending.

Each language has its own word lists: its first-person and corporate forms, its
excuse words, its date expressions. A list is data, so adding a language is
adding an entry to LEXICONS.
"""

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

APOLOGY, EXPLANATION = "apology", "explanation"
LANGUAGES = ("en", "zh-hans", "el", "pl")

MONTHS_EN = "january february march april may june july august september october november december"
DAYS_EN = "monday tuesday wednesday thursday friday saturday sunday"


@dataclass(frozen=True)
class Lexicon:
    first_person: list[str]  # patterns of "I" as the author
    corporate: list[str]  # the company, not a person, as the author
    excuses: list[str]  # blame on others, conditional or hedged apologies
    sorry: list[str]  # the apology itself
    future: list[str]  # a promise of what will be done
    dates: list[str]  # a date or a deadline
    because: list[str]  # a reason
    drama: list[str]  # over-the-top words
    words_limit: int  # beyond this the point gets lost
    by_characters: bool = False  # count characters, not words (Chinese)


def _words(text: str) -> str:
    return r"\b(?:" + "|".join(text.split()) + r")\b"


LEXICONS: dict[str, Lexicon] = {
    "en": Lexicon(
        first_person=[
            r"\bI\b",
            r"\bI'm\b",
            r"\bI’m\b",
            r"\bI've\b",
            r"\bI’ve\b",
            r"\bmy\b",
            r"\bme\b",
        ],
        corporate=[
            r"\b(?:the company|the management|our company)\b",
            r"\bwe (?:regret|apologi[sz]e)\b",
            r"\b[A-Z][\w&]+ (?:regrets|apologi[sz]es)\b",
            r"\bon behalf of\b",
            r"\bany inconvenience\b",
        ],
        excuses=[
            r"\bbut\b",
            r"\bhowever\b",
            r"\bunfortunately\b",
            r"\bbeyond our control\b",
            r"\b(?:the|our) (?:supplier|courier|partner|vendor|system)\b",
            r"\bnot our fault\b",
            r"\bsorry if\b",
            r"\bif (?:you|anyone) (?:were|was|felt)\b",
            r"\bmistakes were made\b",
        ],
        sorry=[r"\bsorry\b", r"\bapologi[sz]e\b", r"\bapology\b"],
        future=[r"\bwill\b", r"\bI'll\b", r"\bI’ll\b", r"\bwe'll\b", r"\bwe’ll\b", r"\bgoing to\b"],
        dates=[
            _words(MONTHS_EN + " " + DAYS_EN + " today tomorrow tonight"),
            r"\bwithin \w+ (?:hours?|days?|weeks?)\b",
            r"\bby (?:the )?(?:end of|\d)",
            r"\b\d{1,4}[./-]\d{1,2}(?:[./-]\d{1,4})?\b",
            r"\b\d{1,2}(?::\d{2})? ?(?:am|pm)\b",
        ],
        because=[
            r"\bbecause\b",
            r"\bthe reason\b",
            r"\bcaused by\b",
            r"\bdue to\b",
            r"\bso that\b",
        ],
        drama=[
            r"\b(?:deeply|terribly|devastated|utmost|sincerest|profoundly|heartbroken)\b",
            r"!{2,}",
        ],
        words_limit=220,
    ),
    "zh-hans": Lexicon(
        first_person=[r"我(?!们)", r"本人"],
        corporate=[r"本公司", r"我司", r"公司(?:深表|谨此)", r"敬请谅解", r"带来的不便", r"谨代表"],
        excuses=[
            r"但是",
            r"不过",
            r"然而",
            r"不可抗力",
            r"供应商",
            r"快递公司",
            r"系统原因",
            r"如果给您",
            r"并非我们",
        ],
        sorry=[r"对不起", r"抱歉", r"道歉", r"歉意"],
        future=[r"将", r"会", r"一定", r"保证"],
        dates=[
            r"\d+\s*月",
            r"\d+\s*[日号]",
            r"明天",
            r"今天",
            r"后天",
            r"周[一二三四五六日]",
            r"星期",
            r"\d+\s*(?:小时|天|周)内",
            r"\d{1,4}[./-]\d{1,2}",
        ],
        because=[r"因为", r"原因", r"由于", r"导致"],
        drama=[r"万分", r"深感痛心", r"无比", r"！{2,}", r"!{2,}"],
        words_limit=400,
        by_characters=True,
    ),
    "el": Lexicon(
        first_person=[
            r"\bλυπάμαι\b",
            r"\bζητώ\b",
            r"\bεγώ\b",
            r"\bμου\b",
            r"\bαναλαμβάνω\b",
            r"\bέκανα\b",
            r"\bθα (?:φροντίσω|στείλω|διορθώσω|επιστρέψω|καλέσω)\b",
        ],
        corporate=[
            r"\bη εταιρεία\b",
            r"\bη εταιρία\b",
            r"\bεκ μέρους\b",
            r"\bλυπούμαστε για την (?:ταλαιπωρία|αναστάτωση)\b",
            r"\bοποιαδήποτε ταλαιπωρία\b",
        ],
        excuses=[
            r"\bαλλά\b",
            r"\bωστόσο\b",
            r"\bδυστυχώς\b",
            r"\bπρομηθευτ\w*",
            r"\bδεν (?:φταίμε|ευθυνόμαστε)\b",
            r"\bαν σας\b",
            r"\bπέρα από τον έλεγχό μας\b",
        ],
        sorry=[r"\bσυγγνώμη\b", r"\bλυπάμαι\b", r"\bλυπούμαστε\b"],
        future=[r"\bθα\b"],
        dates=[
            r"\b(?:Δευτέρα|Τρίτη|Τετάρτη|Πέμπτη|Παρασκευή|Σάββατο|Κυριακή)\w*",
            r"\b(?:Ιανουαρίου|Φεβρουαρίου|Μαρτίου|Απριλίου|Μαΐου|Ιουνίου|Ιουλίου|Αυγούστου|"
            r"Σεπτεμβρίου|Οκτωβρίου|Νοεμβρίου|Δεκεμβρίου)\b",
            r"\bαύριο\b",
            r"\bσήμερα\b",
            r"\bεντός \w+ (?:ωρών|ημερών|εβδομάδων)\b",
            r"\bμέχρι (?:τις|την|το) \d",
            r"\b\d{1,4}[./-]\d{1,2}(?:[./-]\d{1,4})?\b",
        ],
        because=[r"\bεπειδή\b", r"\bλόγω\b", r"\bο λόγος\b", r"\bαιτία\b", r"\bγιατί\b"],
        drama=[r"\bβαθύτατα\b", r"\bειλικρινέστατα\b", r"\bσυντετριμμέν\w*", r"!{2,}"],
        words_limit=220,
    ),
    "pl": Lexicon(
        first_person=[
            r"\bprzepraszam\b",
            r"\bja\b",
            r"\bm(?:ój|oja|oje|ojego|ojej|oim)\b",
            r"\b\w+(?:łem|łam)\b",
            r"\b(?:zrobię|wyślę|naprawię|zadzwonię|oddam|dopilnuję|osobiście)\b",
        ],
        corporate=[
            r"\bfirma\b",
            r"\bspółka\b",
            r"\bw imieniu\b",
            r"\bprzepraszamy za (?:wszelkie )?(?:niedogodności|utrudnienia)\b",
            r"\bz przykrością informujemy\b",
        ],
        excuses=[
            r"\bale\b",
            r"\bjednak\b",
            r"\bniestety\b",
            r"\bz przyczyn niezależnych\b",
            r"\bdostawc\w*",
            r"\bkurier\w*",
            r"\bnie z naszej winy\b",
            r"\bprzepraszam,? (?:jeśli|jeżeli)\b",
        ],
        sorry=[r"\bprzeprasz\w*", r"\bprzeprosin\w*", r"\bprzykro\b"],
        future=[r"\b(?!się\b)\w{3,}(?:ę|emy|imy)\b", r"\bbędzie\b", r"\bbędę\b"],
        dates=[
            r"\b(?:poniedziałk|wtork|środ|czwart|piąt|sobot|niedziel)\w*",
            r"\b(?:stycznia|lutego|marca|kwietnia|maja|czerwca|lipca|sierpnia|września|"
            r"października|listopada|grudnia)\b",
            r"\bjutr\w*",
            r"\bdzisiaj\b",
            r"\bdziś\b",
            r"\bw ciągu \w+ (?:godzin|dni|tygodni)\w*",
            r"\bdo \d",
            r"\b\d{1,4}[./-]\d{1,2}(?:[./-]\d{1,4})?\b",
        ],
        because=[r"\bponieważ\b", r"\bbo\b", r"\bprzyczyn\w*", r"\bz powodu\b", r"\bdlatego\b"],
        drama=[r"\bnajszczerzej\b", r"\bgłęboko\b", r"\bogromnie\b", r"\bzdruzgotan\w*", r"!{2,}"],
        words_limit=220,
    ),
}


@dataclass(frozen=True)
class Finding:
    check: str
    ok: bool
    message: str
    evidence: list[str] = field(default_factory=list)


def language_of(text: str, fallback: str = "en") -> str:
    """Guess the draft's language from its script and a few common words."""
    if re.search(r"[\u4e00-\u9fff]", text):
        return "zh-hans"
    if re.search(r"[\u0370-\u03ff]", text):
        return "el"
    if re.search(r"[ąćęłńśźż]", text, re.IGNORECASE) or re.search(
        r"\b(?:przepraszam|się|jest|nie|dla)\b", text, re.IGNORECASE
    ):
        return "pl"
    return fallback if fallback in LEXICONS else "en"


def _found(patterns: list[str], text: str) -> list[str]:
    hits: list[str] = []
    for pattern in patterns:
        hits.extend(m.group(0) for m in re.finditer(pattern, text, re.IGNORECASE))
    return sorted(set(hits), key=str.casefold)


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?。！？;])\s*|\n+", text) if s.strip()]


def coach_check(
    text: str,
    *,
    kind: str = APOLOGY,
    language: str | None = None,
    author: str = "",
) -> list[Finding]:
    """Every finding on a draft; ``ok`` findings are there to say what is right too."""
    language = language if language in LEXICONS else language_of(text)
    lex = LEXICONS[language]
    findings: list[Finding] = []

    def add(check: str, ok: bool, good, bad, evidence=()) -> None:
        findings.append(Finding(check, ok, str(good if ok else bad), list(evidence)))

    mine = _found(lex.first_person, text)
    corporate = _found(lex.corporate, text)
    add(
        "first_person",
        bool(mine) and not corporate,
        _("Written in the first person."),
        _("Write it as yourself: “I am sorry…”, not as the company (“we regret”, “X regrets”).")
        if corporate
        else _("Say it in the first person: “I am sorry”, “I will…”."),
        corporate or mine,
    )
    if author:
        named = author.casefold() in text.casefold() or any(
            part.casefold() in text.casefold() for part in author.split() if len(part) > 2
        )
        add(
            "signed",
            named,
            _("Signed by a named person."),
            _("Sign it with your own name, so the customer knows who is answering for it."),
        )
    excuses = _found(lex.excuses, text)
    add(
        "no_excuses",
        not excuses,
        _("No excuses and no blame on others."),
        _("Drop the excuses and the blame on others: own the mistake without “but”."),
        excuses,
    )
    # What happened: some sentence that is neither the apology nor the promise.
    facts = [s for s in _sentences(text) if not _found(lex.sorry, s) and not _found(lex.dates, s)]
    size = len(re.sub(r"\s", "", text)) if lex.by_characters else len(text.split())
    add(
        "says_what_happened",
        sum(len(s) for s in facts) >= (12 if lex.by_characters else 30),
        _("Says what happened."),
        _("Say plainly what happened, in a sentence of its own."),
    )
    if kind == EXPLANATION:
        reasons = _found(lex.because, text)
        add(
            "says_why",
            bool(reasons),
            _("Says why it happened."),
            _("An explanation says why it happened: the cause, in plain words."),
            reasons,
        )
    promise = _found(lex.future, text)
    dates = _found(lex.dates, text)
    add(
        "fix_with_date",
        bool(promise) and bool(dates),
        _("Names a fix and when it will be done."),
        _("Name the fix and a date: what you will do, and by when.")
        if not dates
        else _("Say what you will do about it, not only when."),
        dates,
    )
    drama = _found(lex.drama, text)
    too_long = size > lex.words_limit
    add(
        "plain",
        not drama and not too_long,
        _("Plain and short enough to be read."),
        _("Shorter and plainer: the drama buries the apology.")
        if drama
        else _("Too long: the point gets lost. Keep to what happened, the fix and the date."),
        drama,
    )
    return findings


def coach_score(findings: list[Finding]) -> tuple[int, int]:
    return sum(1 for f in findings if f.ok), len(findings)
