"""Failed sign-ins are limited per account (5) and per client IP (20) in a 15-minute
window; while locked, even the right password answers 429 with Retry-After."""
from datetime import timedelta

import pytest
from identity_support import PASSWORD, assert_problem, make_app

from sfa_common.clock import utcnow

WINDOW = 15 * 60


@pytest.fixture
def clock(gw):
    """Time the limiter sees; ``clock.advance(seconds)`` moves it on."""
    class Clock:
        now = utcnow()

        def __call__(self):
            return self.now

        def advance(self, seconds):
            self.now += timedelta(seconds=seconds)

    clock = Clock()
    gw.identity.set_clock(clock)
    return clock


def fail(gw, email, times, ip="127.0.0.1"):
    for _ in range(times):
        assert_problem(gw.sign_in(email, "wrong password!", ip=ip), 401)


def assert_locked(answer, at_most=WINDOW):
    assert_problem(answer, 429)
    retry_after = int(answer.headers["Retry-After"])
    assert 0 < retry_after <= at_most
    return retry_after


def test_five_failures_lock_the_account_even_for_the_right_password(gw, clock):
    gw.user("rep@identity.example")
    fail(gw, "rep@identity.example", 5)
    assert assert_locked(gw.sign_in("rep@identity.example", PASSWORD)) == WINDOW
    # From another address too: the account is what is locked.
    assert_locked(gw.sign_in("rep@identity.example", PASSWORD, ip="10.9.9.9"))
    # Other accounts from the same address are not.
    gw.user("colleague@identity.example")
    assert gw.sign_in("colleague@identity.example", PASSWORD).status_code == 200


def test_the_lock_lifts_when_the_failures_leave_the_window(gw, clock):
    gw.user("rep@identity.example")
    fail(gw, "rep@identity.example", 1)
    clock.advance(300)
    fail(gw, "rep@identity.example", 4)
    # The oldest failure leaves the window first: 600 s from now.
    assert assert_locked(gw.sign_in("rep@identity.example", PASSWORD)) == WINDOW - 300
    clock.advance(WINDOW - 300 - 1)
    assert assert_locked(gw.sign_in("rep@identity.example", PASSWORD)) == 1
    clock.advance(1)
    assert gw.sign_in("rep@identity.example", PASSWORD).status_code == 200


def test_attempts_while_locked_do_not_extend_the_lock(gw, clock):
    gw.user("rep@identity.example")
    fail(gw, "rep@identity.example", 5)
    for _ in range(10):
        clock.advance(60)
        assert_locked(gw.sign_in("rep@identity.example", "wrong password!"))
    clock.advance(WINDOW - 600)
    assert gw.sign_in("rep@identity.example", PASSWORD).status_code == 200


def test_a_success_clears_the_account_count(gw, clock):
    gw.user("rep@identity.example")
    fail(gw, "rep@identity.example", 4)
    assert gw.sign_in("rep@identity.example", PASSWORD).status_code == 200
    fail(gw, "rep@identity.example", 4)
    assert gw.sign_in("rep@identity.example", PASSWORD).status_code == 200


def test_unknown_accounts_lock_like_known_ones(gw, clock):
    fail(gw, "nobody@identity.example", 5)
    assert_locked(gw.sign_in("nobody@identity.example", PASSWORD))


def test_twenty_failures_lock_the_address_for_every_account(gw, clock):
    gw.user("rep@identity.example")
    for n in range(20):  # four accounts, under their own limit each
        fail(gw, f"guess{n % 4}@identity.example", 1, ip="203.0.113.7")
    retry_after = assert_locked(gw.sign_in("rep@identity.example", PASSWORD, ip="203.0.113.7"))
    assert retry_after == WINDOW
    # The account itself is fine from elsewhere.
    assert gw.sign_in("rep@identity.example", PASSWORD, ip="198.51.100.1").status_code == 200
    clock.advance(WINDOW)
    assert gw.sign_in("rep@identity.example", PASSWORD, ip="203.0.113.7").status_code == 200


