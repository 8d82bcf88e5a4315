"""Load: the whole system on this machine under 16 connections, endpoint by endpoint.

Usage::

    /work/main/.venv/bin/python bench/load.py [--duration S] [--warmup S] [--connections N]
                                              [--opportunities N] [--amqp-uri URI]

Needs ``wrk`` (``apt-get install wrk``) and RabbitMQ at ``--amqp-uri`` (default ``$AMQP_URI``,
else ``pyamqp://guest:guest@localhost:5672//``; ``make bench`` starts a local one). Exit
status: 0 after printing the results (goals met or not), 2 with a one-line reason on stderr
when something needed is missing or the system does not come up, 130 on Ctrl-C.

What it does
------------
1. Creates a private vhost through the RabbitMQ management API (as ``bench/rpc_overhead.py``
   does; without the management API it uses the vhost of ``--amqp-uri`` and says so) and
   deletes it at the end.
2. Starts the six components the way the ``Procfile`` does (four ``nameko run``, the gateway
   and the portal under gunicorn with their own confs) on free loopback ports, with the
   embedded engine (``MONGO_URI`` unset) and every log in a temporary directory; waits,
   bounded, for the gateway's ``/readyz`` and the portal's ``/healthz``. Everything it
   started is stopped at the end, also on errors, Ctrl-C or SIGTERM.
3. Seeds the demo data (``scripts/seed_demo.py``), then through the API: a sales rep
   (``sales_rep``, so every read compiles a real scope: mine, participating, shared) with
   ``--opportunities`` opportunities over 20 customers of theirs, and 60 more for the demo
   partner rep, whose portal page then holds a full page.
4. For each endpoint in turn: ``--warmup`` seconds of untimed load, then ``--duration``
   seconds timed, both with ``wrk`` (one thread, ``--connections`` connections, 5 s timeout):

   - ``opportunity_list``: GET /api/v1/opportunities (the rep's first page of 50);
   - ``opportunity_get``: GET /api/v1/opportunities/<id>, round-robin over 50 of the rep's;
   - ``account_list``: GET /api/v1/accounts (the rep's customers);
   - ``portal_opportunity_list``: GET /opportunities on the portal, signed in as the demo
     partner rep (session cookie; the page asks the gateway three times);
   - ``opportunity_create``: POST /api/v1/opportunities as the rep, every body with its own
     name (no Idempotency-Key): a write that must never be refused.

   The reads run first, the write last: on the embedded engine every stored opportunity
   makes each list a little slower.

Output: ``name: value`` lines; per endpoint ``<name>_requests_per_s`` (timed requests /
timed seconds), ``<name>_p50_ms`` and ``<name>_p99_ms`` (wrk's latency histogram),
``<name>_cpu_ms_per_request`` (CPU time the six components used during the timed run per
request, then by component; RabbitMQ and wrk not counted: unlike the rates, this figure
moves much less when other processes compete for the CPUs) and ``<name>_errors`` (answers
outside 2xx/3xx plus connect, read, write and timeout errors).
Then ``goal_rpc_reads`` (yes/no: every RPC-backed gateway read - the first three - at least
700 requests/s with p99 at most 35 ms), ``goal_errors`` and, last, ``errors``, the total
over every endpoint. The issue's goals on the 2-core machine with everything co-located:
RPC-backed reads >= 700 requests/s with p99 <= 35 ms at 16 connections; 0 errors.
"""
import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from rpc_overhead import (
    BenchError,
    _die_with_parent,
    check_broker,
    cpu_busy_percent,
    private_vhost,
)

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DEFAULT_AMQP_URI = "pyamqp://guest:guest@localhost:5672//"
STARTUP_TIMEOUT = 90.0  # seconds for the whole system to answer /readyz
STOP_GRACE = 15.0       # seconds each component has to exit on SIGTERM
WRK_TIMEOUT = "5s"
ACCOUNTS = 20
PARTNER_OPPORTUNITIES = 60
GOAL_REQUESTS_PER_S = 700.0
GOAL_P99_MS = 35.0
RPC_READS = ("opportunity_list", "opportunity_get", "account_list")

