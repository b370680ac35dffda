"""A deterministic, realistic demo data set: teams, people, accounts in several
languages, contacts. ``make run`` loads a small one; ``bench/`` loads 100,000
accounts with the same generator."""

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from amends.accounts.models import Account, Contact, Kind, Lifecycle, Tier
from amends.accounts.services import ACCOUNT_FIELDS
from amends.core.bulk import rows_written_send
from amends.people.models import Role, Team, User
from amends.people.services import membership_set, team_create, user_create
from amends.timeline.models import Event
from amends.timeline.services import Actor, event_build, said, snapshot

DEMO_PASSWORD = "amends-demo"
DEMO_SOURCE = "demo"

TEAMS = [("Key Accounts", "key-accounts"), ("Growth", "growth"), ("E-commerce", "ecommerce")]
# username, first, last, language, [(team slug, role)]
PEOPLE = [
    ("admin", "Ada", "Admin", "en", [("key-accounts", Role.ADMIN)]),
    ("maria", "Maria", "Nowak", "pl", [("key-accounts", Role.MANAGER), ("growth", Role.MANAGER)]),
    ("eleni", "Eleni", "Georgiou", "el", [("key-accounts", Role.AGENT)]),
    ("tomek", "Tomasz", "Wójcik", "pl", [("growth", Role.AGENT)]),
    ("li", "Li", "Wei", "zh-hans", [("ecommerce", Role.AGENT)]),
    ("sam", "Sam", "Reed", "en", [("ecommerce", Role.MANAGER)]),
    ("viktor", "Viktor", "Lang", "en", [("key-accounts", Role.VIEWER), ("ecommerce", Role.VIEWER)]),
]
OWNERS = {
    "key-accounts": ["eleni", "maria"],
    "growth": ["tomek", "maria"],
    "ecommerce": ["li", "sam"],
}

