"""Passwords: argon2id through argon2-cffi, with the same cost for a user who does not
exist as for one who does.

argon2-cffi's ``PasswordHasher()`` defaults are RFC 9106's second recommended profile
(argon2id, t=3, m=64 MiB, p=4). A stored hash carries its own parameters, so raising
them later re-hashes each user at their next sign-in (``needs_rehash``).
"""
import secrets

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 12
MAX_LENGTH = 256   # hashing cost does not grow with length, but request bodies should not


def password_problem(password):
    """Why ``password`` is not acceptable as a new password, or None."""
    if not isinstance(password, str):
        return "Must be a string."
    if len(password) < MIN_LENGTH:
        return f"Must be at least {MIN_LENGTH} characters."
    if len(password) > MAX_LENGTH:
        return f"Must be at most {MAX_LENGTH} characters."
    if not password.strip():
        return "Must not be only spaces."
    return None


class Passwords:
    def __init__(self, hasher=None):
        self.hasher = hasher or PasswordHasher()
        if self.hasher.type is not Type.ID:
            raise ValueError("passwords are hashed with argon2id only")
        # Verified instead of a real hash when the account does not exist (or has no
        # password yet), so "no such user" costs what "wrong password" costs.
        self._dummy_hash = self.hasher.hash(secrets.token_urlsafe(16))

    def hash(self, password):
        return self.hasher.hash(password)

    def verify(self, password_hash, password):
        """True when ``password`` matches; always pays for one argon2 verification."""
        try:
            self.hasher.verify(password_hash or self._dummy_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
        return password_hash is not None

    def needs_rehash(self, password_hash):
        return self.hasher.check_needs_rehash(password_hash)
