"""gunicorn settings for the MIH sites: ``gunicorn -c gunicorn.conf.py cms.wsgi``.

Run behind nginx (``deploy/nginx.conf.sample``), which buffers whole request bodies before it
passes them on, so a visitor on a slow line never holds a gunicorn thread while uploading.
gthread workers: each worker process serves ``GUNICORN_THREADS`` requests at a time, and the
worker's main loop (not a thread) waits for slow clients' headers and for kept-alive
connections. See docs/deployment.md.

Everything here can be changed with environment variables, listed in docs/deployment.md.
"""

import os

import gunicorn.http.wsgi


def _int(name, default):
    return int(os.environ.get(name, default))


# Where nginx (on the same host) reaches us.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")

# Processes × threads = requests served at once. A page takes ~10 ms of CPU, so one process per
# core; threads cover the time a request waits for PostgreSQL, Redis, S3 or an upload.
worker_class = "gthread"
workers = _int("GUNICORN_WORKERS", max(2, os.cpu_count() or 1))
threads = _int("GUNICORN_THREADS", 4)
# Connections waiting for a thread (nginx retries another host when this is full).
backlog = _int("GUNICORN_BACKLOG", 256)

# A worker whose main loop has not reported for this long is killed and replaced.
timeout = _int("GUNICORN_TIMEOUT", 60)
# On HUP (a release) or TERM, requests in flight get this long to finish.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Kept-alive connections from nginx (upstream keepalive) wait this long for their next request.
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Replace each worker after this many requests (plus jitter, so not all at once): bounds any
# slow growth in memory.
max_requests = _int("GUNICORN_MAX_REQUESTS", 5000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 500)
# Load the application in each worker, not the master, so HUP loads a new release's code.
preload_app = False
# Worker heartbeat files in memory, not on a disk that may stall.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108 - tmpfs by design

# Request line and header limits: ample for the admin's filter URLs, small enough that a client
# cannot make a worker hold megabytes of headers. nginx has the same or smaller limits.
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190

# X-Forwarded-Proto (and X-Forwarded-For) are believed only from these addresses: nginx on the
# same host by default; a comma-separated list or CIDR networks otherwise. Django decides
# HTTPS from SECURE_PROXY_SSL_HEADER and the client address from TRUSTED_PROXY_COUNT itself.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Access log on stdout (journald): method, path without the query string (a search or a
# filter can hold a name or an email address), status, bytes, milliseconds. No client address,
# referrer or user agent: nginx's log has what an investigation needs, for as long as it keeps it.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
access_log_format = '%(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms'
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
proc_name = "mih-web"

# gunicorn's control socket (``gunicornc``: change the worker count, reload) only where asked
# for: systemd's reload (HUP) and stop (TERM) are the interface, and two instances on one host
# would otherwise share the default path.
if os.environ.get("GUNICORN_CONTROL_SOCKET"):
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
else:
    control_socket_disable = True


# No "Server: gunicorn" header. gunicorn 27 has no setting for it: its Response.default_headers()
# always writes "Server: gunicorn" (gunicorn/http/wsgi.py). This file is read by the master
# before it forks the workers, so the workers inherit the patched method; re-reading it on HUP
# does not patch twice.
def _without_server_header(default_headers):
    def default_headers_without_server(self):
        return [line for line in default_headers(self) if not line.lower().startswith("server:")]

    default_headers_without_server.without_server_header = True
    return default_headers_without_server


if not getattr(gunicorn.http.wsgi.Response.default_headers, "without_server_header", False):
    gunicorn.http.wsgi.Response.default_headers = _without_server_header(
        gunicorn.http.wsgi.Response.default_headers
    )
