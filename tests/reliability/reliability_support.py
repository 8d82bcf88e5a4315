"""What the reliability tests share: service instances as real OS processes (the
Procfile's own commands) on the test's vhost of the real broker, sharing one database
through the wire server (``tests/mongo_wire.py``: there is no MongoDB server here, and
the embedded engine cannot be shared between processes); polling with a deadline; and
dropping a vhost's broker connections."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import amqp
import kombu

from sfa_common.mongo import connect

ROOT = Path(__file__).resolve().parents[2]
WIRE_SERVER = ROOT / "tests" / "mongo_wire.py"


def procfile():
    entries = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, command = line.split(":", 1)
            entries[name.strip()] = command.strip()
    return entries


def poll(condition, seconds, what):
    """Wait for ``condition()`` to be truthy (polled, never a fixed sleep); its value."""
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {seconds} s: {what}")
        time.sleep(0.05)  # polling a condition, not waiting out a race


class WireMongo:
    """The wire server as a subprocess, and the test's own client to it (to read what
    the services stored and to use the server's test commands)."""

    def __init__(self):
        self.process = subprocess.Popen([sys.executable, str(WIRE_SERVER)],
                                        stdout=subprocess.PIPE, text=True)
        self.port = int(self.process.stdout.readline().split()[1])
        self.client = connect(self.uri("test"))   # the services' own way to a MongoDB

    def uri(self, app_name):
        """The MONGO_URI for one client; ``app_name`` tells the server who it is."""
        return f"mongodb://127.0.0.1:{self.port}/?directConnection=true&appName={app_name}"

    def db(self, service):
        return self.client[f"channel_sfa_{service}"]

    def stall(self, command, collection):
        """Hold the next ``command`` on ``collection`` until ``release`` (mongo_wire)."""
        self.client.admin.command({"sfaStall": command, "collection": collection})

    def wait_stalled(self, count=1, seconds=20):
        """The ``count`` held commands: ``[{"appName", "command", "collection"}, ...]``."""
        answer = self.client.admin.command({"sfaWaitStalled": count, "timeout": seconds})
        return answer["stalled"]

    def release(self, run):
        """Let the held commands go: ``run`` them, or drop them unrun with their
        connections (their process is dead)."""
        self.client.admin.command({"sfaRelease": 1, "run": run})

    def writes(self):
        """``{appName: {"insert:<collection>": n, ...}}``: who wrote what."""
        return self.client.admin.command("sfaStats")["writes"]

    def stop(self):
        self.client.close()
        self.process.terminate()
        self.process.wait(timeout=10)


def consumers(amqp_uri, queue):
    """How many consumers ``queue`` has now, from the broker itself (a passive declare;
    the management API's counts lag by seconds); 0 while it does not exist."""
    with kombu.Connection(amqp_uri) as connection:
        try:
            return connection.default_channel.queue_declare(queue, passive=True).consumer_count
        except amqp.exceptions.NotFound:
            return 0


def close_connections(vhost, rabbit_manager):
    """Drop every broker connection of ``vhost`` (and no one else's: other tests share
    the broker): ``rabbitmqctl close_all_connections``, or the management API where
    rabbitmqctl is not at hand."""
    try:
        done = subprocess.run(["rabbitmqctl", "close_all_connections", "--vhost", vhost,
                               "reliability test"], capture_output=True, text=True,
                              timeout=30, check=False)
        if done.returncode == 0:
            return
    except FileNotFoundError:
        pass
    for connection in rabbit_manager._get("vhosts", vhost, "connections"):
        rabbit_manager.delete_connection(connection["name"])


class Instances:
    """Service instances started with the Procfile's commands, each its own process
    named for the wire server (``appName``) and the logs."""

    def __init__(self, amqp_uri, mongo, logs):
        self.amqp_uri = amqp_uri
        self.mongo = mongo
        self.logs = logs
        self.commands = procfile()
        self.running = {}

    def start(self, service, name, **settings):
        env = {**os.environ, "AMQP_URI": self.amqp_uri, "MONGO_URI": self.mongo.uri(name),
               "RPC_TIMEOUT": "10", "OPS_PORT": "", "LOG_FORMAT": "text", **settings}
        log = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 - closed in stop()
        # The Procfile's commands `exec` nameko: the pid is the service's own.
        process = subprocess.Popen(["bash", "-c", self.commands[service]], cwd=ROOT, env=env,
                                   stdout=log, stderr=subprocess.STDOUT)
        self.running[name] = (process, log)

    def wait_consuming(self, queue, count, seconds=30):
        """Wait until ``count`` consumers read ``queue`` (the instances are ready)."""
        def ready():
            for name, (process, _) in self.running.items():
                if process.poll() is not None:
                    raise AssertionError(f"{name} exited early:\n{self.log_tail(name)}")
            return consumers(self.amqp_uri, queue) >= count
        try:
            poll(ready, seconds, f"{count} consumers on {queue}")
        except AssertionError as error:
            raise AssertionError(f"{error}\n" + "\n".join(map(self.log_tail, self.running)))

    def kill(self, name):
        """SIGKILL: no clean-up, no goodbye to the broker or the database."""
        process, log = self.running.pop(name)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        log.close()

    def stop_all(self):
        """The end of a test: nothing is kept (the vhost and the database go too), so
        no graceful stop is waited for."""
        for name in list(self.running):
            self.kill(name)

    def log_tail(self, name, lines=40):
        text = (self.logs / f"{name}.log").read_text(errors="replace")
        return f"--- {name}\n" + "\n".join(text.splitlines()[-lines:])
