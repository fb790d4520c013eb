"""Pages and files for browsers: the snippet, the demo landing page, and liveness."""

from __future__ import annotations

import hashlib
import io
import math
import wave
from functools import cache

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from callscope.entrypoints.http.deps import SettingsDep

router = APIRouter(tags=["web"])


@router.get("/snippet.js", include_in_schema=False)
def snippet(request: Request) -> Response:
    from callscope.web import snippet_js

    body = snippet_js()
    etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
    headers = {"Cache-Control": "public, max-age=300", "ETag": etag}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/javascript", headers=headers)


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def demo_page(settings: SettingsDep) -> HTMLResponse:
    from callscope.web import demo_page as render

    site_key = settings.demo_site_key
    if site_key is None:
        return HTMLResponse(
            "<h1>callscope</h1><p>See <a href='/docs'>/docs</a> and <a href='/dashboard'>"
            "/dashboard</a>.</p>"
        )
    return HTMLResponse(render(site_key))


@router.get("/demo/recordings/{name}", include_in_schema=False)
def demo_recording(name: str, settings: SettingsDep) -> Response:
    """The demo's stand-in telephony platform: its spoken calls' recordings (see demo_calls),
    else a short tone."""
    from callscope.entrypoints.demo_calls import platform_file

    found = platform_file(settings, name)
    if found is not None:
        kind = "audio/ogg" if found.suffix == ".ogg" else "audio/wav"
        return Response(found.read_bytes(), media_type=kind)
    return Response(_tone(), media_type="audio/wav", headers={"Cache-Control": "max-age=86400"})


@cache
def _tone(seconds: float = 2.0, rate: int = 8000) -> bytes:
    samples = (
        int(8000 * math.sin(2 * math.pi * 440 * i / rate)) for i in range(int(seconds * rate))
    )
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"".join(s.to_bytes(2, "little", signed=True) for s in samples))
    return buffer.getvalue()


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}
