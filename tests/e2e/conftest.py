"""Start the real processes on a fresh vhost of the real broker, with the very
commands `make run` uses: each comes from the Procfile."""
import os
import random
import signal
import socket
import string
import subprocess
import time
from pathlib import Path

import pytest
import requests
from support import run_seed

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("leads", "opportunities", "quotes", "commission")
ADMIN = ("admin@e2e.example", "e2e-admin-password")


def procfile():
    entries = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, command = line.split(":", 1)
            entries[name.strip()] = command.strip()
    return entries


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class System:
    """The processes of one running system, with their logs for failure reports."""

    def __init__(self, env, logs):
        self.env = env
        self.logs = logs
        self.processes = {}
        self.commands = procfile()
        self.gateway_url = f"http://127.0.0.1:{env['GATEWAY_PORT']}"
        self.portal_url = f"http://127.0.0.1:{env['PORTAL_PORT']}"

    def start(self, name):
        log = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 - closed in stop()
        process = subprocess.Popen(["bash", "-c", self.commands[name]], cwd=ROOT, env=self.env,
                                   stdout=log, stderr=subprocess.STDOUT)
        self.processes[name] = (process, log)

    def stop(self, name, sig=signal.SIGTERM):
        process, log = self.processes.pop(name)
        process.send_signal(sig)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()

    def wait_until_ready(self, seconds=60):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for name, (process, _) in self.processes.items():
                if process.poll() is not None:
                    raise RuntimeError(f"{name} exited early:\n{self.log_tail(name)}")
            try:
                if requests.get(f"{self.gateway_url}/readyz", timeout=5).status_code == 200 and (
                        "portal" not in self.processes or
                        requests.get(f"{self.portal_url}/healthz", timeout=5).ok):
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)  # polling a condition, not waiting out a race
        raise RuntimeError("not ready in time:\n" + "\n".join(
            self.log_tail(name) for name in self.processes))

    def log_tail(self, name, lines=30):
        text = (self.logs / f"{name}.log").read_text(errors="replace")
        return f"--- {name}\n" + "\n".join(text.splitlines()[-lines:])


@pytest.fixture(scope="session")
def system(rabbit_manager, mongo_server, tmp_path_factory):
    vhost = "sfa_e2e_" + "".join(random.choices(string.ascii_lowercase, k=10))
    rabbit_manager.create_vhost(vhost)
    rabbit_manager.set_vhost_permissions(vhost, "guest", ".*", ".*", ".*")
    env = {**os.environ,
           "AMQP_URI": f"pyamqp://guest:guest@localhost:5672/{vhost}",
           # Every process on the one real server, each in its own database.
           "MONGO_URI": mongo_server.uri,
           "RPC_TIMEOUT": "2", "READY_TIMEOUT": "1",
           "GATEWAY_HOST": "127.0.0.1", "GATEWAY_PORT": str(free_port()),
           "PORTAL_PORT": str(free_port()), "PORTAL_WORKERS": "1",
           # Each service's ops server on a free port, not the Procfile's fixed 9101-9104
           # that a `make run` on the same machine holds.
           "OPS_PORT": "0",
           "BOOTSTRAP_ADMIN_EMAIL": ADMIN[0], "BOOTSTRAP_ADMIN_PASSWORD": ADMIN[1],
           "PORTAL_CLIENT_SECRET": "e2e-portal-client-secret-0123456789abcdef"}
    env["GATEWAY_URL"] = f"http://127.0.0.1:{env['GATEWAY_PORT']}"
    running = System(env, tmp_path_factory.mktemp("logs"))
    try:
        for name in (*SERVICES, "gateway", "portal"):
            running.start(name)
        running.wait_until_ready()
        yield running
    finally:
        for name in list(running.processes):
            running.stop(name)
        rabbit_manager.delete_vhost(vhost)


@pytest.fixture(scope="session")
def api(system):
    """A requests session signed in to the gateway as the bootstrap admin."""
    response = requests.post(f"{system.gateway_url}/api/v1/auth/sign-in", timeout=10,
                             json={"email": ADMIN[0], "password": ADMIN[1]})
    assert response.status_code == 200, response.text
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
    return session


@pytest.fixture(scope="session")
def seeded(system):
    """The demo data, seeded once (seeding is idempotent; test_system checks that)."""
    first = run_seed(system)
    assert first.returncode == 0, first.stdout + first.stderr
    return first
