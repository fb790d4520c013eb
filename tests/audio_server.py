"""A loopback HTTP server that plays a recording platform for tests: it serves audio files,
and the bad answers a real one can give (404, an HTML page, a body cut short, an endless body,
a declared 2 GB file, a stall)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class AudioServer:
    url: str
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # path -> (type, body)
    requests: list[tuple[str, str | None]] = field(default_factory=list)  # (path, auth)
    release: threading.Event = field(default_factory=threading.Event)  # ends a /stall

    def serve(self, path: str, body: bytes, content_type: str = "audio/wav") -> str:
        self.files[path] = (content_type, body)
        return self.url + path


@contextmanager
def audio_server() -> Iterator[AudioServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    state = AudioServer(f"http://127.0.0.1:{server.server_address[1]}")
    server.state = state  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.release.set()
        server.shutdown()
        server.server_close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        state: AudioServer = self.server.state  # type: ignore[attr-defined]
        state.requests.append((self.path, self.headers.get("Authorization")))
        special = {
            "/page.html": self._html,
            "/cut-short.wav": self._cut_short,
            "/endless.wav": self._endless,
            "/declared-2gb.mp3": self._declared_huge,
            "/stall.wav": self._stall,
        }
        if self.path in special:
            special[self.path]()
        elif self.path in state.files:
            content_type, body = state.files[self.path]
            self._send(200, content_type, body)
        else:
            self._send(404, "text/plain", b"not found")

    def _send(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _html(self) -> None:
        self._send(200, "text/html; charset=utf-8", b"<html><body>Sign in</body></html>")

    def _cut_short(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "audio/wav")
        self.send_header("Content-Length", "100000")
        self.end_headers()
        self.wfile.write(b"RIFF" + bytes(4996))
        self.close_connection = True

    def _endless(self) -> None:
        # No length announced: only the streamed size can stop it.
        self.send_response(200)
        self.send_header("Content-Type", "audio/wav")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        chunk = bytes(64 * 1024)
        try:
            for _ in range(100_000):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True

    def _declared_huge(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "audio/mpeg")
        self.send_header("Content-Length", str(2 * 1024**3))
        self.end_headers()
        with suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(bytes(64 * 1024))
        self.close_connection = True

    def _stall(self) -> None:
        # Headers, a little audio, then nothing until the test releases it.
        state: AudioServer = self.server.state  # type: ignore[attr-defined]
        content_type, body = state.files["/stalled-body.wav"]
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[:1000])
        self.wfile.flush()
        state.release.wait(120)
        with suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body[1000:])
