import re

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from amends.incidents.selectors import postmortem_public
from amends.incidents.services import POSTMORTEM_FIELDS


def _without_names(text: str, names: list[str]) -> str:
    for name in sorted(names, key=len, reverse=True):
        text = re.sub(re.escape(name), "[a customer]", text, flags=re.IGNORECASE)
    return text


def postmortem_public_view(request: HttpRequest, key: str) -> HttpResponse:
    """A published post-mortem, readable by anyone with the link. Customer names
    are taken out even where the authors wrote them."""
    postmortem = postmortem_public(key=key)
    incident = postmortem.incident
    names = [
        n for n in incident.affected.values_list("account__name", flat=True) if n and len(n) > 2
    ]
    sections = [
        (name, _without_names(getattr(postmortem, name), names)) for name in POSTMORTEM_FIELDS
    ]
    context = {
        "incident": incident,
        "title": _without_names(incident.title, names),
        "postmortem": postmortem,
        "sections": sections,
    }
    return render(request, "incidents/postmortem_public.html", context)
