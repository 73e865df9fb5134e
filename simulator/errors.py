"""Exceptions raised for bad input."""

from __future__ import annotations


class ConfigError(ValueError):
    """A scenario or input file is invalid.

    The message names the config key (or file and row) and what is wrong. When several
    problems are found at once, :attr:`problems` lists each of them.
    """

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems if problems is not None else [message]
