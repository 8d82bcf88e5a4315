"""gunicorn settings for the portal. gthread workers, never gevent or eventlet: the
portal is plain blocking code (requests to the gateway) and gains nothing from
monkey-patching. Run from portal/:

    gunicorn -c gunicorn.conf.py 'portal.app:create_app()'
"""
import os
import secrets
import shutil
import tempfile

from portal import logs, settings

# Checked here too, so a bad port or worker count stops the master with the
# variable's name instead of a bind error.
_port = settings.port(os.environ)
bind = f"0.0.0.0:{_port}"  # noqa: S104  (behind a proxy or load balancer)
worker_class = "gthread"
threads = 8
workers = settings.positive_int(os.environ, "PORTAL_WORKERS", 2)
timeout = 30
graceful_timeout = 10
# The app logs every request itself (JSON, with its correlation id); gunicorn's own lines
# go through the same handler. A malformed LOG_FORMAT or LOG_LEVEL stops the master here.
accesslog = None
errorlog = "-"
logconfig_dict = logs.gunicorn_logging()
# gunicorn's runtime control socket defaults to one path per user
# ($XDG_RUNTIME_DIR or ~/.gunicorn/gunicorn.ctl), which the gateway's gunicorn on the
# same machine would share. The portal needs no runtime control: leave it off.
control_socket_disable = True

# Without SECRET_KEY (allowed outside production) every worker would draw its own key,
# and a session or CSRF token signed by one worker would fail on the next. Draw one
# here, in the master, so the forked workers share it.
if settings.environment(os.environ) != "production" and not os.environ.get("SECRET_KEY"):
    os.environ["SECRET_KEY"] = secrets.token_hex(32)

_metrics_dir = None


def on_starting(server):
    """Several workers count requests each in their own memory: prometheus_client's
    multiprocess mode adds them up for /metrics. Set here, in the master before any
    worker imports prometheus_client. A PROMETHEUS_MULTIPROC_DIR the operator names must
    be emptied before each start; the one made here is fresh and removed at exit."""
    global _metrics_dir
    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        _metrics_dir = os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(
            prefix="sfa-portal-metrics-")


def on_exit(server):
    if _metrics_dir:
        shutil.rmtree(_metrics_dir, ignore_errors=True)
