"""RPC overhead: nameko's standalone proxy against raw kombu/py-amqp, on one broker, in one run.

Usage::

    /work/main/.venv/bin/python bench/rpc_overhead.py [--calls N] [--warmup N] [--rounds N]
                                                      [--amqp-uri URI]

``--amqp-uri`` defaults to ``$AMQP_URI``, else ``pyamqp://guest:guest@localhost:5672//``.
Exit status: 0 after printing the results, 2 with a one-line reason on stderr when the broker
is unreachable or a server does not start or answer, 130 on Ctrl-C.

What it does
------------
1. Checks the broker answers.
2. Creates a fresh vhost through the RabbitMQ management API (``$RABBITMQ_MANAGEMENT_URL``,
   default ``http://<user>:<password>@<amqp host>:15672``) and deletes it at the end. Without
   the management API it falls back to the vhost of ``--amqp-uri`` (and says so on stderr).
3. Starts the real leads service as a subprocess (``cd services/leads && nameko run --config
   config.yml leads.service:LeadsService`` with ``AMQP_URI`` on the vhost and
   ``MONGO_URI=mongomock://localhost``) and a raw kombu/py-amqp responder as a second
   subprocess (its own connection: the same process layout as the service); waits, bounded,
   until ``leads.health`` answers and the responder is consuming; always stops both at the end
   (also on errors, Ctrl-C or SIGTERM).
4. **nameko**: sequential ``rpc.leads.health()`` calls through ``gateway.rpc.RpcPool``,
   borrowing a proxy for every call as a gateway request does.
   **raw**: sequential request/replies from a raw requester here to the raw responder, which
   does the equivalent trivial work (it returns a small dict).
5. After ``--warmup`` untimed calls per side, the ``--calls`` timed calls per side run in
   ``--rounds`` alternating rounds (nameko, raw, raw, nameko, ...), so a change in the
   machine's background load during the run hits both sides alike.

Both sides use the AMQP settings nameko 2.14.1 uses for RPC (``nameko/rpc.py``,
``nameko/amqp/publish.py``, ``nameko/standalone/rpc.py``):

- a durable topic exchange; a durable request queue bound with ``<service>.*``;
- requests: JSON, ``delivery_mode=2`` (persistent), ``mandatory=True``, publisher confirms
  (``confirm_publish``), ``reply_to`` and ``correlation_id`` properties, and ``expiration``
  equal to the call timeout (``gateway.rpc`` publishes its requests with that TTL);
- a reply queue per client: durable (kombu's default), not exclusive, ``x-expires`` 300 s,
  bound to the same exchange by a uuid routing key, consumed with explicit acks;
- replies ``{"result": ..., "error": None}``: JSON, persistent, publisher confirms,
  ``mandatory=False``, published to the exchange with the ``reply_to`` routing key;
- the responder consumes with ``prefetch_count`` 10 (nameko's ``max_workers``) and acks the
  request only after the reply is confirmed.

What nameko does on top (and the raw side does not) is the overhead being measured: context
headers, a kombu connection/producer pool checkout and the ``ensure`` retry wrapper on every
publish, a greenthread per worker and the worker/dependency machinery in the service, the
mongomock ``ping`` inside ``health``, and a separate publish connection on each side.

Output: ``name: value`` lines. Latencies are per call (``time.perf_counter``), p50/p99 by the
nearest-rank method; ``calls_per_s`` is sequential throughput (calls / wall time of the timed
loops). The last line is ``ratio_nameko_over_raw`` = nameko calls/s ÷ raw calls/s: higher is
better, 1.0 means no overhead. The Foundation issue's goal on the 2-core machine:
``nameko_rpc_p50_ms`` ≤ 1.3 and ``ratio_nameko_over_raw`` ≥ 0.6.
"""
import argparse
import base64
import contextlib
import json
import math
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

from amqp.exceptions import AMQPError
from kombu import Connection, Consumer, Exchange, Producer, Queue
from kombu.exceptions import ChannelError, KombuError

REPO = Path(__file__).resolve().parent.parent
LEADS_DIR = REPO / "services" / "leads"
DEFAULT_AMQP_URI = "pyamqp://guest:guest@localhost:5672//"

