"""docs/cli.md is made from the commands' own --help, and a test keeps it so."""

import os
from contextlib import contextmanager

from django.core.management import get_commands, load_command_class

from amends.cli import AMENDS_COMMANDS, _usage

# Django's own commands are documented by Django; these are the ones Amends adds.
OWN = [
    "serve",
    "worker",
    "escalate",
    "remind",
    "notices",
    "rescore",
    "verify",
    "search",
    "demo",
    "import",
    "export",
    "insights",
    "token",
    "signals",
]


@contextmanager
def _columns(width: int):
    saved = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(width)
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = saved


def cli_reference() -> str:
    commands = get_commands()
    parts = [
        "# The `amends` command",
        "",
        "Made from each command's `--help` by `make docs`; a test fails when they differ.",
        "Every Django management command also works (`amends migrate`, `amends createsuperuser`,",
        "`amends check --deploy`, …). A mistake in how a command is used prints one line and",
        "exits with a non-zero status.",
        "",
        "```text",
        "$ amends --help",
        _usage(),
        "```",
    ]
    with _columns(90):
        for name in OWN:
            parser = load_command_class(commands[name], name).create_parser("amends", name)
            parts += ["", f"## amends {name}", "", "```text", parser.format_help().rstrip(), "```"]
    assert {name for name, _ in AMENDS_COMMANDS} >= set(OWN)
    return "\n".join(parts) + "\n"
