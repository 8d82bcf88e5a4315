"""gunicorn settings for the gateway. gthread workers: nameko's standalone proxies
are plain blocking sockets (gunicorn no longer ships an eventlet worker, and gevent
would fight eventlet). Each thread borrows its own proxy from the process's pool."""
import os
import shutil
import tempfile

from sfa_common import logs

bind = f"{os.environ.get('GATEWAY_HOST', '0.0.0.0')}:{os.environ.get('GATEWAY_PORT', '8000')}"  # noqa: S104
worker_class = "gthread"
threads = int(os.environ.get("GATEWAY_THREADS", "8"))
# The embedded engine lives inside one process: more workers would each see their
# own empty database. With a real MongoDB, scale workers with the cores.
_embedded = os.environ.get("MONGO_URI", "mongomock://").startswith("mongomock://")
workers = 1 if _embedded else int(os.environ.get("GATEWAY_WORKERS", "2"))
timeout = 30
graceful_timeout = 10
# gunicorn 27 puts a control socket at one path per user; two gunicorns (gateway and
# portal) on one machine would share it.
control_socket_disable = True
# The app logs every request itself (JSON, with its correlation id); gunicorn's own lines
# go through the same handler. A malformed LOG_FORMAT or LOG_LEVEL stops the master here.
accesslog = None
errorlog = "-"
logconfig_dict = logs.gunicorn_logging("gateway")

_metrics_dir = None


def on_starting(server):
    """Several workers count requests each in their own memory: prometheus_client's
    multiprocess mode adds them up for /metrics. Set here, in the master before any
    worker imports prometheus_client. A PROMETHEUS_MULTIPROC_DIR the operator names must
    be emptied before each start; the one made here is fresh and removed at exit."""
    global _metrics_dir
    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        _metrics_dir = os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(
            prefix="sfa-gateway-metrics-")


def on_exit(server):
    if _metrics_dir:
        shutil.rmtree(_metrics_dir, ignore_errors=True)
