from pathlib import Path

from amends.shell.clidoc import cli_reference

ROOT = Path(__file__).resolve().parents[4]


def test_the_cli_reference_matches_the_commands_help():
    written = (ROOT / "docs/cli.md").read_text(encoding="utf-8")
    assert written == cli_reference(), "docs/cli.md is stale: run `make docs`"


def test_the_readme_starts_with_the_two_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    two_commands = readme.index("## The two commands")
    assert readme.index("make run") > two_commands
    assert readme.index("make test") > two_commands
    assert readme.index("## ", two_commands + 1) > readme.index("make test")