COMPANY_WORDS = {
    "en": (
        [
            "Northwind",
            "Bluebird",
            "Harbor",
            "Summit",
            "Crescent",
            "Maple",
            "Ironwood",
            "Lakeside",
            "Redstone",
            "Silverline",
            "Oakridge",
            "Brightwater",
            "Kestrel",
            "Fairfield",
        ],
        [
            "Printing",
            "Logistics",
            "Foods",
            "Dental",
            "Software",
            "Supplies",
            "Studio",
            "Labs",
            "Health",
            "Freight",
            "Outfitters",
            "Analytics",
        ],
        ["Ltd", "Inc", "LLC", "& Co", "Group", "Partners"],
    ),
    "pl": (
        [
            "Wisła",
            "Bursztyn",
            "Zielona Dolina",
            "Mazur",
            "Sokół",
            "Orzeł",
            "Tatry",
            "Warta",
            "Bałtyk",
            "Jodła",
            "Łąka",
            "Świt",
        ],
        ["Druk", "Logistyka", "Meble", "Serwis", "Piekarnia", "Technika", "Handel", "Ogrody"],
        ["sp. z o.o.", "S.A.", "s.c.", "sp.j."],
    ),
    "el": (
        [
            "Αιγαίο",
            "Όλυμπος",
            "Ακρόπολη",
            "Κρήτη",
            "Πήγασος",
            "Ερμής",
            "Δελφοί",
            "Ιόνιο",
            "Αθηνά",
            "Ποσειδών",
            "Μύρτος",
            "Ήλιος",
        ],
        ["Τυπογραφία", "Μεταφορές", "Τρόφιμα", "Λογισμικό", "Εμπορική", "Ξενοδοχεία", "Υγεία"],
        ["Α.Ε.", "Ε.Π.Ε.", "Ι.Κ.Ε.", "Ο.Ε."],
    ),
    "zh-hans": (
        [
            "华东",
            "长江",
            "星河",
            "金桥",
            "蓝天",
            "东方",
            "新华",
            "明珠",
            "天成",
            "瑞丰",
            "海川",
            "嘉禾",
        ],
        ["印刷", "物流", "食品", "科技", "贸易", "软件", "医疗", "家居"],
        ["有限公司", "集团", "股份有限公司"],
    ),
    "de": (
        ["Nordlicht", "Bergmann", "Rheintal", "Eichenhof", "Falke", "Sonnenberg"],
        ["Druckerei", "Logistik", "Feinkost", "Software", "Handel", "Technik"],
        ["GmbH", "AG", "KG"],
    ),
}
PERSON_NAMES = {
    "en": (
        ["James", "Olivia", "Noah", "Emma", "Liam", "Ava", "Ethan", "Mia", "Grace", "Owen"],
        ["Carter", "Hughes", "Bennett", "Foster", "Price", "Turner", "Morgan", "Ellis"],
    ),
    "pl": (
        ["Anna", "Piotr", "Katarzyna", "Michał", "Agnieszka", "Krzysztof", "Ewa", "Paweł"],
        ["Kowalski", "Nowak", "Wiśniewski", "Zieliński", "Lewandowski", "Kamiński"],
    ),
    "el": (
        ["Γιώργος", "Μαρία", "Νίκος", "Ελένη", "Δημήτρης", "Κατερίνα", "Κώστας", "Σοφία"],
        ["Παπαδόπουλος", "Οικονόμου", "Γεωργίου", "Νικολάου", "Δημητρίου", "Ιωάννου"],
    ),
    "zh-hans": (
        ["伟", "芳", "娜", "敏", "静", "磊", "洋", "艳"],
        ["王", "李", "张", "刘", "陈", "杨", "赵", "黄"],
    ),
    "de": (
        ["Lukas", "Anna", "Felix", "Lena", "Jonas", "Marie"],
        ["Müller", "Schmidt", "Schneider", "Fischer", "Weber"],
    ),
}
LANGUAGE_WEIGHTS = [("en", 40), ("pl", 20), ("el", 15), ("zh-hans", 15), ("de", 10)]
CURRENCY = {"en": "USD", "pl": "PLN", "el": "EUR", "zh-hans": "CNY", "de": "EUR"}
ROLES = ["CEO", "Head of Operations", "Procurement lead", "Office manager", "CTO", "Finance"]
LIFECYCLE_WEIGHTS = [
    (Lifecycle.ACTIVE, 70),
    (Lifecycle.AT_RISK, 12),
    (Lifecycle.IN_RECOVERY, 6),
    (Lifecycle.PARTING, 3),
    (Lifecycle.CHURNED, 5),
    (Lifecycle.WON_BACK, 4),
]


@dataclass
class DemoResult:
    teams: int = 0
    users: int = 0
    accounts: int = 0
    contacts: int = 0


def _pick(rng: random.Random, weighted):
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


def _phone(rng: random.Random) -> str:
    return f"+{rng.randint(30, 86)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}"


def _person(rng: random.Random, language: str) -> str:
    first, last = PERSON_NAMES[language]
    if language == "zh-hans":
        return rng.choice(last) + rng.choice(first)
    return f"{rng.choice(first)} {rng.choice(last)}"


