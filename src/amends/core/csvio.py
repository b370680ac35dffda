"""What every CSV reader shares: a problem named by line and column, and the
refusal of a whole file (all or nothing: a file with problems changes nothing)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


class FileRejected(Exception):
    """The file was refused; ``problems`` say where and why. ``outcome`` says what
    did not happen ("nothing was imported")."""

    outcome = "nothing was done"

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in the file; {self.outcome}")
