"""Text the product ships as data: the playbooks (their names, steps, guidance and
questions) and the cause categories, which migrations load in English and
administrators may edit.

Each shipped text is marked with ``gettext_noop`` where it is defined, so it is in
the catalogs, and shown through ``shipped()``: in the reader's language while it
is as shipped, as written once an administrator has changed it (no catalog has
their words, and gettext gives back what it does not know).
"""

from django.utils.translation import gettext


def shipped(text: str) -> str:
    """``text`` in the active language if the product shipped it, else as it is."""
    return gettext(text) if text else text
