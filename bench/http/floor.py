"""The floor for the voice webhook's work in Python: a plain WSGI function doing the peer's two
statements (find the number, store a lead) on a connection kept per process, with psycopg.

    gunicorn -w 2 bench.http.floor:application   (PEER_DATABASE_URL names the database)
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

import psycopg

_conn: psycopg.Connection[Any] | None = None


def _connection() -> psycopg.Connection[Any]:
    global _conn
    if _conn is None or _conn.closed:
        url = os.environ.get("PEER_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/bench")
        _conn = psycopg.connect(url, autocommit=True)
    return _conn


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    size = int(environ.get("CONTENT_LENGTH") or 0)
    form = {k: v[0] for k, v in parse_qs(environ["wsgi.input"].read(size).decode()).items()}
    conn = _connection()
    found = conn.execute(
        "SELECT id, forwarding_number FROM peer_lead_source WHERE incoming_number = %s",
        (form["Called"],),
    ).fetchone()
    if found is None:
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"unknown number"]
    conn.execute(
        "INSERT INTO peer_lead (lead_source_id, phone_number, call_sid, city, state,"
        " caller_name, created) VALUES (%s, %s, %s, %s, %s, %s, now())",
        (
            found[0],
            form["Caller"],
            form["CallSid"],
            form.get("FromCity", ""),
            form.get("FromState", ""),
            form.get("CallerName", ""),
        ),
    )
    body = (
        '<?xml version="1.0" encoding="UTF-8"?><Response><Dial>'
        f"{escape(found[1])}</Dial></Response>"
    ).encode()
    start_response("200 OK", [("Content-Type", "text/xml"), ("Content-Length", str(len(body)))])
    return [body]
