"""The one settings module. Every value a deployment may change comes from an
``AMENDS_*`` environment variable, documented in docs/settings.md (a test keeps
the two in step)."""

from datetime import timedelta
from pathlib import Path

from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from amends.env import (
    database_from_url,
    env_bool,
    env_int,
    env_list,
    env_str,
    mailers_from_env,
    read_secret_file,
    read_secret_file_if_present,
    tasks_from_env,
)

SRC_DIR = Path(__file__).resolve().parent
BASE_DIR = Path(env_str("AMENDS_HOME", str(SRC_DIR.parent.parent))).resolve()
VAR_DIR = BASE_DIR / "var"

DEBUG = env_bool("AMENDS_DEBUG", False)
# The key from the environment, else from the file it names, else from the file
# `make run` makes (var/secret-key under AMENDS_HOME), so the command line works
# wherever the server does. Never empty, so Django starts far enough to run the
# amends.E001 check, which refuses the placeholder with a message that says what to set.
SECRET_KEY = (
    env_str("AMENDS_SECRET_KEY")
    or read_secret_file("AMENDS_SECRET_KEY_FILE")
    or read_secret_file_if_present(VAR_DIR / "secret-key")
    or ("insecure-dev-key" if DEBUG else "amends-secret-key-not-set")
)
ALLOWED_HOSTS = env_list("AMENDS_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("AMENDS_CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("AMENDS_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Served over HTTPS (directly or behind a proxy that terminates TLS): redirect plain
# HTTP, send HSTS, and keep the session and CSRF cookies to HTTPS.
HTTPS = env_bool("AMENDS_HTTPS", False)
SECURE_COOKIES = env_bool("AMENDS_SECURE_COOKIES", HTTPS)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = env_int("AMENDS_HSTS_SECONDS", 31_536_000 if HTTPS else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("AMENDS_HSTS_INCLUDE_SUBDOMAINS", HTTPS)
# The preload directive only permits a submission to the browsers' list (of a whole
# registrable domain, by its owner); it changes nothing on its own.
SECURE_HSTS_PRELOAD = env_bool("AMENDS_HSTS_PRELOAD", HTTPS)
# Behind a proxy, trust its X-Forwarded-Proto only when told to: a direct client
# could otherwise claim HTTPS. The proxy must overwrite the header, never pass it on.
BEHIND_PROXY = env_bool("AMENDS_BEHIND_PROXY", False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# /healthz answers probes over plain HTTP from inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_HTTPONLY = True

_DEFAULT_DATABASE = f"sqlite:///{VAR_DIR / 'amends.sqlite3'}"
DATABASES = {"default": database_from_url(env_str("AMENDS_DATABASE_URL", _DEFAULT_DATABASE))}
if DATABASES["default"]["NAME"] == str(VAR_DIR / "amends.sqlite3"):
    # The embedded default must work on a fresh checkout: make its folder.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",  # the widgets' own templates, for the project's form renderer
    "django.contrib.humanize",
    "axes",  # throttles every password login (the app's, the admin's)
    "ninja",  # serves the API docs page's scripts itself instead of from a CDN
    "django_tasks_db",
    "amends.core",
    "amends.people",
    "amends.timeline",
    "amends.accounts",
    "amends.incidents",
    "amends.recovery",
    "amends.signals",
    "amends.health",
    "amends.complaints",
    "amends.comms",
    "amends.notices",
    "amends.mail",
    "amends.customerpage",
    "amends.reminders",
    "amends.parting",
    "amends.referrals",
    "amends.insights",
    "amends.search",
    "amends.shell",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "amends.core.middleware.HtmxVaryMiddleware",
    "amends.core.middleware.ApiErrorShapeMiddleware",
    "amends.core.middleware.NumberOutOfRangeMiddleware",
    "axes.middleware.AxesMiddleware",
]

# Every HTML page: scripts and styles only from this server (or with the request's
# nonce), no plugins, no <base>, never framed. The pages carry no inline script or
# style; the API docs (Swagger UI) and the Django admin work under it too.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

ROOT_URLCONF = "amends.urls"
WSGI_APPLICATION = "amends.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "amends.core.context_processors.navigation",
                "amends.timeline.context_processors.bell",
            ],
        },
    }
]

