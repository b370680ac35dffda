"""The words Amends ships for each kind of message, in English, Simplified Chinese,
Greek and Polish, following METHOD.md: tell them first, apologise in the first
person without excuses, explain honestly, keep them updated, remind them of the
value they get. Managers change them on the templates page; more languages are
more rows. Loading is idempotent: a template already there is left as it is."""

from django.db import migrations

GREETING = {
    "en": "{% if contact.name %}Dear {{ contact.name }},{% else %}Hello,{% endif %}",
    "zh-hans": "{% if contact.name %}{{ contact.name }}，您好：{% else %}您好：{% endif %}",
    "el": "{% if contact.name %}Αγαπητέ/ή {{ contact.name }},{% else %}Γεια σας,{% endif %}",
    "pl": "Dzień dobry,",
}

SIGNATURE = {
    "en": "Best regards,\n{{ sender.name }}\n{{ sender.email }}",
    "zh-hans": "祝好！\n{{ sender.name }}\n{{ sender.email }}",
    "el": "Με εκτίμηση,\n{{ sender.name }}\n{{ sender.email }}",
    "pl": "Z pozdrowieniami\n{{ sender.name }}\n{{ sender.email }}",
}

# The plan, as a list: "- what, by when". One line per promise still standing.
PLAN = {
    "en": "{% for c in commitments %}- {{ c.what }}, by {{ c.due }}\n{% endfor %}",
    "zh-hans": "{% for c in commitments %}- {{ c.what }}，{{ c.due }}前完成\n{% endfor %}",
    "el": "{% for c in commitments %}- {{ c.what }}, μέχρι τις {{ c.due }}\n{% endfor %}",
    "pl": "{% for c in commitments %}- {{ c.what }}, do {{ c.due }}\n{% endfor %}",
}

LINK = {
    "en": "{% if case.link %}You can follow every step here: {{ case.link }}\n{% endif %}",
    "zh-hans": "{% if case.link %}您可以在这里随时查看每一步的进展：{{ case.link }}\n{% endif %}",
    "el": "{% if case.link %}Μπορείτε να παρακολουθείτε κάθε βήμα εδώ: {{ case.link }}\n"
    "{% endif %}",
    "pl": "{% if case.link %}Każdy krok można śledzić tutaj: {{ case.link }}\n{% endif %}",
}


def _join(*parts: str) -> str:
    return "\n\n".join(part.strip("\n") for part in parts if part) + "\n"


