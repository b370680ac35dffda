"""What notices show on the incident page of incidents, the app below (registered
in apps.py): the address of the panel, which loads itself so it costs the incident
page nothing."""

from django.urls import reverse

from amends.core.parts import page_part


@page_part("incident_page", "notices_url")
def incident_page_notices(*, incident, **_):
    return reverse("notices:incident-notices", args=[incident.pk])
