"""Pages and files for browsers: the snippet, the demo landing page, and liveness."""

from __future__ import annotations

import hashlib

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

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
def demo_page(request: Request) -> HTMLResponse:
    from callscope.web import demo_page as render

    site_key: str | None = request.app.state.demo_site_key
    if site_key is None:
        return HTMLResponse(
            "<h1>callscope</h1><p>See <a href='/docs'>/docs</a> and <a href='/dashboard'>"
            "/dashboard</a>.</p>"
        )
    return HTMLResponse(render(site_key))


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}
