"""Test support: the embedded MongoDB-compatible server (SecantusDB) as its own process,
on a free loopback port with its data in a temporary directory, exactly as `make run`
starts it. It is GPL-licensed, so nothing here imports it: it is run and spoken to over
the wire, as MongoDB would be."""
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from pymongo.errors import PyMongoError

from sfa_common.mongo import connect

SERVER = Path(sys.executable).with_name("secantusd-py")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class EmbeddedServer:
    def __init__(self, data_dir, log_path):
        self.data_dir = Path(data_dir)
        self.log_path = Path(log_path)
        self.port = None
        self.process = None

    @property
    def uri(self):
        return f"mongodb://127.0.0.1:{self.port}/?directConnection=true"

    def start(self, seconds=30):
        if not SERVER.exists():
            raise RuntimeError(f"{SERVER} is missing: `make install` installs SecantusDB")
        self.port = free_port()
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [str(SERVER), "--host", "127.0.0.1", "--port", str(self.port),
                 "--storage-path", str(self.data_dir), "--log-level", "WARNING"],
                stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + seconds
        # The product's own client (it mends eventlet's getaddrinfo, patched in tests);
        # a ping waits for the server up to the client's selection timeout.
        client = connect(self.uri)
        try:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"the embedded server exited early:\n{self.log_tail()}")
                try:
                    client.admin.command("ping")
                    return self
                except PyMongoError:
                    continue
        finally:
            client.close()
        self.stop()
        raise RuntimeError(f"the embedded server did not answer in {seconds} s:\n"
                           f"{self.log_tail()}")

    def stop(self):
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def remove(self):
        self.stop()
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def log_tail(self, lines=30):
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""
        return "\n".join(text.splitlines()[-lines:])
