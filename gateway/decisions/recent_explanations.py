"""The stored explanations a gateway process reused lately, decoded once, and what was derived from them.

Why: every decision that reuses a stored answer inflated it, parsed its protobuf, built some forty
objects from it and rendered its reasons in plain words, and logged them as JSON: a fifth of a worker's
CPU per decision (py-spy at 300 req/s). Advisors reopen the same files through the day (the capacity
bench's warm mix: 4 requests in 5 for the 50 files opened last), and what is stored under a key never
changes: the key names the model version, the reasons asked each way and the digest of the row
(serving_base.explanation_store). So what is made from it is made once, and kept by key while it is
among the recent ones.

Redis is still asked on every decision whether the answer may be reused (the served version's marker):
this memory only saves the work on bytes Redis has just said are current.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from explain_service.client import Explanation, explanation_from
from serving_base.explanation_store import StoredAnswer

T = TypeVar("T")


@dataclass
class RecentExplanation:
    """A stored explanation as decoded once (with the ids of the decision that decoded it: each decision
    puts its own on a copy), and what was derived from it, shared by every decision on it."""

    explanation: Explanation
    _derived: dict[Hashable, Any] = field(default_factory=dict)

    def derived(self, what: Hashable, make: Callable[[], T]) -> T:
        """What `make` derives from this explanation (its reasons in a language, say), made once. The
        value is shared: whoever gets it reads it and never changes it."""
        try:
            return self._derived[what]
        except KeyError:
            value = self._derived[what] = make()
            return value


class RecentExplanations:
    """The `size` stored explanations used last, by their key in the store (least recent dropped)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[bytes, RecentExplanation] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def of(self, stored: StoredAnswer) -> RecentExplanation:
        """The recent explanation of a stored answer, decoded now if it is not among them."""
        entry = self._entries.get(stored.key)
        if entry is not None:
            self._entries.move_to_end(stored.key)
            return entry
        entry = RecentExplanation(explanation_from(stored.decoded()))
        if self.size:
            self._entries[stored.key] = entry
            if len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return entry