ADMIN = ("admin@channel-sfa.example", "demo-admin-password")
REP = ("load-rep@channel-sfa.example", "load-bench-rep-password")
PARTNER_REP = ("rep@huadong-partner.example", "demo-partner-rep-1")  # scripts/seed_demo.py

SERVICES = {  # name -> (directory, module:class), as in the Procfile
    "leads": ("services/leads", "leads.service:LeadsService"),
    "opportunities": ("services/opportunities", "opportunities.service:OpportunitiesService"),
    "quotes": ("services/quotes", "quotes.service:QuotesService"),
    "commission": ("services/commission", "commission.service:CommissionService"),
}


# ---------------------------------------------------------------------------- the system

def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class System:
    """The six components as subprocesses, each in its own process group, logging to
    files in ``workdir``."""

    def __init__(self, amqp_uri, workdir):
        self.workdir = workdir
        self.gateway_port, self.portal_port = free_port(), free_port()
        self.gateway = f"http://127.0.0.1:{self.gateway_port}"
        self.portal = f"http://127.0.0.1:{self.portal_port}"
        env = {key: value for key, value in os.environ.items()
               if key not in ("MONGO_URI", "OPS_PORT")}
        self.env = dict(
            env, AMQP_URI=amqp_uri, GATEWAY_HOST="127.0.0.1",
            GATEWAY_PORT=str(self.gateway_port), PORTAL_PORT=str(self.portal_port),
            GATEWAY_URL=self.gateway, PORTAL_CLIENT_SECRET=uuid.uuid4().hex * 2,
            BOOTSTRAP_ADMIN_EMAIL=ADMIN[0], BOOTSTRAP_ADMIN_PASSWORD=ADMIN[1])
        self.procs = {}

    def start(self):
        for name, (directory, target) in SERVICES.items():
            self._spawn(name, [str(BIN / "nameko"), "run", "--config", "config.yml", target],
                        REPO / directory)
        self._spawn("gateway", [str(BIN / "gunicorn"), "-c", "gateway/gunicorn.conf.py",
                                "gateway.app:create_app()"], REPO)
        self._spawn("portal", [str(BIN / "gunicorn"), "-c", "portal/gunicorn.conf.py",
                               "--chdir", "portal", "portal.app:create_app()"], REPO)

    def _spawn(self, name, args, cwd):
        log = open(self.workdir / f"{name}.log", "wb")  # noqa: SIM115 - closed in stop()
        proc = subprocess.Popen(args, cwd=cwd, env=self.env, stdin=subprocess.DEVNULL,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                                preexec_fn=_die_with_parent)
        self.procs[name] = (proc, log)

    def log_tail(self, name, lines=15):
        text = (self.workdir / f"{name}.log").read_bytes().decode(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def check_running(self):
        for name, (proc, _) in self.procs.items():
            if proc.poll() is not None:
                raise BenchError(f"{name} exited with status {proc.returncode}:\n"
                                 f"{self.log_tail(name)}")

    def wait_until_ready(self):
        deadline = time.monotonic() + STARTUP_TIMEOUT
        pending = {"gateway": f"{self.gateway}/readyz", "portal": f"{self.portal}/healthz"}
        while pending and time.monotonic() < deadline:
            self.check_running()
            for name, url in list(pending.items()):
                with contextlib.suppress(requests.RequestException):
                    if requests.get(url, timeout=2).status_code == 200:
                        del pending[name]
            time.sleep(0.25)
        if pending:
            raise BenchError(f"{', '.join(pending)} did not become ready within "
                             f"{STARTUP_TIMEOUT:g} s:\n"
                             + "\n".join(self.log_tail(name) for name in pending))

    def cpu_seconds(self):
        """CPU seconds (user + system) used so far by each component's processes (its
        process group: the gunicorn master and its workers)."""
        groups = {proc.pid: name for name, (proc, _) in self.procs.items()}
        used = dict.fromkeys(self.procs, 0.0)
        tick = os.sysconf("SC_CLK_TCK")
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, ValueError, IndexError):
                fields = stat.read_text().rpartition(")")[2].split()
                name = groups.get(int(fields[2]))  # fields[2]: the process group
                if name:
                    used[name] += (int(fields[11]) + int(fields[12])) / tick
        return used

    def stop(self):
        """SIGTERM to every process group at once, then wait; SIGKILL what is left."""
        for proc, _ in self.procs.values():
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE
        for proc, log in self.procs.values():
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)
            log.close()


