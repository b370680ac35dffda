"""Configuration problems, reported as Django system checks with stable ids.

amends.E001  no secret key while DEBUG is off (AMENDS_SECRET_KEY or AMENDS_SECRET_KEY_FILE)
amends.E002  the development secret key while DEBUG is off
amends.W001  DEBUG is on
amends.W002  a wildcard in AMENDS_ALLOWED_HOSTS
"""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

DEV_SECRET_KEY = "insecure-dev-key"
UNSET_SECRET_KEY = "amends-secret-key-not-set"


@register(Tags.security, deploy=True)
def check_debug(app_configs, **kwargs):
    if settings.DEBUG:
        return [
            Warning(
                "AMENDS_DEBUG is on: never expose this server to other people.",
                hint="Unset AMENDS_DEBUG for any shared or public deployment.",
                id="amends.W001",
            )
        ]
    return []


@register(Tags.security)
def check_secret_key(app_configs, **kwargs):
    if settings.DEBUG:
        return []
    if settings.SECRET_KEY == UNSET_SECRET_KEY:
        return [
            Error(
                "AMENDS_SECRET_KEY is not set.",
                hint="Set AMENDS_SECRET_KEY (or AMENDS_SECRET_KEY_FILE) to a long random string, "
                "e.g. the output of "
                "`python3 -c 'import secrets; print(secrets.token_urlsafe(50))'`.",
                id="amends.E001",
            )
        ]
    if settings.SECRET_KEY == DEV_SECRET_KEY or len(settings.SECRET_KEY) < 32:
        return [
            Error(
                "AMENDS_SECRET_KEY is the development key or shorter than 32 characters.",
                hint="Generate a fresh random key for this deployment.",
                id="amends.E002",
            )
        ]
    return []


@register(Tags.security)
def check_allowed_hosts(app_configs, **kwargs):
    if "*" in settings.ALLOWED_HOSTS and not settings.DEBUG:
        return [
            Warning(
                "AMENDS_ALLOWED_HOSTS contains '*': any Host header is accepted.",
                hint="List the host names this server answers to.",
                id="amends.W002",
            )
        ]
    return []