RPC_TIMEOUT = 5.0  # seconds, for every single call on both sides
STARTUP_TIMEOUT = 30.0  # seconds for the leads service / raw responder to answer
RAW_SERVICE = "rawbench"
RAW_EXCHANGE = "rawbench-rpc"
REPLY_QUEUE_TTL_MS = 300000  # nameko.rpc.RPC_REPLY_QUEUE_TTL
RESPONDER_PREFETCH = 10  # nameko's default max_workers = the service consumer's prefetch
PERSISTENT = 2


class BenchError(Exception):
    """A failure to report in one clear line (exit status 2)."""


try:
    from gateway.rpc import RpcPool, ServiceUnavailable
except ImportError:  # the gateway package is not installed: use the checkout
    sys.path.insert(0, str(REPO / "gateway"))
    from gateway.rpc import RpcPool, ServiceUnavailable


# ---------------------------------------------------------------------------- statistics

def percentile(sorted_values, q):
    """Nearest-rank percentile of an already sorted list."""
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


class Side:
    """One side's timed calls, gathered over several rounds."""

    def __init__(self, name, call):
        self.name = name
        self.call = call
        self.latencies = []
        self.elapsed = 0.0

    def run(self, calls, timed=True):
        clock = time.perf_counter
        call = self.call
        latencies = []
        started = clock()
        for _ in range(calls):
            t0 = clock()
            call()
            latencies.append(clock() - t0)
        if timed:
            self.elapsed += clock() - started
            self.latencies.extend(latencies)

    def summary(self):
        ordered = sorted(self.latencies)
        return {
            "p50_ms": percentile(ordered, 50) * 1000,
            "p99_ms": percentile(ordered, 99) * 1000,
            "calls_per_s": len(ordered) / self.elapsed,
        }


def interleave(sides, calls, warmup, rounds):
    """Warm both sides up, then time them in alternating rounds (A B, B A, ...) so a change
    in the machine's background load hits both alike."""
    for side in sides:
        side.run(warmup, timed=False)
    rounds = min(rounds, calls)
    for index in range(rounds):
        share = calls // rounds + (1 if index < calls % rounds else 0)
        for side in (sides if index % 2 == 0 else sides[::-1]):
            side.run(share)


def cpu_busy_percent(interval=1.0):
    """How busy the machine's CPUs are right now (other processes, steal), in percent over
    ``interval`` seconds; None where /proc/stat is missing. Unlike the load average it is not
    still carrying a run that just ended."""
    def sample():
        with open("/proc/stat") as stat:
            values = [int(v) for v in stat.readline().split()[1:9]]
        return sum(values), values[3] + values[4]  # total, idle + iowait
    try:
        total0, idle0 = sample()
        time.sleep(interval)
        total1, idle1 = sample()
    except (OSError, ValueError):
        return None
    total = total1 - total0
    return 100.0 * (total - (idle1 - idle0)) / total if total else None


# ---------------------------------------------------------------------------- broker, vhost

def check_broker(uri):
    conn = Connection(uri, connect_timeout=3)
    try:
        conn.connect()
    except Exception as exc:  # noqa: BLE001 - any failure means "unreachable"
        raise BenchError(f"The AMQP broker at {conn.as_uri()} is unreachable: "
                         f"{type(exc).__name__}: {exc}") from exc
    finally:
        conn.release()


def with_vhost(uri, vhost):
    parts = urllib.parse.urlsplit(uri)
    return urllib.parse.urlunsplit(
        parts._replace(path="/" + urllib.parse.quote(vhost, safe="")))


