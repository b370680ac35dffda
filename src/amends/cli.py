"""The ``amends`` command: Amends' own commands and every Django management
command (``amends migrate``, ``amends createsuperuser``, …) under one name."""

import os
import sys

AMENDS_COMMANDS = [
    ("serve", "serve the web app and API with gunicorn"),
    ("worker", "run background tasks, the periodic deadline checks and the daily rescore"),
    ("escalate", "check deadlines now and raise due escalations"),
    ("remind", "send reminder mail now: amends remind digest|escalations"),
    ("notices", "mail everyone an incident touched: amends notices list|show|send|pause"),
    ("rescore", "score every account's health now and open thaw cases by the rules"),
    ("verify", "check what is kept copied or summed for speed; --repair rewrites it"),
    ("search", "the search index: amends search rebuild|check"),
    ("demo", "load deterministic demo data"),
    ("mail", "customers' mail in: amends mail receive|poll|test"),
    ("import", "import a CSV file: amends import accounts|signals FILE"),
    ("export", "export accounts as CSV: amends export accounts [--output FILE]"),
    ("insights", "the dashboard's figures as CSV or JSON: amends insights [FIGURE|all]"),
    ("token", "create, list or revoke personal API tokens"),
    ("signals", "webhook sources of signals: amends signals source create|list|rotate"),
    ("migrate", "create or upgrade the database"),
    ("createsuperuser", "create an administrator"),
    ("check", "check the configuration (add --deploy before going live)"),
]


def _usage() -> str:
    width = max(len(name) for name, _ in AMENDS_COMMANDS)
    lines = [
        "usage: amends COMMAND [options]",
        "",
        "Amends, the service-recovery desk. Commands:",
        *(f"  {name.ljust(width)}  {summary}" for name, summary in AMENDS_COMMANDS),
        "",
        "`amends COMMAND --help` explains one command; `amends help --commands` lists",
        "every command, Django's included.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "amends.settings")
    if len(argv) < 2 or argv[1] in {"-h", "--help"} or argv[1:] == ["help"]:
        print(_usage())
        return
    if argv[1] in {"--version", "version"}:
        from amends import __version__

        print(f"amends {__version__}")
        return

    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    argv[0] = "amends"
    try:
        execute_from_command_line(argv)
    except ImproperlyConfigured as error:
        # A bad setting is the operator's to fix: say which, not where in Django it broke.
        print(f"amends: configuration error: {error}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
