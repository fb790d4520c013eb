"""What /snippet.js is built from: the minifier, the size budget, and the demo landing page."""

from __future__ import annotations

import gzip
import shutil
import subprocess
from pathlib import Path

import pytest

from callscope.web import demo_page, snippet_js
from callscope.web.minify import MinifyError, minify
from tests.conftest import IN_CI

SOURCE = Path(__file__).parents[2] / "src" / "callscope" / "web" / "snippet.js"


def test_the_snippet_is_under_five_kilobytes_gzipped() -> None:
    assert len(gzip.compress(snippet_js(), compresslevel=9)) < 5120


def test_the_snippet_is_minified_once_and_cached() -> None:
    assert snippet_js() is snippet_js()
    assert len(snippet_js()) < len(SOURCE.read_bytes()) * 0.6


def test_the_snippet_has_no_comments_and_keeps_its_public_names() -> None:
    code = snippet_js().decode()
    assert "/*" not in code
    assert "\n\n" not in code
    for kept in ("w.callscope=", "'data-site'", "/v1/visits", "/heartbeat", "visibilityState"):
        assert kept in code


def test_node_parses_the_minified_snippet(tmp_path: Path) -> None:
    if shutil.which("node") is None:
        if IN_CI:
            pytest.fail("CI=true but node is missing (the Makefile's APT_PACKAGES installs it)")
        pytest.skip("needs node to parse JavaScript")
    path = tmp_path / "snippet.js"
    path.write_bytes(snippet_js())
    checked = subprocess.run(["node", "--check", str(path)], capture_output=True, timeout=30)
    assert checked.returncode == 0, checked.stderr.decode()


def test_minify_drops_comments_and_spaces_but_not_strings_or_regexes() -> None:
    source = """
    // a line comment
    var total = a / b; /* block */
    var re = /[/"]\\/ x/g;
    var text = "a // not a comment";
    """
    assert minify(source, mangle=False) == (
        'var total=a/b;var re=/[/"]\\/ x/g;var text="a // not a comment";'
    )


def test_minify_keeps_newlines_where_semicolon_insertion_needs_them() -> None:
    assert minify("a\n++b", mangle=False) == "a\n++b"
    assert minify("x = y\n(z)", mangle=False) == "x=y\n(z)"
    assert minify("return a + +b", mangle=False) == "return a+ +b"


def test_mangling_renames_locals_but_not_properties_keys_or_strings() -> None:
    source = "function f(visit) { var node = visit.node; return {node: node, 'node': [...node]}; }"
    assert minify(source) == "function f(b){var a=b.node;return{node:a,'node':[...a]}}"


def test_minify_refuses_what_it_cannot_read_safely() -> None:
    with pytest.raises(MinifyError):
        minify("var s = `template ${x}`;")
    with pytest.raises(MinifyError):
        minify("var node = 1; var o = {node};")
    with pytest.raises(MinifyError):
        minify("var s = 'unterminated;\n")


def test_the_demo_page_loads_the_snippet_for_its_site_and_shows_the_number_many_ways() -> None:
    page = demo_page('key"<x>')
    assert '<script src="/snippet.js" data-site="key&quot;&lt;x&gt;" async></script>' in page
    for written in ("(555) 010-0199", "555-010-0199", "555.010.0199", "+1 555 010 0199"):
        assert written in page
    assert 'href="tel:+15550100199"' in page
    assert "data-callscope-exclude" in page
    assert "{{SITE_KEY}}" not in page
