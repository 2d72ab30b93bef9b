"""Advisors' logins: salted PBKDF2 password hashes in configuration, checked in constant time.

Make a hash for UI_USERS with `python -m ui.auth PASSWORD`; it prints
`pbkdf2_sha256$<iterations>$<salt>$<hash>`.
A bare SHA-256 hex digest is also accepted (weaker: no salt, fast to brute-force) for simple setups.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
from collections.abc import Mapping

log = logging.getLogger(__name__)

SCHEME = "pbkdf2_sha256"
ITERATIONS = 390_000
#: The login page's message (Gradio's auth_message, rendered as HTML). Gradio's login page has no title
#: of its own (WCAG 2.4.2, axe's document-title): the <title> here is the document's first one, so it is
#: the page's title until the app, once logged in, sets its own.
LOGIN_MESSAGE = (
    "<title>Prêt à dépenser — connexion conseiller / advisor login</title>"
    "Prêt à dépenser — connexion conseiller / advisor login"
)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_password(password: str, *, salt: bytes | None = None, iterations: int = ITERATIONS) -> str:
    """The string to store for `password`: a random salt makes equal passwords hash differently."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    return f"{SCHEME}${iterations}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """Whether `password` matches `stored` (PBKDF2 string or SHA-256 hex); malformed hashes never match."""
    if stored.startswith(SCHEME + "$"):
        try:
            _, iterations, salt, expected = stored.split("$")
            digest = hashlib.pbkdf2_hmac("sha256", password.encode(), _unb64(salt), int(iterations))
        except ValueError:
            return False
        return hmac.compare_digest(digest, _unb64(expected))
    if len(stored) == 64:
        return hmac.compare_digest(hashlib.sha256(password.encode()).hexdigest(), stored.lower())
    return False


class Authenticator:
    """The `auth=` callable given to Gradio: True when the username exists and the password matches."""

    def __init__(self, users: Mapping[str, str]) -> None:
        self._users = dict(users)
        self._decoy = hash_password("")

    def __call__(self, username: str, password: str) -> bool:
        # Hash even for unknown users so that timing does not reveal which usernames exist.
        stored = self._users.get(username, self._decoy)
        accepted = verify_password(password, stored) and username in self._users
        # No username in the log: the outcome is enough to spot attacks without recording people.
        log.info("login", extra={"accepted": accepted})
        return accepted


if __name__ == "__main__":
    import sys

    if len(sys.argv) != 2:
        sys.stderr.write("usage: python -m ui.auth PASSWORD\n")
        raise SystemExit(2)
    sys.stdout.write(hash_password(sys.argv[1]) + "\n")
