"""The website side of callscope: the number-swap snippet (/snippet.js) and the demo page."""

from __future__ import annotations

import html
from functools import cache
from importlib.resources import files

from callscope.web.minify import minify as _minify

__all__ = ["demo_page", "snippet_js"]


def _resource(name: str) -> str:
    return files(__package__).joinpath(name).read_text(encoding="utf-8")


@cache
def snippet_js() -> bytes:
    """The minified snippet, read and minified once per process."""
    return _minify(_resource("snippet.js")).encode("utf-8") + b"\n"


def demo_page(site_key: str) -> str:
    """A landing page of a fictional heating business that loads the snippet for `site_key`."""
    return _resource("demo.html").replace("{{SITE_KEY}}", html.escape(site_key, quote=True))