# ---------------------------------------------------------------------------- data

def checked(response, what):
    if response.status_code not in (200, 201):
        raise BenchError(f"{what} failed: {response.status_code} {response.text[:300]}")
    return response.json()


def sign_in(gateway, email, password, audience="api"):
    return checked(requests.post(f"{gateway}/api/v1/auth/sign-in", timeout=10, json={
        "email": email, "password": password, "audience": audience}),
        f"signing in as {email}")["access_token"]


def session_for(token):
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    return session


def opportunity_body(name, account_id, **extra):
    return {"name": name, "account_id": account_id, "expected_close_date": "2027-03-31",
            "amount": {"amount": "120000.00", "currency": "CNY"}, **extra}


def seed(system, opportunities):
    """Demo data, a sales rep with ``opportunities`` deals and the partner rep's deals.
    Returns the rep's token, the ids of the rep's opportunities, an account of theirs."""
    gateway = system.gateway
    demo = subprocess.run([sys.executable, str(REPO / "scripts" / "seed_demo.py"),
                           "--gateway", gateway, "--wait", "30"], env=system.env, cwd=REPO,
                          capture_output=True, text=True, timeout=120, check=False)
    if demo.returncode != 0:
        raise BenchError(f"scripts/seed_demo.py failed:\n{demo.stdout}{demo.stderr}")
    admin = session_for(sign_in(gateway, *ADMIN))
    checked(admin.post(f"{gateway}/api/v1/admin/users", timeout=10, json={
        "name": "压测销售", "email": REP[0], "password": REP[1], "roles": ["sales_rep"]}),
        "creating the sales rep")
    rep_token = sign_in(gateway, *REP)
    rep = session_for(rep_token)
    accounts = [checked(rep.post(f"{gateway}/api/v1/accounts", timeout=10, json={
        "name": f"压测客户 {index:02d} 有限公司", "industry": "制造业", "region": "华东"}),
        "creating a customer")["id"] for index in range(ACCOUNTS)]
    with ThreadPoolExecutor(8) as pool:
        ids = list(pool.map(lambda index: checked(rep.post(
            f"{gateway}/api/v1/opportunities", timeout=10, json=opportunity_body(
                f"压测商机 {index:04d}", accounts[index % ACCOUNTS])),
            "creating an opportunity")["id"], range(opportunities)))
    org = next(org for org in checked(admin.get(
        f"{gateway}/api/v1/admin/partner-orgs", params={"limit": 200}, timeout=10),
        "listing partner organisations")["items"] if org["name"] == "华东优选渠道有限公司")
    partner_rep = next(user for user in checked(admin.get(
        f"{gateway}/api/v1/admin/partner-users", params={"org_id": org["id"], "limit": 200},
        timeout=10), "listing partner users")["items"] if user["email"] == PARTNER_REP[0])
    partner_account = checked(admin.post(f"{gateway}/api/v1/accounts", timeout=10, json={
        "name": "压测渠道客户有限公司", "industry": "物流", "region": "华东",
        "partner_org_ids": [org["id"]], "partner_user_id": partner_rep["id"]}),
        "creating the partner's customer")["id"]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda index: checked(admin.post(
            f"{gateway}/api/v1/opportunities", timeout=10, json=opportunity_body(
                f"压测渠道商机 {index:03d}", partner_account, partner_org_id=org["id"],
                partner_user_id=partner_rep["id"], sales_method="channel")),
            "creating a partner opportunity"), range(PARTNER_OPPORTUNITIES)))
    return rep_token, ids, accounts[0]


def portal_session(portal):
    """The portal's session cookie after signing in as the demo partner rep through the
    sign-in form (CSRF token from the form, as a browser does)."""
    browser = requests.Session()
    form = browser.get(f"{portal}/sign-in", timeout=10)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form.text)
    if form.status_code != 200 or not match:
        raise BenchError(f"the portal's sign-in form has no CSRF token ({form.status_code})")
    signed_in = browser.post(f"{portal}/sign-in", timeout=10, allow_redirects=False, data={
        "csrf_token": match.group(1), "email": PARTNER_REP[0], "password": PARTNER_REP[1],
        "next": ""})
    if signed_in.status_code != 302:
        raise BenchError(f"signing in to the portal failed: {signed_in.status_code}")
    page = browser.get(f"{portal}/opportunities", timeout=10, allow_redirects=False)
    if page.status_code != 200 or "压测渠道商机" not in page.text:
        raise BenchError(f"the portal's opportunity list did not answer the partner's "
                         f"deals ({page.status_code})")
    return "; ".join(f"{name}={value}" for name, value in browser.cookies.items())