class ManagementApi:
    def __init__(self, amqp_uri):
        parts = urllib.parse.urlsplit(amqp_uri)
        default = "http://{}:{}@{}:15672".format(
            urllib.parse.quote(urllib.parse.unquote(parts.username or "guest"), safe=""),
            urllib.parse.quote(urllib.parse.unquote(parts.password or "guest"), safe=""),
            parts.hostname or "localhost")
        url = urllib.parse.urlsplit(os.environ.get("RABBITMQ_MANAGEMENT_URL", default))
        self.user = urllib.parse.unquote(url.username or "guest")
        self.base = urllib.parse.urlunsplit(
            (url.scheme, f"{url.hostname}:{url.port or 15672}", url.path.rstrip("/"), "", ""))
        credentials = f"{self.user}:{urllib.parse.unquote(url.password or 'guest')}"
        self.auth = "Basic " + base64.b64encode(credentials.encode()).decode()

    def request(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method, headers={
            "Authorization": self.auth, "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=5) as response:
            return response.status

    def create_vhost(self, vhost):
        quoted = urllib.parse.quote(vhost, safe="")
        self.request("PUT", f"/api/vhosts/{quoted}", {})
        user = urllib.parse.quote(self.user, safe="")
        self.request("PUT", f"/api/permissions/{quoted}/{user}",
                     {"configure": ".*", "write": ".*", "read": ".*"})

    def delete_vhost(self, vhost):
        self.request("DELETE", f"/api/vhosts/{urllib.parse.quote(vhost, safe='')}")


# ---------------------------------------------------------------------------- subprocesses

@contextlib.contextmanager
def private_vhost(amqp_uri, name, note=""):
    """``(uri, vhost)`` of a vhost of the bench's own, deleted afterwards; without the
    management API, the broker's default vhost (``vhost`` None) and a note saying so."""
    vhost = f"bench-{name}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    api = ManagementApi(amqp_uri)
    try:
        api.create_vhost(vhost)
        uri = with_vhost(amqp_uri, vhost)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        with contextlib.suppress(urllib.error.URLError, OSError):
            api.delete_vhost(vhost)  # in case only the permissions failed
        print(f"note: no private vhost (management API: {exc}); using {amqp_uri}{note}",
              file=sys.stderr)
        vhost, uri = None, amqp_uri
    try:
        yield uri, vhost
    finally:
        if vhost is not None:
            try:
                api.delete_vhost(vhost)
            except (urllib.error.URLError, OSError) as exc:
                print(f"warning: could not delete vhost {vhost!r}: {exc}", file=sys.stderr)


def _die_with_parent():
    """In the child: get SIGTERM if the benchmark dies without cleaning up (Linux)."""
    with contextlib.suppress(Exception):
        import ctypes
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def spawn(args, env, cwd, log, stdout=None):
    return subprocess.Popen(args, env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                            stdout=stdout or log, stderr=log, start_new_session=True,
                            preexec_fn=_die_with_parent)


def stop(proc, grace=10.0):
    if proc is None or proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(grace)


def log_tail(log, lines=20):
    log.flush()
    log.seek(0)
    text = log.read().decode(errors="replace").splitlines()
    return "\n".join(text[-lines:])


# ---------------------------------------------------------------------------- nameko side

def start_leads(uri, log):
    env = dict(os.environ, AMQP_URI=uri, MONGO_URI="mongomock://localhost")
    nameko = Path(sys.executable).with_name("nameko")
    # The class is named: the module also holds sfa_common's HealthMixin, which has an
    # entrypoint, and plain ``leads.service`` makes ``nameko run`` pick both up and fail.
    return spawn([str(nameko), "run", "--config", "config.yml", "leads.service:LeadsService"],
                 env, LEADS_DIR, log)


def consumer_count(uri, queue_name):
    """Consumers on ``queue_name`` (0 if it does not exist yet); a passive declare, so no
    request is published (and returned unroutable) before the service listens."""
    with Connection(uri, connect_timeout=3) as conn:
        try:
            return conn.channel().queue_declare(queue_name, passive=True).consumer_count
        except ChannelError:
            return 0


def wait_for_health(uri, pool, proc, log):
    deadline = time.monotonic() + STARTUP_TIMEOUT
    error = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BenchError(f"The leads service exited with status {proc.returncode} before "
                             f"answering health:\n{log_tail(log)}")
        if consumer_count(uri, "rpc-leads"):
            try:
                with pool.proxy() as rpc:
                    return rpc.leads.health()
            except ServiceUnavailable as exc:
                error = exc
        time.sleep(0.1)
    raise BenchError(f"The leads service did not answer health within {STARTUP_TIMEOUT:g} s"
                     f"{f' ({error})' if error else ''}:\n{log_tail(log)}")


def nameko_call(pool):
    def call():
        with pool.proxy() as rpc:
            result = rpc.leads.health()
        if result.get("status") != "ok":
            raise BenchError(f"Unexpected health answer: {result!r}")
    return call


# ---------------------------------------------------------------------------- raw side

def raw_exchange():
    return Exchange(RAW_EXCHANGE, type="topic", durable=True)


def raw_responder(uri):
    """Serve ``rawbench.*`` requests until terminated (runs in its own process)."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    exchange = raw_exchange()
    queue = Queue(f"rpc-{RAW_SERVICE}", exchange=exchange, routing_key=f"{RAW_SERVICE}.*",
                  durable=True)
    with Connection(uri, transport_options={"confirm_publish": True}) as conn:
        conn.connect()
        producer = Producer(conn.channel(), exchange=exchange, serializer="json",
                            auto_declare=False)

        def on_request(body, message):
            props = message.properties
            payload = {"result": {"service": RAW_SERVICE, "status": "ok", "storage": True},
                       "error": None}
            producer.publish(payload, routing_key=props["reply_to"],
                             correlation_id=props.get("correlation_id"),
                             delivery_mode=PERSISTENT, mandatory=False)
            message.ack()

        consumer = Consumer(conn.channel(), queues=[queue], callbacks=[on_request],
                            accept=["json"], no_ack=False)
        consumer.qos(prefetch_count=RESPONDER_PREFETCH)
        consumer.consume()
        print("ready", flush=True)
        while True:
            conn.drain_events()


class RawClient:
    """A minimal request/reply client: one connection, a confirm-mode publish channel and a
    reply consumer channel."""

    def __init__(self, uri):
        self.conn = Connection(uri, transport_options={"confirm_publish": True})
        self.conn.connect()
        self.exchange = raw_exchange()
        self.reply_key = str(uuid.uuid4())
        self.reply_queue = reply_queue = Queue(
            f"rpc.reply-raw-{self.reply_key}", exchange=self.exchange, routing_key=self.reply_key,
            queue_arguments={"x-expires": REPLY_QUEUE_TTL_MS})
        self.replies = {}
        self.consumer = Consumer(self.conn.channel(), queues=[reply_queue],
                                 callbacks=[self._on_reply], accept=["json"], no_ack=False)
        self.consumer.consume()
        self.producer = Producer(self.conn.channel(), exchange=self.exchange,
                                 serializer="json", auto_declare=False)

    def _on_reply(self, body, message):
        message.ack()
        self.replies[message.properties.get("correlation_id")] = body

    def call(self, method, *args, **kwargs):
        correlation_id = str(uuid.uuid4())
        self.producer.publish({"args": args, "kwargs": kwargs},
                              routing_key=f"{RAW_SERVICE}.{method}",
                              delivery_mode=PERSISTENT, mandatory=True,
                              expiration=RPC_TIMEOUT, reply_to=self.reply_key,
                              correlation_id=correlation_id)
        deadline = time.monotonic() + RPC_TIMEOUT
        while correlation_id not in self.replies:
            remaining = deadline - time.monotonic()
            try:
                if remaining <= 0:
                    raise TimeoutError
                self.conn.drain_events(timeout=remaining)
            except TimeoutError:  # socket.timeout is TimeoutError
                raise BenchError(f"The raw responder did not answer within {RPC_TIMEOUT:g} s.")
        body = self.replies.pop(correlation_id)
        if body.get("error"):
            raise BenchError(f"Raw responder error: {body['error']!r}")
        return body["result"]

    def close(self):
        with contextlib.suppress(Exception):  # the connection may be gone already
            self.consumer.cancel()
            self.reply_queue.bind(self.conn.default_channel).delete()
        self.conn.release()


def wait_for_ready(proc, log):
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        readable, _, _ = select.select([proc.stdout], [], [], 0.2)
        if readable:
            line = proc.stdout.readline()
            if line.strip() == b"ready":
                return
            if not line:
                break
        if proc.poll() is not None:
            break
    raise BenchError(f"The raw responder did not start:\n{log_tail(log)}")


def start_raw_responder(uri, log):
    return spawn([sys.executable, str(Path(__file__).resolve()), "--raw-responder",
                  "--amqp-uri", uri], dict(os.environ), REPO, log, stdout=subprocess.PIPE)


def raw_call(client):
    def call():
        result = client.call("health")
        if result.get("status") != "ok":
            raise BenchError(f"Unexpected raw answer: {result!r}")
    return call


# ---------------------------------------------------------------------------- main

def cleanup_fallback_queues(uri):
    """Without a private vhost, remove the raw side's request queue and exchange."""
    with contextlib.suppress(Exception), Connection(uri, connect_timeout=3) as conn:
        channel = conn.channel()
        channel.queue_delete(f"rpc-{RAW_SERVICE}")
        channel.exchange_delete(RAW_EXCHANGE)


def bench(uri, args):
    """Start both servers, time both sides, stop everything (also on errors and Ctrl-C)."""
    with contextlib.ExitStack() as cleanup:
        service_log = cleanup.enter_context(tempfile.TemporaryFile())
        responder_log = cleanup.enter_context(tempfile.TemporaryFile())

        leads = start_leads(uri, service_log)
        cleanup.callback(stop, leads)
        responder = start_raw_responder(uri, responder_log)
        cleanup.callback(stop, responder)
        cleanup.callback(responder.stdout.close)

        pool = RpcPool(uri, size=1, timeout=RPC_TIMEOUT)
        cleanup.callback(pool.close)
        wait_for_health(uri, pool, leads, service_log)
        wait_for_ready(responder, responder_log)
        client = RawClient(uri)
        cleanup.callback(client.close)

        sides = [Side("nameko_rpc", nameko_call(pool)), Side("raw_amqp", raw_call(client))]
        interleave(sides, args.calls, args.warmup, args.rounds)
        return [(side.name, side.summary()) for side in sides]


def run(args):
    check_broker(args.amqp_uri)
    busy = cpu_busy_percent()
    if busy is not None and busy > 20:
        print(f"note: the CPUs are already {busy:.0f}% busy before the benchmark starts: other "
              "processes compete for them, and the latencies include that", file=sys.stderr)
    with private_vhost(args.amqp_uri, "rpc-overhead",
                       " - another leads service on it would skew the numbers") as (uri, vhost):
        try:
            check_broker(uri)
            print(f"calls: {args.calls}")
            print(f"warmup: {args.warmup}")
            print(f"rounds: {min(args.rounds, args.calls)}")
            print(f"cpus: {os.cpu_count()}")
            print(f"cpu_busy_before_pct: {'n/a' if busy is None else f'{busy:.0f}'}")
            print(f"vhost: {vhost or Connection(uri).virtual_host}")
            results = dict(bench(uri, args))
            for name, result in results.items():
                print(f"{name}_p50_ms: {result['p50_ms']:.3f}")
                print(f"{name}_p99_ms: {result['p99_ms']:.3f}")
                print(f"{name}_calls_per_s: {result['calls_per_s']:.1f}")
            ratio = results["nameko_rpc"]["calls_per_s"] / results["raw_amqp"]["calls_per_s"]
            print(f"ratio_nameko_over_raw: {ratio:.3f}")
        finally:
            if vhost is None:
                cleanup_fallback_queues(uri)


def positive(value):
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def non_negative(value):
    number = int(value)
    if number < 0:
        raise argparse.ArgumentTypeError("must be at least 0")
    return number


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=positive, default=2000,
                        help="timed calls per side (default 2000)")
    parser.add_argument("--warmup", type=non_negative, default=200,
                        help="untimed calls per side first (default 200)")
    parser.add_argument("--rounds", type=positive, default=10,
                        help="alternate the two sides this many times (default 10)")
    parser.add_argument("--amqp-uri", default=os.environ.get("AMQP_URI", DEFAULT_AMQP_URI),
                        help="broker URI (default $AMQP_URI, else %(default)s)")
    parser.add_argument("--raw-responder", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.raw_responder:
        raw_responder(args.amqp_uri)
        return 0

    # SIGTERM unwinds like Ctrl-C, so the finally blocks stop the subprocesses.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        run(args)
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (ServiceUnavailable, KombuError, AMQPError, OSError) as exc:
        print(f"error: the broker failed during the run: {type(exc).__name__}: {exc}",
              file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
