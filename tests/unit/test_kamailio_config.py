"""The rendered kamailio.cfg: its values, what it refuses, and that Kamailio parses it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from callscope.telephony.kamailio import KamailioConfigError, render_config

LISTEN = "127.0.0.1:5060"
GATEWAY = "10.0.0.5:5070"
URL = "http://127.0.0.1:8000"


def header(config: str) -> list[str]:
    """The generated lines before the static routing logic."""
    return config.split("####### callscope call routing", 1)[0].splitlines()


def test_listens_on_the_given_address_for_udp_and_tcp() -> None:
    lines = header(render_config(LISTEN, GATEWAY, URL, None))

    assert "listen=udp:127.0.0.1:5060" in lines
    assert "listen=tcp:127.0.0.1:5060" in lines


def test_an_ipv6_listen_address_keeps_its_brackets() -> None:
    lines = header(render_config("[::1]:5062", GATEWAY, URL, None))

    assert "listen=udp:[::1]:5062" in lines


def test_callscope_url_and_gateway_are_set_once_at_the_top() -> None:
    lines = header(render_config(LISTEN, GATEWAY, "https://calls.example.com/", None))

    assert '#!substdef "!CALLSCOPE_URL!https://calls.example.com!"' in lines
    assert '#!substdef "!CALLSCOPE_GATEWAY!10.0.0.5:5070!"' in lines


def test_the_routing_logic_asks_the_plan_posts_events_and_forwards_to_the_gateway() -> None:
    config = render_config(LISTEN, GATEWAY, URL, None)

    assert (
        '"CALLSCOPE_URL/v1/route/plan?dialed_number=$(var(cs_dialed){s.urlencode.param})'
        "&caller=$(var(cs_caller){s.urlencode.param})"
        '&call_id=$(var(cs_call_id){s.urlencode.param})"'
    ) in config
    assert '"CALLSCOPE_URL/v1/calls/events"' in config
    # Agent numbers go to the gateway; SIP URI targets are rung as they are.
    assert '$var(cs_uri) = "sip:" + $var(cs_target) + "@CALLSCOPE_GATEWAY";' in config
    assert '$ru = "sip:" + $var(cs_agent) + "@CALLSCOPE_GATEWAY";' in config  # the fallback
    # Serial forking: the failure route rings the plan's next step.
    failure = config[config.index("failure_route[CALLSCOPE_FAILED]") :]
    assert "route(CALLSCOPE_STEP)" in failure and "t_relay()" in failure
    assert 'modparam("http_client", "connection_timeout", 2)' in config
    for event in ("started", "answered", "completed", "failed"):
        assert f'$var(cs_event) = "{event}";' in config


def test_a_gateway_transport_is_kept() -> None:
    lines = header(render_config(LISTEN, "pbx.example.com:5060;transport=tcp", URL, None))

    assert '#!substdef "!CALLSCOPE_GATEWAY!pbx.example.com:5060;transport=tcp!"' in lines


def test_the_secret_is_sent_on_route_lookups_and_event_posts() -> None:
    lines = header(render_config(LISTEN, GATEWAY, URL, "s3cr3t-Token_1"))

    assert '#!substdef "!CALLSCOPE_GET_HEADERS!X-Callscope-Secret: s3cr3t-Token_1!"' in lines
    assert (
        '#!substdef "!CALLSCOPE_POST_HEADERS!Content-Type: application/json\\r\\n'
        'X-Callscope-Secret: s3cr3t-Token_1!"'
    ) in lines


def test_without_a_secret_no_secret_header_is_sent() -> None:
    config = render_config(LISTEN, GATEWAY, URL, None)

    assert "X-Callscope-Secret" not in config
    assert '#!substdef "!CALLSCOPE_GET_HEADERS!!"' in header(config)
    assert '#!substdef "!CALLSCOPE_POST_HEADERS!Content-Type: application/json!"' in header(config)


def test_a_fallback_agent_is_defined_only_when_given() -> None:
    with_fallback = header(render_config(LISTEN, GATEWAY, URL, None, "+15550001111"))
    without = header(render_config(LISTEN, GATEWAY, URL, None))

    assert "#!define WITH_FALLBACK" in with_fallback
    assert '#!substdef "!CALLSCOPE_FALLBACK!+15550001111!"' in with_fallback
    assert "#!define WITH_FALLBACK" not in without


def test_trusted_sources_become_one_subnet_list() -> None:
    lines = header(
        render_config(LISTEN, GATEWAY, URL, None, trusted_sources=["203.0.113.7", "10.1.0.0/16"])
    )

    assert "#!define WITH_TRUSTED_SOURCES" in lines
    assert '#!substdef "!CALLSCOPE_TRUSTED_SOURCES!203.0.113.7/32,10.1.0.0/16!"' in lines


@pytest.mark.parametrize(
    ("listen", "gateway", "url", "secret", "fallback", "complaint"),
    [
        ("127.0.0.1", GATEWAY, URL, None, None, "listen must be HOST:PORT"),
        ("127.0.0.1:70000", GATEWAY, URL, None, None, "listen port must be 1-65535"),
        (LISTEN, "pbx:5060;x=1", URL, None, None, "gateway must be HOST:PORT"),
        (LISTEN, "[12345::1]:5060", URL, None, None, "gateway host is not an IP address"),
        (LISTEN, GATEWAY, "ftp://example.com", None, None, "url must be an http(s) URL"),
        (LISTEN, GATEWAY, "http://example.com/$x", None, None, "url must not contain"),
        (LISTEN, GATEWAY, "http://example.com/?a=1", None, None, "url must not contain"),
        (LISTEN, GATEWAY, URL, 'a"b', None, "secret may only use"),
        (LISTEN, GATEWAY, URL, "a$b", None, "secret may only use"),
        (LISTEN, GATEWAY, URL, None, "sales", "fallback must be a phone number"),
    ],
)
def test_values_that_would_break_the_config_are_refused(
    listen: str, gateway: str, url: str, secret: str | None, fallback: str | None, complaint: str
) -> None:
    with pytest.raises(KamailioConfigError, match=re.escape(complaint)):
        render_config(listen, gateway, url, secret, fallback)


def test_a_trusted_source_that_is_no_address_is_refused() -> None:
    with pytest.raises(KamailioConfigError, match="not an IP address or network"):
        render_config(LISTEN, GATEWAY, URL, None, trusted_sources=["trunk.example.com"])


def kamailio_binary() -> str:
    found = shutil.which("kamailio") or (
        "/usr/sbin/kamailio" if Path("/usr/sbin/kamailio").exists() else None
    )
    if found is None:
        message = "kamailio is not installed (apt-get install kamailio kamailio-utils-modules ...)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


@pytest.mark.parametrize(
    ("secret", "fallback", "trusted"),
    [
        (None, None, ()),
        ("s3cr3t", "+15550001111", ("127.0.0.1", "10.0.0.0/8")),
    ],
)
def test_kamailio_parses_the_rendered_config(
    tmp_path: Path, secret: str | None, fallback: str | None, trusted: tuple[str, ...]
) -> None:
    config = tmp_path / "kamailio.cfg"
    config.write_text(
        render_config(LISTEN, GATEWAY, URL, secret, fallback, trusted_sources=trusted)
    )

    checked = subprocess.run(
        [kamailio_binary(), "-c", "-f", str(config)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )

    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "config file ok" in checked.stdout + checked.stderr