# ---------------------------------------------------------------------------- wrk

# wrk's Lua: ``paths`` round-robin (one request = one path); ``body`` (a format with one %d
# for a per-thread counter and one %s for the thread's id) makes every POST unique. done()
# prints one JSON line with what the bench reports.
WRK_SCRIPT = """
local paths = {paths}
local method = "{method}"
local body = {body}
local headers = {headers}
local counter = 0
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("thread_id", tostring(threads) .. "-" .. "{run_id}")
end
function request()
  counter = counter + 1
  local path = paths[(counter - 1) % #paths + 1]
  if body then
    return wrk.format(method, path, headers, string.format(body, counter, thread_id or "0"))
  end
  return wrk.format(method, path, headers)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\\nRESULT {{"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, '
    .. '"status": %d, "connect": %d, "read": %d, "write": %d, "timeout": %d}}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.status, e.connect, e.read, e.write, e.timeout))
end
"""


def lua_string(text):
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid Lua string here


def lua_table(values):
    if isinstance(values, dict):
        return "{" + ", ".join(f"[{lua_string(k)}] = {lua_string(v)}"
                               for k, v in values.items()) + "}"
    return "{" + ", ".join(map(lua_string, values)) + "}"


class Endpoint:
    def __init__(self, name, base, paths, headers, method="GET", body=None):
        self.name, self.base, self.paths = name, base, paths
        self.headers, self.method, self.body = headers, method, body

    def script(self, workdir):
        path = workdir / f"{self.name}.lua"
        path.write_text(WRK_SCRIPT.format(
            paths=lua_table(self.paths), method=self.method, headers=lua_table(self.headers),
            body=lua_string(self.body) if self.body else "nil", run_id=uuid.uuid4().hex[:8]),
            encoding="utf-8")
        return path


def run_wrk(endpoint, script, connections, seconds):
    args = ["wrk", "-t", "1", "-c", str(connections), "-d", f"{seconds:g}s",
            "--timeout", WRK_TIMEOUT, "-s", str(script), endpoint.base]
    done = subprocess.run(args, capture_output=True, text=True, timeout=seconds + 30,
                          check=False)
    line = next((line for line in done.stdout.splitlines() if line.startswith("RESULT ")), None)
    if done.returncode != 0 or line is None:
        raise BenchError(f"wrk failed on {endpoint.name}: {done.stderr.strip() or done.stdout}")
    result = json.loads(line[len("RESULT "):])
    seconds = result["duration_us"] / 1e6
    return {"requests": result["requests"], "requests_per_s": result["requests"] / seconds,
            "p50_ms": result["p50_us"] / 1000, "p99_ms": result["p99_us"] / 1000,
            "errors": sum(result[kind] for kind in
                          ("status", "connect", "read", "write", "timeout"))}


# ---------------------------------------------------------------------------- main

def endpoints(system, rep_token, ids, account_id, portal_cookie):
    api = {"Authorization": f"Bearer {rep_token}", "Accept": "application/json"}
    write = json.dumps(opportunity_body("load %d %s", account_id), ensure_ascii=False)
    return [
        Endpoint("opportunity_list", system.gateway, ["/api/v1/opportunities"], api),
        Endpoint("opportunity_get", system.gateway,
                 [f"/api/v1/opportunities/{oid}" for oid in ids[:50]], api),
        Endpoint("account_list", system.gateway, ["/api/v1/accounts"], api),
        Endpoint("portal_opportunity_list", system.portal, ["/opportunities"],
                 {"Cookie": portal_cookie}),
        Endpoint("opportunity_create", system.gateway, ["/api/v1/opportunities"],
                 {**api, "Content-Type": "application/json"}, method="POST", body=write),
    ]


