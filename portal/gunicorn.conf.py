"""gunicorn settings for the portal. gthread workers, never gevent or eventlet: the
portal is plain blocking code (requests to the gateway) and gains nothing from
monkey-patching. Run from portal/:

    gunicorn -c gunicorn.conf.py 'portal.app:create_app()'
"""
import os
import secrets

from portal import settings

# Checked here too, so a bad port or worker count stops the master with the
# variable's name instead of a bind error.
_port = settings.port(os.environ)
bind = f"0.0.0.0:{_port}"  # noqa: S104  (behind a proxy or load balancer)
worker_class = "gthread"
threads = 8
workers = settings.positive_int(os.environ, "PORTAL_WORKERS", 2)
timeout = 30
graceful_timeout = 10
accesslog = "-"
errorlog = "-"
# gunicorn's runtime control socket defaults to one path per user
# ($XDG_RUNTIME_DIR or ~/.gunicorn/gunicorn.ctl), which the gateway's gunicorn on the
# same machine would share. The portal needs no runtime control: leave it off.
control_socket_disable = True

# Without SECRET_KEY (allowed outside production) every worker would draw its own key,
# and a session or CSRF token signed by one worker would fail on the next. Draw one
# here, in the master, so the forked workers share it.
if settings.environment(os.environ) != "production" and not os.environ.get("SECRET_KEY"):
    os.environ["SECRET_KEY"] = secrets.token_hex(32)
