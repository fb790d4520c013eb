"""A stand-in of the Twilio REST endpoints callscope calls to buy numbers, on loopback: it
answers in the documented shapes (AvailablePhoneNumbers, IncomingPhoneNumbers list, create,
update, delete) and records every request for the tests to assert."""

from __future__ import annotations

import base64
import http.server
import json
import re
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

ACCOUNT_SID = "AC" + "0" * 31 + "1"
AUTH_TOKEN = "standin-auth-token"
BASE = "/2010-04-01/Accounts/(?P<account>AC[0-9a-f]{32})"


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    authorised: bool


@dataclass
class Standin:
    """What the stand-in offers and owns, and every request it received."""

    offered: list[str] = field(default_factory=lambda: ["+14155550101", "+14155550102"])
    owned: dict[str, dict[str, Any]] = field(default_factory=dict)  # sid: number resource
    requests: list[Recorded] = field(default_factory=list)

    def start(self) -> str:
        standin = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                standin._answer(self, "GET")

            def do_POST(self) -> None:
                standin._answer(self, "POST")

            def do_DELETE(self) -> None:
                standin._answer(self, "DELETE")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self._server.server_port}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def made(self, method: str, path_end: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and r.path.endswith(path_end)]

    def _answer(self, handler: http.server.BaseHTTPRequestHandler, method: str) -> None:
        url = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length).decode() if length else ""
        form = {k: v[0] for k, v in parse_qs(raw).items()}
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        expected = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
        authorised = handler.headers.get("Authorization") == f"Basic {expected}"
        self.requests.append(Recorded(method, url.path, query, form, authorised))
        status, body = (
            self._route(method, url.path, query, form)
            if authorised
            else (401, {"code": 20003, "message": "Authenticate", "status": 401})
        )
        data = json.dumps(body).encode() if body is not None else b""
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def _route(
        self, method: str, path: str, query: dict[str, str], form: dict[str, str]
    ) -> tuple[int, Any]:
        if m := re.fullmatch(BASE + r"/AvailablePhoneNumbers/(?P<c>[A-Z]{2})/Local\.json", path):
            found = [n for n in self.offered if query.get("Contains", "") in n]
            if query.get("AreaCode"):
                found = [n for n in found if n[2:5] == query["AreaCode"]]
            return 200, _page(
                "available_phone_numbers", [_available(n, m["c"]) for n in found], path
            )
        if re.fullmatch(BASE + r"/IncomingPhoneNumbers\.json", path) and method == "GET":
            wanted = query.get("PhoneNumber")
            found = [r for r in self.owned.values() if wanted in (None, r["phone_number"])]
            return 200, _page("incoming_phone_numbers", found, path)
        if re.fullmatch(BASE + r"/IncomingPhoneNumbers\.json", path) and method == "POST":
            number = form.get("PhoneNumber", "")
            if number not in self.offered:
                return 400, {
                    "code": 21422,
                    "message": "PhoneNumber is not available",
                    "status": 400,
                }
            self.offered.remove(number)
            sid = f"PN{len(self.requests):032x}"
            self.owned[sid] = _incoming(sid, number, form)
            return 201, self.owned[sid]
        if m := re.fullmatch(BASE + r"/IncomingPhoneNumbers/(?P<sid>PN[0-9a-f]{32})\.json", path):
            if m["sid"] not in self.owned:
                return 404, {"code": 20404, "message": "not found", "status": 404}
            if method == "DELETE":
                del self.owned[m["sid"]]
                return 204, None
            self.owned[m["sid"]].update(
                _incoming(m["sid"], self.owned[m["sid"]]["phone_number"], form)
            )
            return 200, self.owned[m["sid"]]
        return 404, {"code": 20404, "message": "not found", "status": 404}


def _page(key: str, records: list[dict[str, Any]], uri: str) -> dict[str, Any]:
    return {
        key: records,
        "end": max(len(records) - 1, 0),
        "first_page_uri": uri,
        "next_page_uri": None,
        "page": 0,
        "page_size": 50,
        "previous_page_uri": None,
        "start": 0,
        "uri": uri,
    }


def _available(number: str, country: str) -> dict[str, Any]:
    return {
        "friendly_name": f"({number[2:5]}) {number[5:8]}-{number[8:]}",
        "phone_number": number,
        "lata": "722",
        "locality": "San Francisco",
        "rate_center": "SNFC",
        "latitude": "37.77",
        "longitude": "-122.41",
        "region": "CA",
        "postal_code": "94110",
        "iso_country": country,
        "address_requirements": "none",
        "beta": False,
        "capabilities": {"voice": True, "SMS": True, "MMS": True},
    }


def _incoming(sid: str, number: str, form: dict[str, str]) -> dict[str, Any]:
    return {
        "account_sid": ACCOUNT_SID,
        "sid": sid,
        "phone_number": number,
        "friendly_name": number,
        "voice_url": form.get("VoiceUrl"),
        "voice_method": form.get("VoiceMethod", "POST"),
        "sms_url": form.get("SmsUrl"),
        "sms_method": form.get("SmsMethod", "POST"),
        "status": "in-use",
        "date_created": "Wed, 02 Dec 2026 09:00:00 +0000",
        "date_updated": "Wed, 02 Dec 2026 09:00:00 +0000",
        "capabilities": {"voice": True, "sms": True, "mms": True},
        "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/IncomingPhoneNumbers/{sid}.json",
    }
