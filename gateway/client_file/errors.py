"""The client file's errors that the API maps to answers, apart from the modules that raise them (their
libraries stay out of a process that only maps them)."""

from __future__ import annotations


class GroupError(ValueError):
    """A comparison that cannot be made (bad filter, too small a group, a feature not offered): names
    the query parameter at fault."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message)
        self.parameter = parameter


class HistoryUnavailableError(RuntimeError):
    """The shared history database does not answer (or holds no published history): retry later."""
