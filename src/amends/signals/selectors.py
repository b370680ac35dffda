from django.db.models import QuerySet

from amends.accounts.models import Account
from amends.signals.models import Signal, SignalSource


def signal_list_for_account(*, account: Account, kind: str = "") -> QuerySet[Signal]:
    """Newest first; the (account, kind, at) index serves both orders."""
    signals = Signal.objects.filter(account=account)
    if kind:
        signals = signals.filter(kind=kind.lower())
    return signals.order_by("-at", "-id")


def signal_source_for_webhook(*, slug: str) -> SignalSource | None:
    """The source a webhook names, active or not (the caller refuses inactive ones)."""
    return SignalSource.objects.select_related("team").filter(slug=slug).first()
