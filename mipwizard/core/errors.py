"""Errors meant for the user: each one says what is wrong and how to fix it."""

from __future__ import annotations


class UserError(Exception):
    """A problem the user can fix; the CLI prints it without a traceback (exit 1)."""

    def __init__(self, message: str, *, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.problems = problems or []

    def __str__(self) -> str:
        if not self.problems:
            return self.message
        return self.message + "\n" + "\n".join(f"  - {p}" for p in self.problems)


class UsageError(UserError):
    """The command line itself is wrong (exit 2)."""
