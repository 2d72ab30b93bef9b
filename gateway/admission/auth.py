"""API keys: only their SHA-256 hashes are configured; each key carries roles (advisor, service)."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from pydantic import BaseModel


class KeyEntry(BaseModel):
    """A configured key: who holds it and what it may do."""

    name: str
    roles: list[str]


@dataclass(frozen=True)
class Caller:
    """The authenticated caller of a request."""

    name: str
    roles: frozenset[str]


def hash_key(key: str) -> str:
    """The hash to put in configuration for a key (`python -m gateway.admission.auth KEY` prints it)."""
    return hashlib.sha256(key.encode()).hexdigest()


def authenticate(key: str | None, keys: dict[str, KeyEntry]) -> Caller | None:
    """The caller owning `key`, or None; compares hashes in constant time."""
    if not key:
        return None
    digest = hash_key(key)
    for known, entry in keys.items():
        if hmac.compare_digest(known, digest):
            return Caller(entry.name, frozenset(entry.roles))
    return None


if __name__ == "__main__":
    import sys

    sys.stdout.write(hash_key(sys.argv[1]) + "\n")
