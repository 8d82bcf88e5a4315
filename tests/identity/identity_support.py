"""What the identity tests share: a gateway with its embedded identity store and no
broker (identity needs none), and a driver that signs in and builds an org."""
from argon2 import PasswordHasher

from gateway.app import create_app

UNREACHABLE_BROKER = "pyamqp://guest:guest@127.0.0.1:1//"
SECRET = "identity-tests-secret-0123456789abcdef"
ADMIN_EMAIL = "admin@identity.example"
ADMIN_PASSWORD = "admin password one"
PASSWORD = "a good password"
# argon2id still, at a test's cost (the timing test uses the real parameters).
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def make_app(**config):
    return create_app({"TESTING": True, "AMQP_URI": UNREACHABLE_BROKER, "RPC_TIMEOUT": "1",
                       "READY_TIMEOUT": "1", "SECRET_KEY": SECRET,
                       "PASSWORD_HASHER": CHEAP_HASHER, "BOOTSTRAP_ADMIN_EMAIL": ADMIN_EMAIL,
                       "BOOTSTRAP_ADMIN_PASSWORD": ADMIN_PASSWORD, **config})


class Gateway:
    """One gateway as a test drives it: sign in, call with a token, build an org."""

    def __init__(self, app):
        self.app = app
        self.client = app.test_client()
        self.identity = app.extensions["identity"]
        self.store = self.identity.store
        self.db = self.store.db
        self._admin_token = None

    def sign_in(self, email, password, audience="api", ip="127.0.0.1", **extra):
        return self.client.post("/api/v1/auth/sign-in",
                                json={"email": email, "password": password,
                                      "audience": audience},
                                environ_base={"REMOTE_ADDR": ip}, **extra)

    def token(self, email, password=PASSWORD, audience="api"):
        answer = self.sign_in(email, password, audience)
        assert answer.status_code == 200, answer.get_json()
        return answer.get_json()["access_token"]

    def call(self, method, path, token=None, **kwargs):
        headers = dict(kwargs.pop("headers", {}))
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return self.client.open(path, method=method, headers=headers, **kwargs)

    @property
    def admin_token(self):
        if self._admin_token is None:
            self._admin_token = self.token(ADMIN_EMAIL, ADMIN_PASSWORD)
        return self._admin_token

    def admin(self, method, path, **kwargs):
        return self.call(method, f"/api/v1/admin{path}", self.admin_token, **kwargs)

    def created(self, path, body):
        answer = self.admin("POST", path, json=body)
        assert answer.status_code == 201, answer.get_json()
        return answer.get_json()

    def user(self, email, roles=("sales_rep",), password=PASSWORD, **fields):
        return self.created("/users", {"name": email.split("@")[0], "email": email,
                                       "password": password, "roles": list(roles), **fields})

    def org(self, name, tier="gold", **fields):
        return self.created("/partner-orgs", {"name": name, "tier": tier, **fields})

    def invite(self, org_id, email, role="partner_rep"):
        return self.created("/partner-users", {"org_id": org_id, "name": email.split("@")[0],
                                               "email": email, "role": role})

    def accept(self, invitation_token, password=PASSWORD):
        return self.client.post("/api/v1/auth/accept-invitation",
                                json={"token": invitation_token, "password": password})

    def partner(self, org_id, email, role="partner_rep", password=PASSWORD):
        """An active partner user and their portal token."""
        invitation = self.invite(org_id, email, role)
        accepted = self.accept(invitation["invitation_token"], password)
        assert accepted.status_code == 200, accepted.get_json()
        return invitation["user"], accepted.get_json()["access_token"]


def assert_problem(answer, status, field=None):
    assert answer.status_code == status, answer.get_json()
    assert answer.mimetype == "application/problem+json"
    if field:
        assert field in answer.get_json()["errors"], answer.get_json()
    return answer.get_json()
