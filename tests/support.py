"""Helpers the tests share (importable: pytest puts tests/ on the path)."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def stored(container, collection):
    """A service container's own collection, read directly to prove what was written."""
    store = next(d for d in container.dependencies if d.attr_name == "store")
    return store.db[collection]


def run_seed(system):
    """Run the demo seed script against a running system, as `make run` does."""
    return subprocess.run([sys.executable, str(ROOT / "scripts" / "seed_demo.py"),
                           "--gateway", system.gateway_url, "--wait", "30"],
                          capture_output=True, text=True, timeout=120, check=False,
                          env=system.env)