def demo_account_rows(*, count: int, seed: int, start: int = 0) -> Iterator[dict]:
    """Plain values for ``count`` accounts; the same seed gives the same rows."""
    for number in range(start, start + count):
        # One generator per row: row N is the same whatever the batch size.
        rng = random.Random(f"{seed}:{number}")
        language = _pick(rng, LANGUAGE_WEIGHTS)
        kind = Kind.CONSUMER if rng.random() < 0.25 else Kind.BUSINESS
        if kind == Kind.CONSUMER:
            name = _person(rng, language)
            value = Decimal(rng.randrange(50, 5000))
            tier = Tier.SMALL
            team = "ecommerce"
        else:
            first, middle, last = COMPANY_WORDS[language]
            joiner = "" if language == "zh-hans" else " "
            name = joiner.join([rng.choice(first), rng.choice(middle), rng.choice(last)])
            value = Decimal(int(rng.lognormvariate(10.5, 1.0)) // 100 * 100)
            tier = (
                Tier.STRATEGIC
                if value > 200_000
                else Tier.KEY
                if value > 60_000
                else Tier.STANDARD
                if value > 10_000
                else Tier.SMALL
            )
            team = "key-accounts" if tier in (Tier.STRATEGIC, Tier.KEY) else "growth"
        contacts: list[dict[str, object]] = []
        for _ in range(1 if kind == Kind.CONSUMER else rng.randint(1, 3)):
            contact_name = name if kind == Kind.CONSUMER else _person(rng, language)
            contacts.append(
                {
                    "name": contact_name,
                    "role": "" if kind == Kind.CONSUMER else rng.choice(ROLES),
                    "email": f"contact{number}.{len(contacts) + 1}@customer.example",
                    "phone": _phone(rng),
                    "language": language,
                    "is_decision_maker": not contacts,
                }
            )
        yield {
            "external_id": f"demo-{number:06d}",
            "name": name,
            "kind": kind,
            "team": team,
            "owner": rng.choice(OWNERS[team]),
            "annual_value": value,
            "currency": CURRENCY[language],
            "tier": tier,
            "lifecycle": _pick(rng, LIFECYCLE_WEIGHTS),
            "language": language,
            "contacts": contacts,
        }


@transaction.atomic
def demo_people() -> tuple[dict[str, Team], dict[str, User], int, int]:
    teams, made_teams, made_users = {}, 0, 0
    for name, slug in TEAMS:
        team = Team.objects.filter(slug=slug).first()
        if team is None:
            team, made_teams = team_create(name=name, slug=slug), made_teams + 1
        teams[slug] = team
    users = {}
    for username, first, last, language, memberships in PEOPLE:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = user_create(
                username=username,
                password=DEMO_PASSWORD,
                email=f"{username}@amends.example",
                first_name=first,
                last_name=last,
                is_superuser=username == "admin",
                preferred_language=language,
            )
            made_users += 1
            for slug, role in memberships:
                membership_set(user=user, team=teams[slug], role=role)
        users[username] = user
    return teams, users, made_teams, made_users


def demo_load(
    *,
    accounts: int,
    seed: int = 1,
    batch: int = 5000,
    progress: Callable[[int, int], None] | None = None,
) -> DemoResult:
    """Add the demo people and ``accounts`` demo accounts (those not there yet)."""
    teams, users, made_teams, made_users = demo_people()
    result = DemoResult(teams=made_teams, users=made_users)
    actor = Actor.system()
    now = timezone.now()
    present = set(Account.objects.filter(source=DEMO_SOURCE).values_list("external_id", flat=True))
    for start in range(0, accounts, batch):
        rows = [
            row
            for row in demo_account_rows(count=min(batch, accounts - start), seed=seed, start=start)
            if row["external_id"] not in present
        ]
        with transaction.atomic():
            made = []
            for row in rows:
                account = Account(
                    **{k: v for k, v in row.items() if k not in {"contacts", "team", "owner"}},
                    team=teams[row["team"]],
                    owner=users[row["owner"]],
                    source=DEMO_SOURCE,
                    created_at=now,
                    updated_at=now,
                )
                account.search_text = Account.search_text_for(account.name, account.external_id)
                made.append(account)
            Account.objects.bulk_create(made)
            Contact.objects.bulk_create(
                Contact(account=account, created_at=now, updated_at=now, **contact)
                for account, row in zip(made, rows, strict=True)
                for contact in row["contacts"]
            )
            # The contacts are part of their accounts' words: one notice indexes both.
            rows_written_send(Account, [account.pk for account in made])
            Event.objects.bulk_create(
                event_build(
                    actor=actor,
                    action="account.created",
                    subject=account,
                    account_id=account.pk,
                    summary=said(
                        gettext_noop("Account %(name)s created by the demo generator"),
                        name=account.name,
                    ),
                    after=snapshot(account, ACCOUNT_FIELDS),
                    at=now,
                )
                for account in made
            )
        result.accounts += len(made)
        result.contacts += sum(len(row["contacts"]) for row in rows)
        if progress:
            progress(min(start + batch, accounts), accounts)
    return result
