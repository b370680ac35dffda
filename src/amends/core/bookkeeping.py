"""Writes that keep the books (a token's last use) rather than do what a person
asked. They must never make a request fail: a read must not answer 500 because
SQLite's write lock was busy while it noted when its token was last used."""

import logging
import time
from collections.abc import Callable

from django.db import DatabaseError, transaction

logger = logging.getLogger(__name__)

ATTEMPTS = 3


def bookkeeping_write(write: Callable[[], object], *, what: str) -> bool:
    """Run ``write`` in a transaction (a savepoint inside another), retried a few
    times when the database is busy; on giving up, log and carry on. True if written."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with transaction.atomic():
                write()
            return True
        except DatabaseError as error:
            if attempt == ATTEMPTS:
                logger.warning("Not recorded (%s): %s", what, error)
                return False
            time.sleep(0.05 * attempt)
    return False