def bench(uri, args):
    with contextlib.ExitStack() as cleanup:
        workdir = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="sfa-load-")))
        system = System(uri, workdir)
        cleanup.callback(system.stop)
        system.start()
        system.wait_until_ready()
        started = time.monotonic()
        rep_token, ids, account_id = seed(system, args.opportunities)
        portal_cookie = portal_session(system.portal)
        print(f"seed_s: {time.monotonic() - started:.1f}")
        results = {}
        for endpoint in endpoints(system, rep_token, ids, account_id, portal_cookie):
            script = endpoint.script(workdir)
            if args.warmup:
                run_wrk(endpoint, script, args.connections, args.warmup)
            cpu_before = system.cpu_seconds()
            results[endpoint.name] = result = run_wrk(endpoint, script, args.connections,
                                                      args.duration)
            cpu = {name: used - cpu_before[name]
                   for name, used in system.cpu_seconds().items()}
            requests_done = max(1, result["requests"])
            print(f"{endpoint.name}_requests_per_s: {result['requests_per_s']:.1f}")
            print(f"{endpoint.name}_p50_ms: {result['p50_ms']:.2f}")
            print(f"{endpoint.name}_p99_ms: {result['p99_ms']:.2f}")
            print(f"{endpoint.name}_cpu_ms_per_request: "
                  f"{1000 * sum(cpu.values()) / requests_done:.2f} (" + ", ".join(
                      f"{name} {1000 * used / requests_done:.2f}"
                      for name, used in cpu.items() if used >= 0.00005 * requests_done)
                  + ")")
            print(f"{endpoint.name}_errors: {result['errors']}", flush=True)
            system.check_running()
        return results


def run(args):
    if shutil.which("wrk") is None:
        raise BenchError("wrk is not installed (Debian/Ubuntu: apt-get install wrk)")
    check_broker(args.amqp_uri)
    busy = cpu_busy_percent()
    if busy is not None and busy > 20:
        print(f"note: the CPUs are already {busy:.0f}% busy before the benchmark starts: other "
              "processes compete for them, and the figures include that", file=sys.stderr)
    with private_vhost(args.amqp_uri, "load") as (uri, _vhost):
        print(f"connections: {args.connections}")
        print(f"duration_s: {args.duration:g}")
        print(f"warmup_s: {args.warmup:g}")
        print(f"opportunities: {args.opportunities}")
        print(f"cpus: {os.cpu_count()}")
        print(f"cpu_busy_before_pct: {'n/a' if busy is None else f'{busy:.0f}'}")
        print(f"load_average_1m_before: {os.getloadavg()[0]:.2f}", flush=True)
        results = bench(uri, args)
    print(f"load_average_1m_after: {os.getloadavg()[0]:.2f}")
    reads_met = all(results[name]["requests_per_s"] >= GOAL_REQUESTS_PER_S
                    and results[name]["p99_ms"] <= GOAL_P99_MS for name in RPC_READS)
    errors = sum(result["errors"] for result in results.values())
    print(f"goal_rpc_reads: {'yes' if reads_met else 'no'} "
          f"(>= {GOAL_REQUESTS_PER_S:g} requests/s and p99 <= {GOAL_P99_MS:g} ms each)")
    print(f"goal_errors: {'yes' if errors == 0 else 'no'} (0 errors)")
    print(f"errors: {errors}")


def positive(kind):
    def parse(value):
        number = kind(value)
        if number <= 0:
            raise argparse.ArgumentTypeError("must be positive")
        return number
    return parse


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=positive(float), default=10.0,
                        help="timed seconds per endpoint (default 10)")
    parser.add_argument("--warmup", type=float, default=2.0,
                        help="untimed seconds per endpoint first (default 2)")
    parser.add_argument("--connections", type=positive(int), default=16,
                        help="concurrent connections (default 16)")
    parser.add_argument("--opportunities", type=positive(int), default=300,
                        help="the sales rep's opportunities (default 300)")
    parser.add_argument("--amqp-uri", default=os.environ.get("AMQP_URI", DEFAULT_AMQP_URI),
                        help="broker URI (default $AMQP_URI, else %(default)s)")
    args = parser.parse_args(argv)
    # SIGTERM unwinds like Ctrl-C, so the finally blocks stop the system.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        run(args)
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (requests.RequestException, OSError) as exc:
        print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
