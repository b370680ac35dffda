"""The four playbooks of METHOD.md as shipped defaults. A migration loads them;
administrators edit them afterwards in Django's admin.

Each step: key, title, guidance, hours to its deadline from the case's start for
(critical, major, moderate, minor) severity, and what must be on record to complete it.
"""

from django.utils.translation import gettext_noop

DEFAULT_PLAYBOOKS = [
    {
        "kind": "mistake",
        "name": gettext_noop("Recover from a mistake"),
        "description": gettext_noop(
            "We made a mistake that hurt this customer. Tell them first, own it, "
            "fix it fast, and make sure it never happens twice."
        ),
        "steps": [
            (
                "first_contact",
                gettext_noop("Tell them first"),
                gettext_noop(
                    "Contact the customer before they find the error themselves; a call or a "
                    "meeting beats an email. Hiding is one of the two worst things you can do."
                ),
                (2, 4, 8, 24),
                ["contact"],
            ),
            (
                "discovery",
                gettext_noop("Find out how far behind you are"),
                gettext_noop(
                    "Talk with people in the customer's organisation. Ask how you can help them "
                    "and their team, and what they would like to see from you next. "
                    "Write the answers down."
                ),
                (24, 48, 72, 120),
                ["conversation"],
            ),
            (
                "apology",
                gettext_noop("Apologise in the first person"),
                gettext_noop(
                    'Say "I am sorry we let you down", in person if you can. Own it; no excuses: '
                    "an excuse is as bad as hiding."
                ),
                (24, 48, 72, 120),
                ["apology"],
            ),
            (
                "explanation",
                gettext_noop("Explain what happened"),
                gettext_noop("Tell them honestly what happened as you see it, and why."),
                (48, 72, 96, 168),
                ["explanation"],
            ),
            (
                "fix_plan",
                gettext_noop("Own the fix: a plan"),
                gettext_noop(
                    "Promise a fix that is specific, measurable, time-bound and owned by a person. "
                    "Rework is free."
                ),
                (48, 72, 120, 168),
                ["commitment"],
            ),
            (
                "act",
                gettext_noop("Act now"),
                gettext_noop("Problems don't age like wine: deliver every promise, on time."),
                (72, 120, 168, 336),
                ["commitments_resolved"],
            ),
            (
                "changes",
                gettext_noop("Explain the changes"),
                gettext_noop(
                    "Show what now prevents a repeat (a check, stock, staff, one named person) and "
                    "how the customer will hear of any future problem."
                ),
                (168, 240, 336, 504),
                ["preventive_change"],
            ),
            (
                "adjacent_value",
                gettext_noop("Add adjacent value"),
                gettext_noop(
                    "Beyond making good: useful advice, content or an invitation that reminds them "
                    "why you are worth keeping."
                ),
                (336, 504, 720, 720),
                ["gesture"],
            ),
            (
                "attentive",
                gettext_noop("Stay attentive until released"),
                gettext_noop(
                    "Follow up on a cadence and watch every part of the account until the customer "
                    "says it is no longer needed. If they refuse another chance, ask for a small "
                    "one."
                ),
                (720, 720, 1080, 1440),
                ["release"],
            ),
        ],
    },
    {
        "kind": "thaw",
        "name": gettext_noop("Thaw a cooling relationship"),
        "description": gettext_noop(
            "No single mistake, but the relationship is chilling. Reach out, find "
            "out why, remind them of the value they get, fix what you find, stay close."
        ),
        "steps": [
            (
                "reach_out",
                gettext_noop("Reach out"),
                gettext_noop("Call or meet; don't wait for them to leave."),
                (24, 48, 72, 120),
                ["contact"],
            ),
            (
                "discovery",
                gettext_noop("Find out what cooled"),
                gettext_noop("Ask what they would like to see from you next, and listen."),
                (72, 120, 168, 240),
                ["conversation"],
            ),
            (
                "remind_value",
                gettext_noop("Remind them of the value"),
                gettext_noop("Show, with their own numbers, what they receive from you."),
                (120, 168, 240, 336),
                ["value_reminder"],
            ),
            (
                "fix",
                gettext_noop("Fix what you found"),
                gettext_noop(
                    "Make specific, time-bound promises for what the conversation uncovered."
                ),
                (168, 240, 336, 504),
                ["commitment"],
            ),
            (
                "attentive",
                gettext_noop("Stay attentive"),
                gettext_noop("Follow up until the relationship is warm again."),
                (720, 720, 1080, 1440),
                ["release"],
            ),
        ],
    },
    {
        "kind": "complaint",
        "name": gettext_noop("Welcome a complaint"),
        "description": gettext_noop(
            "A complaint is a gift: acknowledge it fast, listen, resolve it, and "
            "check the customer is satisfied."
        ),
        "steps": [
            (
                "acknowledge",
                gettext_noop("Acknowledge"),
                gettext_noop("Thank them for telling you, at once."),
                (1, 2, 4, 24),
                ["contact"],
            ),
            (
                "listen",
                gettext_noop("Listen"),
                gettext_noop("Find out what happened from their side."),
                (24, 48, 72, 96),
                ["conversation"],
            ),
            (
                "resolve",
                gettext_noop("Resolve"),
                gettext_noop("Promise and deliver the fix."),
                (48, 72, 120, 168),
                ["commitment"],
            ),
            (
                "check",
                gettext_noop("Check they are satisfied"),
                gettext_noop("Ask one question: are you satisfied now?"),
                (168, 240, 336, 336),
                ["release"],
            ),
        ],
    },
    {
        "kind": "parting",
        "name": gettext_noop("A bad fit: the crucial conversation"),
        "description": gettext_noop(
            "Before giving up, hold an honest conversation; then continue with what "
            "was agreed, or part by mutual decision, gracefully."
        ),
        "steps": [
            (
                "conversation",
                gettext_noop("Hold the crucial conversation"),
                gettext_noop(
                    "Admit things are not going well, admit your own part, and work on a solution."
                ),
                (72, 120, 168, 240),
                ["conversation"],
            ),
            (
                "decision",
                gettext_noop("Decide together: continue or part"),
                gettext_noop("Record what you agreed."),
                (120, 168, 240, 336),
                ["decision"],
            ),
            (
                "next_steps",
                gettext_noop("Set the next steps"),
                gettext_noop(
                    "Continue: what was agreed. Part: dates, deliverables and hand-over, at once."
                ),
                (168, 240, 336, 504),
                ["commitment"],
            ),
            (
                "keep_them",
                gettext_noop("Keep to them, with regular updates"),
                gettext_noop("Onboarding in reverse: send progress updates until the end."),
                (720, 720, 1080, 1440),
                ["commitments_resolved"],
            ),
        ],
    },
]

DEFAULT_QUESTIONS = [
    gettext_noop("I know we may have made mistakes. How can we help you and your team?"),
    gettext_noop("From your point of view, what would you like to see from us next?"),
    gettext_noop("What did this problem cost you: time, money, people?"),
    gettext_noop("Who else in your organisation was affected, and should we talk to them?"),
    gettext_noop("How would you like us to tell you if anything like this happens again?"),
]
