"""scripts/recompute_commission.py against a stand-in gateway: it signs in, starts the
recompute, follows the job to the end with a progress bar and says how it went."""
import importlib.util
import io

from support import ROOT

SPEC = importlib.util.spec_from_file_location(
    "recompute_commission", ROOT / "scripts" / "recompute_commission.py")
cli = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(cli)


class Reply:
    def __init__(self, status_code, body):
        self.status_code, self.body = status_code, body

    def json(self):
        return self.body


class Gateway:
    """The gateway's answers: a job that advances one poll at a time."""

    def __init__(self, finished="done", refuse=False):
        self.calls = []
        self.refuse = refuse
        self.polls = [
            {"id": "j1", "period": "2026-11", "status": "running", "payees_total": 3,
             "payees_done": 2, "lines_written": 4},
            {"id": "j1", "period": "2026-11", "status": finished, "payees_total": 3,
             "payees_done": 3 if finished == "done" else 2, "lines_written": 5,
             "error": None if finished == "done" else "The recompute stopped: boom"}]

    def post(self, url, json=None, headers=None, timeout=None):
        self.calls.append(("POST", url, (headers or {}).get("Authorization")))
        if url.endswith("/auth/sign-in"):
            return Reply(200, {"access_token": "t0k"})
        if self.refuse:
            return Reply(409, {"detail": "The period 2026-11 is closed.",
                               "errors": {"status": ["closed"]}})
        return Reply(202, {"id": "j1", "period": "2026-11", "status": "running",
                           "payees_total": None, "payees_done": 0, "lines_written": 0})

    def get(self, url, headers=None, timeout=None):
        self.calls.append(("GET", url, (headers or {}).get("Authorization")))
        return Reply(200, self.polls.pop(0))


def run(gateway, *argv):
    out = io.StringIO()
    code = cli.main(["2026-11", "--gateway", "http://gw/", *argv], session=gateway,
                    environ={"SFA_EMAIL": "ops@example.com", "SFA_PASSWORD": "pw"},
                    sleep=lambda seconds: None, out=out)
    return code, out.getvalue()


def test_it_starts_the_recompute_and_follows_it_to_the_end():
    gateway = Gateway()
    code, output = run(gateway)
    assert code == 0
    assert gateway.calls == [
        ("POST", "http://gw/api/v1/auth/sign-in", None),
        ("POST", "http://gw/api/v1/commission/periods/2026-11/recompute", "Bearer t0k"),
        ("GET", "http://gw/api/v1/commission/recomputes/j1", "Bearer t0k"),
        ("GET", "http://gw/api/v1/commission/recomputes/j1", "Bearer t0k")]
    assert "3/3" in output                      # the progress bar reached the end
    assert "3 of 3 payees, 5 lines written" in output


def test_a_failed_or_refused_recompute_exits_1_saying_why():
    code, output = run(Gateway(finished="failed"))
    assert code == 1 and "The recompute stopped: boom" in output
    code, output = run(Gateway(refuse=True))
    assert code == 1 and "The period 2026-11 is closed. (status: closed)" in output
