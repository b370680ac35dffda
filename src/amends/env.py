"""Small typed readers for settings that come from the environment.

Each reader names the variable it rejects, so a typo in a deployment fails at
start-up with a message instead of running with a silent default.
"""

import os
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}"
    )


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}; got {value}")
    return value


TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django.tasks.backends.immediate.ImmediateBackend",
}


def tasks_from_env() -> dict:
    """AMENDS_TASKS_BACKEND: "database" (the default: ``amends worker`` runs the
    tasks, as many workers as you like), "immediate" (each task runs at once in the
    process that enqueues it; no worker needed, for trying things out), or the
    dotted path of another backend for Django's task framework."""
    raw = env_str("AMENDS_TASKS_BACKEND", "database").strip() or "database"
    if raw in TASK_BACKENDS:
        return {"default": {"BACKEND": TASK_BACKENDS[raw]}}
    if "." not in raw:
        known = ", ".join(TASK_BACKENDS)
        raise ImproperlyConfigured(
            f"AMENDS_TASKS_BACKEND is {raw!r}: use {known}, or a backend's dotted path."
        )
    return {"default": {"BACKEND": raw}}


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def read_secret_file(name: str) -> str:
    """The first line of the file named by ``name``, or "" when it is unset."""
    path = os.environ.get(name)
    if not path:
        return ""
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.readline().strip()
    except OSError as error:
        raise ImproperlyConfigured(f"{name}: cannot read {path}: {error.strerror}") from None


def read_secret_file_if_present(path) -> str:
    """The first line of ``path``, or "" when there is no such file."""
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.readline().strip()
    except FileNotFoundError:
        return ""
    except OSError as error:
        raise ImproperlyConfigured(f"cannot read {path}: {error.strerror}") from None


def mailers_from_env() -> dict:
    host = env_str("AMENDS_EMAIL_HOST")
    outbox = env_str("AMENDS_EMAIL_OUTBOX")
    if not host and outbox:
        # The demo's mail, kept as files for the /outbox/ page (Django's file backend).
        return {
            "default": {
                "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
                "OPTIONS": {"file_path": outbox},
            }
        }
    if not host:
        return {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
    use_tls, use_ssl = env_bool("AMENDS_EMAIL_USE_TLS"), env_bool("AMENDS_EMAIL_USE_SSL")
    if use_tls and use_ssl:
        raise ImproperlyConfigured("set AMENDS_EMAIL_USE_TLS or AMENDS_EMAIL_USE_SSL, not both")
    return {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": host,
                "port": env_int("AMENDS_EMAIL_PORT", 465 if use_ssl else 25, minimum=1),
                "username": env_str("AMENDS_EMAIL_USER"),
                "password": env_str("AMENDS_EMAIL_PASSWORD"),
                "use_tls": use_tls,
                "use_ssl": use_ssl,
                "timeout": env_int("AMENDS_EMAIL_TIMEOUT", 10, minimum=1),
            },
        }
    }


def database_from_url(url: str, *, name: str = "AMENDS_DATABASE_URL") -> dict:
    """Turn ``sqlite:///path`` or ``postgres://user:pw@host:port/db`` into a DATABASES entry.

    A PostgreSQL server on a Unix socket is reached with ``?host=/socket/dir``.
    """
    parts = urlsplit(url)
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    if parts.scheme == "sqlite":
        path = unquote(parts.path)
        # sqlite:///relative/file and sqlite:////absolute/file, as most tools read them.
        path = path[1:]
        if not path:
            raise ImproperlyConfigured(f"{name} names no SQLite file: {url!r}")
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": path if path == ":memory:" else os.path.abspath(path),
            "OPTIONS": {
                # IMMEDIATE takes the write lock when a transaction starts, so two
                # writers queue on busy_timeout instead of failing mid-transaction.
                "transaction_mode": "IMMEDIATE",
                "timeout": 10,
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA busy_timeout=10000;"
                    "PRAGMA foreign_keys=ON;"
                    "PRAGMA cache_size=-32000;"
                ),
            },
            # Keep connections: a fresh one per request starts with a cold page cache.
            "CONN_MAX_AGE": 600,
            "CONN_HEALTH_CHECKS": True,
            "TEST": {"NAME": query.get("test_name") or None},
        }
    if parts.scheme in {"postgres", "postgresql", "pgsql"}:
        database = unquote(parts.path.lstrip("/"))
        if not database:
            raise ImproperlyConfigured(f"{name} names no PostgreSQL database: {url!r}")
        options = {k: v for k, v in query.items() if k not in {"host", "conn_max_age"}}
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": database,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": query.get("host") or parts.hostname or "",
            "PORT": str(parts.port or ""),
            "CONN_MAX_AGE": int(query.get("conn_max_age", "60")),
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": options,
        }
    raise ImproperlyConfigured(
        f"{name} must start with sqlite:// or postgres://; got {parts.scheme or 'no scheme'!r}"
    )