def test_a_forwarded_for_header_does_not_change_the_address_by_default(gw, clock):
    gw.user("rep@identity.example")
    for n in range(20):
        answer = gw.sign_in(f"guess{n % 4}@identity.example", "wrong password!",
                            ip="203.0.113.7", headers={"X-Forwarded-For": f"192.0.2.{n}"})
        assert answer.status_code == 401
    assert_locked(gw.sign_in("rep@identity.example", PASSWORD, ip="203.0.113.7",
                             headers={"X-Forwarded-For": "192.0.2.200"}))


def test_a_trusted_proxy_passes_the_client_address_on():
    from identity_support import Gateway
    gw = Gateway(make_app(TRUSTED_PROXY_HOPS="1"))
    gw.user("rep@identity.example")
    for n in range(20):
        gw.sign_in(f"guess{n % 4}@identity.example", "wrong password!", ip="10.0.0.1",
                   headers={"X-Forwarded-For": "192.0.2.1"})
    # The proxy's own address is not what was locked: the client behind it is.
    assert gw.sign_in("rep@identity.example", PASSWORD, ip="10.0.0.1",
                      headers={"X-Forwarded-For": "192.0.2.2"}).status_code == 200
    assert_locked(gw.sign_in("rep@identity.example", PASSWORD, ip="10.0.0.1",
                             headers={"X-Forwarded-For": "192.0.2.1"}))


def test_failures_are_kept_in_the_store_under_a_ttl_index(gw, clock):
    fail(gw, "nobody@identity.example", 1, ip="203.0.113.7")
    keys = sorted(doc["key"] for doc in gw.db.sign_in_failures.find())
    assert keys == ["account:nobody@identity.example", "ip:203.0.113.7"]
    indexes = gw.db.sign_in_failures.index_information().values()
    assert any(index.get("expireAfterSeconds") == 0 and index["key"] == [("expires_at", 1)]
               for index in indexes)


def test_wrong_current_passwords_count_against_the_account(gw, clock):
    gw.user("rep@identity.example")
    token = gw.token("rep@identity.example")
    for _ in range(5):
        answer = gw.call("POST", "/api/v1/auth/change-password", token,
                         json={"current_password": "guess guess guess",
                               "new_password": "a new password!"})
        assert_problem(answer, 400, "current_password")
    assert_locked(gw.call("POST", "/api/v1/auth/change-password", token,
                          json={"current_password": PASSWORD,
                                "new_password": "a new password!"}))
    assert_locked(gw.sign_in("rep@identity.example", PASSWORD))


PORTAL_SECRET = "portal-and-gateway-shared-secret-0123456789"


def portal_sign_in(gw, email, password, browser, proof=PORTAL_SECRET):
    return gw.sign_in(email, password, ip="10.0.0.5", headers={
        "X-Channel-SFA-Portal": proof, "X-Channel-SFA-Client-IP": browser})


def test_the_portal_names_the_browser_address_with_the_shared_secret():
    from identity_support import Gateway
    gw = Gateway(make_app(PORTAL_CLIENT_SECRET=PORTAL_SECRET))
    gw.user("rep@identity.example")
    for n in range(20):
        portal_sign_in(gw, f"guess{n % 4}@identity.example", "wrong password!", "192.0.2.66")
    # One browser's guesses lock that browser, not every partner behind the portal.
    assert_locked(portal_sign_in(gw, "rep@identity.example", PASSWORD, "192.0.2.66"))
    assert portal_sign_in(gw, "rep@identity.example", PASSWORD, "192.0.2.67").status_code == 200


def test_without_the_shared_secret_a_named_address_is_ignored():
    from identity_support import Gateway
    gw = Gateway(make_app(PORTAL_CLIENT_SECRET=PORTAL_SECRET))
    gw.user("rep@identity.example")
    for n in range(20):
        portal_sign_in(gw, f"guess{n % 4}@identity.example", "wrong password!",
                       f"192.0.2.{n}", proof="a guess at the secret")
    assert_locked(portal_sign_in(gw, "rep@identity.example", PASSWORD, "192.0.2.99",
                                 proof="a guess at the secret"))