def _texts() -> dict[tuple[str, str], tuple[str, str]]:
    texts = {}

    # -- Telling them first: before they find it themselves ---------------------------
    texts["first_contact", "en"] = (
        "I want you to hear this from me first: {{ incident.title }}",
        _join(
            GREETING["en"],
            "I want you to hear this from me before you find it yourself: something went "
            "wrong on our side{% if incident.when %} on {{ incident.when }}{% endif %}.",
            "What happened: {{ incident.what }}",
            "I am sorry. I am finding out how far it reaches for {{ account.name }}, and I would "
            "like to talk it through with you, by phone or in person, as soon as it suits you. "
            "Could you give me a time today or tomorrow?",
            "{% if commitments %}What I have already set in motion:\n" + PLAN["en"] + "{% endif %}",
            LINK["en"],
            SIGNATURE["en"],
        ),
    )
    texts["first_contact", "zh-hans"] = (
        "我想让您先从我这里知道：{{ incident.title }}",
        _join(
            GREETING["zh-hans"],
            "在您自己发现之前，我想先亲口告诉您：{% if incident.when %}{{ incident.when }}，"
            "{% endif %}我们这边出了差错。",
            "发生了什么：{{ incident.what }}",
            "对不起。我正在弄清楚这件事对您的影响有多大，希望尽快和您通个电话或当面谈一谈。"
            "您今天或明天什么时候方便？",
            "{% if commitments %}我已经着手在做的事：\n" + PLAN["zh-hans"] + "{% endif %}",
            LINK["zh-hans"],
            SIGNATURE["zh-hans"],
        ),
    )
    texts["first_contact", "el"] = (
        "Θέλω να το μάθετε πρώτα από εμένα: {{ incident.title }}",
        _join(
            GREETING["el"],
            "Θέλω να το μάθετε από εμένα πριν το διαπιστώσετε μόνοι σας: κάτι πήγε στραβά από "
            "τη δική μας πλευρά{% if incident.when %} στις {{ incident.when }}{% endif %}.",
            "Τι συνέβη: {{ incident.what }}",
            "Λυπάμαι. Εξετάζω τώρα πόσο σας επηρεάζει και θα ήθελα να το συζητήσουμε, "
            "τηλεφωνικά ή από κοντά, το συντομότερο. Μπορείτε να μου πείτε μια ώρα που σας "
            "βολεύει σήμερα ή αύριο;",
            "{% if commitments %}Τι έχω ήδη ξεκινήσει:\n" + PLAN["el"] + "{% endif %}",
            LINK["el"],
            SIGNATURE["el"],
        ),
    )
    texts["first_contact", "pl"] = (
        "Chcę, żeby dowiedzieli się Państwo o tym ode mnie: {{ incident.title }}",
        _join(
            GREETING["pl"],
            "chcę, żeby dowiedzieli się Państwo o tym ode mnie, zanim sami to zauważą: "
            "{% if incident.when %}{{ incident.when }} {% endif %}coś poszło nie tak po naszej "
            "stronie.",
            "Co się stało: {{ incident.what }}",
            "Przepraszam. Sprawdzam teraz, jak bardzo to Państwa dotyczy, i chcę porozmawiać o "
            "tym z Państwem, telefonicznie lub osobiście, jak najszybciej. Kiedy dziś lub jutro "
            "mogę zadzwonić?",
            "{% if commitments %}Co już robimy:\n" + PLAN["pl"] + "{% endif %}",
            LINK["pl"],
            SIGNATURE["pl"],
        ),
    )

    # -- The apology: first person, owned, no excuses, a fix with a date ------------------
    texts["apology", "en"] = (
        "I am sorry: {{ incident.title }}",
        _join(
            GREETING["en"],
            "I am sorry we let you down. It was our mistake, and I take responsibility for "
            "putting it right.",
            "What happened: {{ incident.what }}"
            "{% if incident.impact %}\nWhat it meant for you: {{ incident.impact }}{% endif %}",
            "{% if commitments %}Here is what I will do about it, and by when:\n"
            + PLAN["en"]
            + "{% else %}I will call you tomorrow to agree with you how I put it right, and by "
            "when.{% endif %}",
            "If any of this does not match what you see on your side, please tell me: I would "
            "rather hear it now.",
            LINK["en"],
            SIGNATURE["en"],
        ),
    )
    texts["apology", "zh-hans"] = (
        "对不起：{{ incident.title }}",
        _join(
            GREETING["zh-hans"],
            "对不起，我们让您失望了。这是我们的错，由我负责把它改正过来。",
            "发生了什么：{{ incident.what }}"
            "{% if incident.impact %}\n对您的影响：{{ incident.impact }}{% endif %}",
            "{% if commitments %}我会这样弥补，并在以下日期前完成：\n"
            + PLAN["zh-hans"]
            + "{% else %}我明天会给您打电话，和您商定怎么弥补、什么时候完成。{% endif %}",
            "如果这些和您那边看到的情况不一致，请直接告诉我，我希望现在就知道。",
            LINK["zh-hans"],
            SIGNATURE["zh-hans"],
        ),
    )
    texts["apology", "el"] = (
        "Συγγνώμη: {{ incident.title }}",
        _join(
            GREETING["el"],
            "Λυπάμαι που σας απογοητεύσαμε. Το λάθος ήταν δικό μας και αναλαμβάνω εγώ να το "
            "διορθώσω.",
            "Τι συνέβη: {{ incident.what }}"
            "{% if incident.impact %}\nΤι σήμαινε για εσάς: {{ incident.impact }}{% endif %}",
            "{% if commitments %}Τι θα κάνω για να το διορθώσω, και μέχρι πότε:\n"
            + PLAN["el"]
            + "{% else %}Θα σας τηλεφωνήσω αύριο για να συμφωνήσουμε πώς και μέχρι πότε θα το "
            "διορθώσω.{% endif %}",
            "Αν κάτι από αυτά δεν ταιριάζει με όσα βλέπετε εσείς, πείτε μου: προτιμώ να το "
            "ακούσω τώρα.",
            LINK["el"],
            SIGNATURE["el"],
        ),
    )
    texts["apology", "pl"] = (
        "Przepraszam: {{ incident.title }}",
        _join(
            GREETING["pl"],
            "przepraszam. Zawiedliśmy Państwa, to był nasz błąd i biorę na siebie jego "
            "naprawienie.",
            "Co się stało: {{ incident.what }}"
            "{% if incident.impact %}\nCo to oznaczało dla Państwa: {{ incident.impact }}"
            "{% endif %}",
            "{% if commitments %}Oto co zrobię, żeby to naprawić, i do kiedy:\n"
            + PLAN["pl"]
            + "{% else %}Zadzwonię jutro, żeby uzgodnić z Państwem, jak i do kiedy to naprawię."
            "{% endif %}",
            "Jeśli coś z tego nie zgadza się z tym, co widzą Państwo u siebie, proszę mi o tym "
            "powiedzieć: wolę usłyszeć to teraz.",
            LINK["pl"],
            SIGNATURE["pl"],
        ),
    )

    # -- The explanation: what happened and why, honestly; what changes -----------------
    texts["explanation", "en"] = (
        "What happened, and why: {{ incident.title }}",
        _join(
            GREETING["en"],
            "I promised to explain what happened{% if incident.when %} on {{ incident.when }}"
            "{% endif %}, so here it is, as honestly as I can put it.",
            "What happened: {{ incident.what }}",
            "{% if incident.why %}The reason it happened: {{ incident.why }}{% endif %}",
            "{% if changes %}What I am changing so that it does not happen again:\n"
            "{% for c in changes %}- {{ c.what }}\n{% endfor %}{% endif %}",
            "{% if commitments %}What I will still do, and by when:\n"
            + PLAN["en"]
            + "{% else %}I will call you tomorrow to ask whether this answers your questions."
            "{% endif %}",
            "I am sorry for the trouble this caused you. If you would like me to walk you "
            "through it in person, I will gladly come to you.",
            SIGNATURE["en"],
        ),
    )
    texts["explanation", "zh-hans"] = (
        "发生了什么，为什么：{{ incident.title }}",
        _join(
            GREETING["zh-hans"],
            "我答应过给您一个解释。下面是我所了解的{% if incident.when %}{{ incident.when }}"
            "{% endif %}发生的事情，我尽量说得坦白。",
            "发生了什么：{{ incident.what }}",
            "{% if incident.why %}原因：{{ incident.why }}{% endif %}",
            "{% if changes %}为了不再发生，我正在做这些改变：\n"
            "{% for c in changes %}- {{ c.what }}\n{% endfor %}{% endif %}",
            "{% if commitments %}接下来我还会做的事，以及完成日期：\n"
            + PLAN["zh-hans"]
            + "{% else %}我明天会给您打电话，问问这个解释是否回答了您的问题。{% endif %}",
            "这件事给您添了麻烦，我很抱歉。如果您愿意，我可以当面向您详细说明。",
            SIGNATURE["zh-hans"],
        ),
    )
    texts["explanation", "el"] = (
        "Τι συνέβη και γιατί: {{ incident.title }}",
        _join(
            GREETING["el"],
            "Σας υποσχέθηκα να σας εξηγήσω τι συνέβη{% if incident.when %} στις "
            "{{ incident.when }}{% endif %}, και το κάνω όσο πιο ειλικρινά μπορώ.",
            "Τι συνέβη: {{ incident.what }}",
            "{% if incident.why %}Η αιτία: {{ incident.why }}{% endif %}",
            "{% if changes %}Τι αλλάζω ώστε να μην ξανασυμβεί:\n"
            "{% for c in changes %}- {{ c.what }}\n{% endfor %}{% endif %}",
            "{% if commitments %}Τι θα κάνω ακόμη, και μέχρι πότε:\n"
            + PLAN["el"]
            + "{% else %}Θα σας τηλεφωνήσω αύριο να δούμε αν η εξήγηση απαντά στις ερωτήσεις "
            "σας.{% endif %}",
            "Λυπάμαι για την αναστάτωση που σας προκάλεσε. Αν θέλετε, θα έρθω να σας τα εξηγήσω "
            "από κοντά.",
            SIGNATURE["el"],
        ),
    )
    texts["explanation", "pl"] = (
        "Co się stało i dlaczego: {{ incident.title }}",
        _join(
            GREETING["pl"],
            "zgodnie z obietnicą wyjaśniam, co się stało{% if incident.when %} "
            "{{ incident.when }}{% endif %}, tak uczciwie, jak potrafię.",
            "Co się stało: {{ incident.what }}",
            "{% if incident.why %}Przyczyna: {{ incident.why }}{% endif %}",
            "{% if changes %}Co zmieniamy, żeby to się nie powtórzyło:\n"
            "{% for c in changes %}- {{ c.what }}\n{% endfor %}{% endif %}",
            "{% if commitments %}Co jeszcze zrobię i do kiedy:\n"
            + PLAN["pl"]
            + "{% else %}Zadzwonię jutro, żeby zapytać, czy to wyjaśnienie odpowiada na "
            "Państwa pytania.{% endif %}",
            "Przepraszam za kłopot, jaki to Państwu sprawiło. Jeśli Państwo chcą, chętnie "
            "przyjadę i omówię to osobiście.",
            SIGNATURE["pl"],
        ),
    )

    # -- A progress update: where each promise stands -----------------------------------
    texts["update", "en"] = (
        "Where things stand: {{ incident.title }}",
        _join(
            GREETING["en"],
            "A short update on what I promised you:",
            "{% for c in commitments %}- {{ c.what }}: {% if c.kept %}done{% if c.resolved %}, "
            "{{ c.resolved }}{% endif %}{% else %}under way, due {{ c.due }}{% endif %}\n"
            "{% endfor %}{% for c in commitments_broken %}- {{ c.what }}: I did not keep this "
            "one{% if c.reason %} ({{ c.reason }}){% endif %}\n{% endfor %}",
            "I will write again as soon as there is news. If anything worries you in the "
            "meantime, write or call me directly.",
            LINK["en"],
            SIGNATURE["en"],
        ),
    )
    texts["update", "zh-hans"] = (
        "进展：{{ incident.title }}",
        _join(
            GREETING["zh-hans"],
            "简单向您汇报一下我答应您的事情的进展：",
            "{% for c in commitments %}- {{ c.what }}：{% if c.kept %}已完成{% if c.resolved %}"
            "（{{ c.resolved }}）{% endif %}{% else %}进行中，{{ c.due }}前完成{% endif %}\n"
            "{% endfor %}{% for c in commitments_broken %}- {{ c.what }}：这一项我没有做到"
            "{% if c.reason %}（{{ c.reason }}）{% endif %}\n{% endfor %}",
            "一有新进展我会马上告诉您。在此期间如有任何担心，请直接给我写信或打电话。",
            LINK["zh-hans"],
            SIGNATURE["zh-hans"],
        ),
    )
    texts["update", "el"] = (
        "Πού βρισκόμαστε: {{ incident.title }}",
        _join(
            GREETING["el"],
            "Μια σύντομη ενημέρωση για όσα σας υποσχέθηκα:",
            "{% for c in commitments %}- {{ c.what }}: {% if c.kept %}έγινε{% if c.resolved %}, "
            "{{ c.resolved }}{% endif %}{% else %}σε εξέλιξη, μέχρι τις {{ c.due }}{% endif %}\n"
            "{% endfor %}{% for c in commitments_broken %}- {{ c.what }}: αυτό δεν το τήρησα"
            "{% if c.reason %} ({{ c.reason }}){% endif %}\n{% endfor %}",
            "Θα σας ξαναγράψω μόλις υπάρχει κάτι νέο. Αν στο μεταξύ κάτι σας ανησυχεί, γράψτε ή "
            "τηλεφωνήστε μου απευθείας.",
            LINK["el"],
            SIGNATURE["el"],
        ),
    )
    texts["update", "pl"] = (
        "Jak postępują prace: {{ incident.title }}",
        _join(
            GREETING["pl"],
            "krótka informacja o tym, jak idzie to, co Państwu obiecaliśmy:",
            "{% for c in commitments %}- {{ c.what }}: {% if c.kept %}zrobione{% if c.resolved %}"
            ", {{ c.resolved }}{% endif %}{% else %}w toku, termin: {{ c.due }}{% endif %}\n"
            "{% endfor %}{% for c in commitments_broken %}- {{ c.what }}: tej obietnicy nie "
            "dotrzymaliśmy{% if c.reason %} ({{ c.reason }}){% endif %}\n{% endfor %}",
            "Napiszę ponownie, gdy tylko będzie coś nowego. Gdyby w międzyczasie coś Państwa "
            "niepokoiło, proszę pisać lub dzwonić bezpośrednio do mnie.",
            LINK["pl"],
            SIGNATURE["pl"],
        ),
    )

    # -- A follow-up: attentive until they say it is no longer needed -------------------
    texts["follow_up", "en"] = (
        "How are things now?",
        _join(
            GREETING["en"],
            "I am writing to ask you directly: how are things now"
            "{% if incident.title %}, after “{{ incident.title }}”{% endif %}? Is anything "
            "still not right, or is there something I can do for you and your team?",
            "I am keeping a close eye on everything we do for {{ account.name }} myself, until "
            "you tell me it is no longer needed.",
            SIGNATURE["en"],
        ),
    )
    texts["follow_up", "zh-hans"] = (
        "现在情况怎么样？",
        _join(
            GREETING["zh-hans"],
            "我想直接问问您：{% if incident.title %}“{{ incident.title }}”之后，{% endif %}"
            "现在情况怎么样？还有什么不对的地方，或者有什么我可以为您和您的团队做的吗？",
            "在您告诉我不再需要之前，我会亲自留意我们为{{ account.name }}所做的每一件事。",
            SIGNATURE["zh-hans"],
        ),
    )
    texts["follow_up", "el"] = (
        "Πώς είναι τα πράγματα τώρα;",
        _join(
            GREETING["el"],
            "Σας γράφω για να ρωτήσω ευθέως: πώς είναι τα πράγματα τώρα"
            "{% if incident.title %}, μετά το «{{ incident.title }}»{% endif %}; Υπάρχει κάτι "
            "που ακόμη δεν πάει καλά ή κάτι που μπορώ να κάνω για εσάς και την ομάδα σας;",
            "Παρακολουθώ προσωπικά κάθε πτυχή της συνεργασίας μας, μέχρι να μου πείτε ότι δεν "
            "χρειάζεται πια.",
            SIGNATURE["el"],
        ),
    )
    texts["follow_up", "pl"] = (
        "Jak wygląda sytuacja teraz?",
        _join(
            GREETING["pl"],
            "piszę, żeby zapytać wprost: jak wyglądają sprawy teraz"
            "{% if incident.title %}, po „{{ incident.title }}”{% endif %}? Czy coś nadal nie "
            "działa tak, jak powinno, albo czy mogę w czymś pomóc Państwu i Państwa zespołowi?",
            "Osobiście czuwam nad wszystkim, co robimy dla Państwa, dopóki nie powiedzą "
            "Państwo, że nie jest to już potrzebne.",
            SIGNATURE["pl"],
        ),
    )

    # -- The value summary: remind them, regularly, of the value they get ---------------
    for language, words in VALUE_WORDS.items():
        comma = "，" if language == "zh-hans" else ", "
        opening, closing = ("（", "）") if language == "zh-hans" else (" (", ")")
        order_totals = "".join(
            [
                "{% for t in value.orders.totals %}{{ t.amount }} {{ t.currency }}",
                "{% if not forloop.last %}",
                comma,
                "{% endif %}{% endfor %}",
            ]
        )
        gestures = "".join(
            [
                "{% for g in value.gestures %}{{ g.description }}",
                opening,
                "{{ g.date }}",
                closing,
                "{% if not forloop.last %}",
                comma,
                "{% endif %}{% endfor %}",
            ]
        )
        # One line per fact the period has, none for what it has not.
        facts = "".join(
            [
                "{% if value.orders.count %}- ",
                words["orders"],
                "{{ value.orders.count }}",
                "{% if value.orders.totals %}",
                opening,
                words["total"],
                order_totals,
                closing,
                "{% endif %}\n{% endif %}",
                "{% if value.complaints_resolved %}- ",
                words["complaints"],
                "{{ value.complaints_resolved }}\n{% endif %}",
                "{% if value.promises_kept %}- ",
                words["kept"],
                "{{ value.promises_kept }}",
                "{% if value.promises_kept_late %}",
                opening,
                words["late"],
                "{{ value.promises_kept_late }}",
                closing,
                "{% endif %}\n{% endif %}",
                "{% if value.cases_recovered %}- ",
                words["recovered"],
                "{{ value.cases_recovered }}\n{% endif %}",
                "{% if value.gestures %}- ",
                words["extra"],
                gestures,
                "\n{% endif %}",
                "{% if value.is_empty %}",
                words["quiet"],
                "{% endif %}",
            ]
        )
        texts["value_summary", language] = (
            words["subject"],
            _join(
                GREETING[language], words["opening"], facts, words["thanks"], SIGNATURE[language]
            ),
        )
    return texts


