from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

# The areas of METHOD.md, in the order a user meets them; each is its app's URL namespace.
NAVIGATION = [
    ("accounts", _("Accounts"), "accounts:list"),
    ("incidents", _("Incidents"), "incidents:list"),
    ("recovery", _("My work"), "recovery:work"),
    ("complaints", _("Inbox"), "complaints:inbox"),
    ("insights", _("Insights"), "insights:dashboard"),
]


def navigation(request):
    match = getattr(request, "resolver_match", None)
    current = match.namespace if match else ""
    items = [
        {"key": key, "label": label, "url": reverse(url_name), "current": key == current}
        for key, label, url_name in NAVIGATION
    ]
    if settings.AMENDS_OUTBOX:  # the demo's mail, kept instead of sent
        url = reverse("core:outbox")
        items.append({"key": "outbox", "label": _("Outbox"), "url": url, "current": False})
        items[-1]["current"] = request.path == url
    return {"navigation": items}
