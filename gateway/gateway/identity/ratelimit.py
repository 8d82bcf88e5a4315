"""Failed sign-ins, counted per account and per client IP in a sliding window.

Each failure is one small document under a TTL index, so the counts live in MongoDB
(shared by every gateway worker and instance) and clean themselves up. While a key
has ``limit`` failures inside the window it is locked: the sign-in is answered 429
before any password is checked, even the right one, and the attempt is not counted
again (so a locked key's documents stay bounded and the lock is not extended).

The IP is ``request.remote_addr``, the TCP peer. Behind a reverse proxy every client
would share the proxy's address: trust the proxy explicitly with TRUSTED_PROXY_HOPS
(werkzeug's ProxyFix then takes the client from X-Forwarded-For). Never read that
header otherwise: any client can write it.

A per-account limit lets anyone lock a known account for one window (15 min by
default); that is the price of stopping guessing, and the per-IP limit bounds how
many accounts one address can lock.
"""
import math
from datetime import timedelta

from pymongo import ASCENDING, IndexModel

INDEXES = {"sign_in_failures": [
    IndexModel([("key", ASCENDING), ("at", ASCENDING)]),
    IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0),
]}


def account_key(email):
    return f"account:{email.strip().lower()}"


def ip_key(address):
    return f"ip:{address or 'unknown'}"


class SignInLimiter:
    def __init__(self, db, limits, window, clock):
        """``limits``: {"account": 5, "ip": 20}, by key prefix; ``window`` in seconds."""
        self.failures = db["sign_in_failures"]
        self.limits = limits
        self.window = timedelta(seconds=window)
        self.clock = clock

    def _limit(self, key):
        return self.limits[key.split(":", 1)[0]]

    def retry_after(self, keys):
        """Seconds until every key in ``keys`` is unlocked; 0 when none is locked."""
        now = self.clock()
        wait = 0
        for key in keys:
            limit = self._limit(key)
            times = [doc["at"] for doc in self.failures.find(
                {"key": key, "at": {"$gt": now - self.window}}, {"at": 1}).sort("at", 1)]
            if len(times) >= limit:
                # Unlocked when enough of the oldest leave the window to go below the limit.
                unlocked = times[len(times) - limit] + self.window
                wait = max(wait, math.ceil((unlocked - now).total_seconds()))
        return max(wait, 0)

    def record_failure(self, keys):
        now = self.clock()
        self.failures.insert_many([{"key": key, "at": now, "expires_at": now + self.window}
                                   for key in keys])

    def clear(self, key):
        self.failures.delete_many({"key": key})
