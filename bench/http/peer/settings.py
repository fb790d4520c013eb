"""Django settings of the peer stand-in: one PostgreSQL database named by PEER_DATABASE_URL,
connections kept across requests (CONN_MAX_AGE), nothing else installed."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

_url = urlsplit(os.environ.get("PEER_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/bench"))

SECRET_KEY = "bench-only"
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "bench.http.peer.app"
INSTALLED_APPS = ["bench.http.peer"]
MIDDLEWARE: list[str] = []
USE_TZ = True
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": _url.path.lstrip("/"),
        "USER": _url.username or "postgres",
        "PASSWORD": _url.password or "",
        "HOST": _url.hostname or "127.0.0.1",
        "PORT": str(_url.port or 5432),
        "CONN_MAX_AGE": 600,
    }
}
