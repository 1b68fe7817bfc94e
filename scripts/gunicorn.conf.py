"""gunicorn settings for `make serve` (and the benchmark); the environment can change each."""

import multiprocessing
import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
# Threads let a worker go on serving while a request waits on the database.
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# A load balancer keeps connections open; keep them a little longer than it does.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
timeout = 30
graceful_timeout = 20
# Recycle workers now and then, staggered, so that no slow leak lives forever.
max_requests = 10000
max_requests_jitter = 1000
# Load the app once in the master: a recycled worker is a fork, ready at once, instead of a
# second of importing Django on a core that is serving (and workers share the loaded code).
preload_app = True
# X-Forwarded-Proto (the load balancer terminates TLS) is trusted from these addresses only.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# No control socket: it lives at one path per user, which several instances would share.
control_socket_disable = True
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")


def when_ready(server):
    """Build the note reader's language pipeline in the master, before the workers fork: each
    worker then shares it instead of spending seconds on a coder's first note."""
    from coding.reader.context import pipeline

    pipeline()