AUTH_USER_MODEL = "people.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "recovery:work"  # a person starts the day on My work
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Every password login goes through django-axes. It locks a username *from one
# address* after AXES_FAILURE_LIMIT failures, for the cool-off time: a stranger who
# guesses the admin's password locks out only their own address, never the admin.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("AMENDS_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(seconds=env_int("AMENDS_LOGIN_FAILURE_WINDOW", 900, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "amends.people.views.locked_out_response"
# REMOTE_ADDR only: behind a proxy, have it set REMOTE_ADDR (docs/settings.md);
# trusting X-Forwarded-For here would let a guesser choose their own address.
AXES_CLIENT_IP_CALLABLE = "amends.people.access.client_address"
AXES_VERBOSE = False

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("zh-hans", _("Simplified Chinese")),
    ("el", _("Greek")),
    ("pl", _("Polish")),
]
LOCALE_PATHS = [SRC_DIR / "locale"]
TIME_ZONE = env_str("AMENDS_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on every start without it
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Serve straight from the app directories too, so a fresh checkout needs no collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Outgoing mail (Django 6.1 mailers): SMTP when AMENDS_EMAIL_HOST is set, else
# the console, which prints messages instead of sending them (right for a demo).
MAILERS = mailers_from_env()
# Demo and development: with AMENDS_EMAIL_OUTBOX (a folder) and no mail server, mail is
# kept there as files and shown at /outbox/ (make run sets it to var/outbox).
AMENDS_OUTBOX = "" if env_str("AMENDS_EMAIL_HOST") else env_str("AMENDS_EMAIL_OUTBOX")
DEFAULT_FROM_EMAIL = env_str("AMENDS_EMAIL_FROM", "amends@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Background work: Django tasks, in the database by default (docs/deploying.md).
# Forms and fields render through the project's templates (core/forms.py).
FORM_RENDERER = "amends.core.forms.FormRenderer"

TASKS = tasks_from_env()
# How many workers send one notice side by side (each at its share of the rate).
AMENDS_NOTICE_SENDERS = env_int("AMENDS_NOTICE_SENDERS", 2, minimum=1)

# In the database, so every server process shares it (a migration makes the table):
# the feedback form's rate limits and the insights dashboards. Room for 10,000 entries
# (Django's 300 would start dropping rate limits after some 300 dashboards).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "amends_cache",
        "OPTIONS": {"MAX_ENTRIES": 10_000},
    }
}

# A late step or promise escalates to its owner at once, then to the team's
# managers, then to the admins, after these many hours late.
AMENDS_ESCALATE_MANAGER_AFTER_HOURS = env_int("AMENDS_ESCALATE_MANAGER_AFTER", 24, minimum=0)
AMENDS_ESCALATE_ADMIN_AFTER_HOURS = env_int("AMENDS_ESCALATE_ADMIN_AFTER", 72, minimum=0)

AMENDS_PAGE_SIZE = env_int("AMENDS_PAGE_SIZE", 25, minimum=5)

# Complaints: how fast they must be acknowledged, and the public feedback page's guards.
AMENDS_COMPLAINT_ACK_HOURS = env_int("AMENDS_COMPLAINT_ACK_HOURS", 24, minimum=1)
AMENDS_FEEDBACK_MIN_SECONDS = env_int("AMENDS_FEEDBACK_MIN_SECONDS", 3, minimum=0)
AMENDS_FEEDBACK_LIMIT_PER_ADDRESS = env_int("AMENDS_FEEDBACK_LIMIT_PER_ADDRESS", 5, minimum=1)
AMENDS_FEEDBACK_LIMIT_PER_PAGE = env_int("AMENDS_FEEDBACK_LIMIT_PER_PAGE", 100, minimum=1)
AMENDS_FEEDBACK_LIMIT_WINDOW = env_int("AMENDS_FEEDBACK_LIMIT_WINDOW", 600, minimum=1)

# Mail in (docs/email.md): the largest mail and file kept; larger mail is refused.
AMENDS_MAIL_MAX_MESSAGE_MB = env_int("AMENDS_MAIL_MAX_MESSAGE_MB", 20, minimum=1)
AMENDS_MAIL_MAX_FILE_MB = env_int("AMENDS_MAIL_MAX_FILE_MB", 10, minimum=1)

# Reminders: the hour (in AMENDS_TIME_ZONE) after which the daily digests go out.
AMENDS_DIGEST_HOUR = env_int("AMENDS_DIGEST_HOUR", 7, minimum=0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("AMENDS_LOG_LEVEL", "INFO")},
    # The worker says what each task did; the task framework's own lines repeat it.
    "loggers": {
        "django.tasks": {"level": "WARNING"},
        "django_tasks_db": {"level": "WARNING"},
    },
}
