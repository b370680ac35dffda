"""What the benchmarks share: the commit they measured, a free port, a Markdown table."""

import socket
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _git(*args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10, check=False
    )
    return done.stdout.strip()


def git_commit() -> str:
    """The short commit, with "+changes" when the work tree differs from it."""
    try:
        commit = _git("rev-parse", "--short", "HEAD") or "unknown"
        dirty = _git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return commit + ("+changes" if dirty else "")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def markdown_table(rows: list[list[str]]) -> list[str]:
    """A Markdown table's lines: the first row is the head; numbers align right."""
    head, *body = rows
    return [
        "| " + " | ".join(head) + " |",
        "|" + "|".join("---" if i == 0 else "---:" for i in range(len(head))) + "|",
        *("| " + " | ".join(row) + " |" for row in body),
    ]
