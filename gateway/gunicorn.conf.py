"""gunicorn settings for the gateway. gthread workers: nameko's standalone proxies
are plain blocking sockets (gunicorn no longer ships an eventlet worker, and gevent
would fight eventlet). Each thread borrows its own proxy from the process's pool."""
import os

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
accesslog = "-"
errorlog = "-"
