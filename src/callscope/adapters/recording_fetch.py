"""Fetching a recording over HTTP(S) into a file: the host allowed by the fetch policy and
resolved to public addresses, a size limit (declared and streamed), an overall time limit and
an audio content type. Each refusal is a RecordingUnavailable with a reason for people."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx

from callscope.domain.recordings import FetchPolicy, RecordingUnavailable

AUDIO_TYPES = ("audio/", "application/ogg", "application/octet-stream")
GONE = (401, 403, 404, 410)  # asking again will not change the answer
MAX_REDIRECTS = 3
Resolver = Callable[[str], list[str]]


def resolve(host: str) -> list[str]:
    try:
        return sorted({str(info[4][0]) for info in socket.getaddrinfo(host, None)})
    except socket.gaierror as exc:
        raise RecordingUnavailable(f"cannot resolve recording host {host}") from exc


class HttpRecordingFetcher:
    def __init__(
        self,
        policy: FetchPolicy,
        max_bytes: int,
        timeout: float,
        resolver: Resolver = resolve,
        transport: httpx.BaseTransport | None = None,  # tests stand in for a platform here
    ) -> None:
        self._policy, self._max_bytes, self._timeout = policy, max_bytes, timeout
        self._resolve, self._transport = resolver, transport

    def fetch(self, url: str, auth: tuple[str, str] | None, into: Path) -> str:
        """Download `url` into the file `into`; returns its content type."""
        host = self._policy.check_url(url)
        deadline = time.monotonic() + self._timeout
        client = httpx.Client(
            timeout=self._timeout, follow_redirects=False, transport=self._transport
        )
        with client:
            for _ in range(MAX_REDIRECTS + 1):
                self._policy.check_addresses(host, self._resolve(host))
                try:
                    redirect, content_type = self._get(client, url, auth, into, deadline)
                except httpx.TimeoutException as exc:
                    raise RecordingUnavailable(f"timed out fetching from {host}") from exc
                except httpx.RemoteProtocolError as exc:
                    raise RecordingUnavailable(f"download from {host} was cut short") from exc
                except httpx.TransportError as exc:
                    raise RecordingUnavailable(f"cannot connect to {host}") from exc
                if redirect is None:
                    return content_type
                url, previous = redirect, host
                host = self._redirect_host(url)
                # Credentials go only to the host they belong to.
                auth = auth if host == previous else None
        raise RecordingUnavailable("too many redirects", permanent=True)

    def _redirect_host(self, url: str) -> str:
        # A platform host may send us on to its storage (not in the allowlist); the address
        # check still applies to every hop.
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise RecordingUnavailable("recording redirect to a non-http(s) URL", permanent=True)
        return parts.hostname.lower()

    def _get(
        self,
        client: httpx.Client,
        url: str,
        auth: tuple[str, str] | None,
        into: Path,
        deadline: float,
    ) -> tuple[str | None, str]:
        """(the URL redirected to, or None; the content type of what was saved)."""
        with client.stream("GET", url, auth=auth) as response:
            if response.is_redirect and "location" in response.headers:
                return urljoin(url, response.headers["location"]), ""
            self._check_response(response)
            self._save(response, into, deadline)
            return None, _content_type(response)

    def _check_response(self, response: httpx.Response) -> None:
        status = response.status_code
        if status != 200:
            raise RecordingUnavailable(f"HTTP {status} from the recording host", status in GONE)
        kind = _content_type(response)
        if not kind.startswith(AUDIO_TYPES):
            raise RecordingUnavailable(f"not audio: content type {kind or 'missing'}", True)
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self._max_bytes:
            raise RecordingUnavailable(self._too_large(f"{declared} bytes declared"), True)

    def _save(self, response: httpx.Response, into: Path, deadline: float) -> None:
        size = 0
        with into.open("wb") as out:
            for chunk in response.iter_bytes(64 * 1024):
                size += len(chunk)
                if size > self._max_bytes:
                    raise RecordingUnavailable(self._too_large("more sent"), True)
                if time.monotonic() > deadline:
                    raise RecordingUnavailable(f"took longer than {self._timeout:g} s")
                out.write(chunk)

    def _too_large(self, seen: str) -> str:
        return f"recording too large: {seen}, limit {self._max_bytes} bytes"


def _content_type(response: httpx.Response) -> str:
    return str(response.headers.get("content-type", "")).split(";")[0].strip().lower()