VALUE_WORDS = {
    "en": {
        "subject": "What we did together, {{ period.start }} – {{ period.end }}",
        "opening": "I put together a short look back at what we did for {{ account.name }} "
        "between {{ period.start }} and {{ period.end }}:",
        "orders": "Orders fulfilled: ",
        "total": "",
        "complaints": "Questions and complaints resolved: ",
        "kept": "Promises kept: ",
        "late": "late: ",
        "recovered": "Problems put right and closed: ",
        "extra": "Something extra from us: ",
        "quiet": "It has been a quiet period, and I would still like to hear how things are "
        "going for you.",
        "thanks": "Thank you for working with us. If there is anything we could do better, or "
        "more of, I would like to hear it.",
    },
    "zh-hans": {
        "subject": "我们一起做了什么：{{ period.start }} – {{ period.end }}",
        "opening": "我整理了一下{{ period.start }}至{{ period.end }}期间我们为{{ account.name }}"
        "所做的事情：",
        "orders": "完成的订单：",
        "total": "合计 ",
        "complaints": "解决的问题和投诉：",
        "kept": "兑现的承诺：",
        "late": "其中延迟兑现：",
        "recovered": "已解决并结案的问题：",
        "extra": "额外为您做的：",
        "quiet": "这段时间比较平静，我还是很想听听您那边的情况。",
        "thanks": "感谢您和我们的合作。如果有什么我们可以做得更好或者可以多做的，"
        "我很想听听您的意见。",
    },
    "el": {
        "subject": "Τι κάναμε μαζί: {{ period.start }} – {{ period.end }}",
        "opening": "Σας στέλνω μια σύντομη ανασκόπηση όσων κάναμε για εσάς στο διάστημα "
        "{{ period.start }} – {{ period.end }}:",
        "orders": "Παραγγελίες που ολοκληρώθηκαν: ",
        "total": "σύνολο ",
        "complaints": "Ερωτήματα και παράπονα που λύθηκαν: ",
        "kept": "Δεσμεύσεις που τηρήθηκαν: ",
        "late": "με καθυστέρηση: ",
        "recovered": "Προβλήματα που διορθώθηκαν και έκλεισαν: ",
        "extra": "Κάτι επιπλέον από εμάς: ",
        "quiet": "Ήταν μια ήσυχη περίοδος, και θα ήθελα πολύ να ακούσω πώς πάνε τα πράγματα σε "
        "εσάς.",
        "thanks": "Σας ευχαριστώ για τη συνεργασία. Αν υπάρχει κάτι που μπορούμε να κάνουμε "
        "καλύτερα ή περισσότερο, θα ήθελα πολύ να το ακούσω.",
    },
    "pl": {
        "subject": "Co razem zrobiliśmy: {{ period.start }} – {{ period.end }}",
        "opening": "przesyłam krótkie podsumowanie tego, co zrobiliśmy dla Państwa od "
        "{{ period.start }} do {{ period.end }}:",
        "orders": "Zrealizowane zamówienia: ",
        "total": "łącznie ",
        "complaints": "Rozwiązane pytania i reklamacje: ",
        "kept": "Dotrzymane obietnice: ",
        "late": "w tym z opóźnieniem: ",
        "recovered": "Naprawione i zamknięte problemy: ",
        "extra": "Coś ekstra od nas: ",
        "quiet": "To był spokojny okres, a mimo to chętnie usłyszę, jak się Państwu z nami "
        "współpracuje.",
        "thanks": "Dziękuję za współpracę. Jeśli coś możemy robić lepiej albo więcej, chętnie o "
        "tym usłyszę.",
    },
}


def add_templates(apps, schema_editor):
    MessageTemplate = apps.get_model("comms", "MessageTemplate")
    for (kind, language), (subject, body) in _texts().items():
        MessageTemplate.objects.get_or_create(
            kind=kind, language=language, defaults={"subject": subject, "body": body}
        )


class Migration(migrations.Migration):
    dependencies = [("comms", "0001_initial")]
    operations = [migrations.RunPython(add_templates, migrations.RunPython.noop)]
