"""A bearer token's signature and claim checks are remembered per token string, so a
client's every request does not pay for them again; expiry is still checked on every
use, and a token that failed a check is never remembered."""
import time
from datetime import UTC, datetime

import jwt
import jwt.api_jwt
import pytest

from gateway.identity import tokens as tokens_module
from gateway.identity.tokens import API_AUDIENCE, LEEWAY, InvalidToken, Tokens

SECRET = "s" * 40
TTL = 600


@pytest.fixture
def tokens():
    return Tokens(SECRET, TTL)


@pytest.fixture
def verifications(monkeypatch):
    """Counts the full checks (PyJWT's decode) made."""
    made = []
    original = jwt.decode

    def counting(*args, **kwargs):
        made.append(args[0])
        return original(*args, **kwargs)
    monkeypatch.setattr(tokens_module.jwt, "decode", counting)
    return made


def later(monkeypatch, seconds):
    """Both clocks a check reads (ours and PyJWT's) move ``seconds`` ahead."""
    real_time = time.time
    monkeypatch.setattr(tokens_module.time, "time", lambda: real_time() + seconds)

    class Later(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime.fromtimestamp(real_time() + seconds, tz or UTC)
    monkeypatch.setattr(jwt.api_jwt, "datetime", Later)


def test_a_token_that_passed_is_not_checked_in_full_again(tokens, verifications):
    token, claims = tokens.issue("u1", "internal", API_AUDIENCE, 1)
    assert tokens.decode(token) == claims
    assert tokens.decode(token) == claims
    assert verifications == [token]


def test_the_remembered_claims_are_the_callers_own_copy(tokens):
    token, claims = tokens.issue("u1", "internal", API_AUDIENCE, 1)
    tokens.decode(token)["sub"] = "someone else"
    assert tokens.decode(token)["sub"] == "u1"


def test_a_remembered_token_is_refused_once_it_expires(tokens, monkeypatch, verifications):
    token, _ = tokens.issue("u1", "internal", API_AUDIENCE, 1)
    tokens.decode(token)
    later(monkeypatch, TTL + LEEWAY - 1)
    tokens.decode(token)  # within the leeway, as PyJWT allows
    later(monkeypatch, TTL + LEEWAY + 1)
    with pytest.raises(InvalidToken, match="Expired"):
        tokens.decode(token)
    with pytest.raises(InvalidToken, match="Expired"):
        tokens.decode(token)
    assert verifications == [token, token, token]


def test_a_token_that_failed_is_never_remembered(tokens, verifications):
    token, _ = tokens.issue("u1", "internal", API_AUDIENCE, 1)
    forged = Tokens("f" * 40, TTL).issue("u1", "internal", API_AUDIENCE, 1)[0]
    spoilt = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for bad in (forged, spoilt, forged, spoilt):
        with pytest.raises(InvalidToken):
            tokens.decode(bad)
    assert verifications == [forged, spoilt, forged, spoilt]


def test_what_is_remembered_stays_bounded(tokens, monkeypatch):
    monkeypatch.setattr(tokens_module, "CHECKED_TOKENS", 3)
    issued = [tokens.issue(f"u{n}", "internal", API_AUDIENCE, 1)[0] for n in range(5)]
    for token in issued:
        tokens.decode(token)
    assert len(tokens._checked) <= 3
    assert all(tokens.decode(token)["sub"] == f"u{n}" for n, token in enumerate(issued))
