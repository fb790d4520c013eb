"""Which recording URLs callscope fetches: platform hosts or an allowlist, never a private or
loopback address outside development, and credentials only to the host they belong to."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from callscope.adapters.recording_fetch import HttpRecordingFetcher
from callscope.domain.recordings import FetchPolicy, RecordingUnavailable

PRODUCTION = FetchPolicy(extra_hosts=("media.example.org",))
DEV = FetchPolicy(allow_private=True)


@pytest.mark.parametrize(
    "url",
    [
        "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1",
        "https://storage-gw-us-01.voximplant.com/records/1.mp3",
        "https://media.example.org/a.wav",
        "https://cdn.media.example.org/a.wav",
    ],
)
def test_platform_and_allowlisted_hosts_may_be_fetched(url: str) -> None:
    assert PRODUCTION.check_url(url)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:8000/a.wav", "recording host 127.0.0.1 is neither"),
        ("http://localhost/a.wav", "recording host localhost is neither"),
        ("https://evil-twilio.com/a.wav", "recording host evil-twilio.com is neither"),
        ("https://twilio.com.evil.example/a.wav", "recording host twilio.com.evil.example"),
        ("ftp://api.twilio.com/a.wav", "recording URL must be http(s)"),
        ("file:///etc/passwd", "recording URL must be http(s)"),
    ],
)
def test_other_hosts_are_refused_for_good(url: str, reason: str) -> None:
    with pytest.raises(RecordingUnavailable) as refused:
        PRODUCTION.check_url(url)
    assert refused.value.reason.startswith(reason) and refused.value.permanent


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "169.254.169.254", "::1", "fc00::1"])
def test_an_allowed_host_resolving_to_a_private_address_is_refused_outside_dev(
    address: str,
) -> None:
    with pytest.raises(RecordingUnavailable, match="resolves to a non-public address"):
        PRODUCTION.check_addresses("media.example.org", ["93.184.216.34", address])
    DEV.check_addresses("media.example.org", [address])  # development serves from loopback


def test_loopback_is_fetched_in_dev_only() -> None:
    assert DEV.check_url("http://127.0.0.1:8000/a.wav") == "127.0.0.1"


def fetcher(
    handler: httpx.MockTransport, addresses: dict[str, str], max_bytes: int = 10_000
) -> HttpRecordingFetcher:
    return HttpRecordingFetcher(
        PRODUCTION, max_bytes, 5, resolver=lambda host: [addresses[host]], transport=handler
    )


def test_no_request_is_made_to_a_host_that_resolves_to_a_private_address(tmp_path: Path) -> None:
    sent: list[httpx.Request] = []
    mock = httpx.MockTransport(lambda r: sent.append(r) or httpx.Response(200))
    with pytest.raises(RecordingUnavailable, match="non-public"):
        fetcher(mock, {"media.example.org": "10.0.0.7"}).fetch(
            "https://media.example.org/a.wav", None, tmp_path / "a"
        )
    assert sent == []


def test_a_redirect_is_checked_again_and_credentials_stay_with_their_host(tmp_path: Path) -> None:
    sent: list[httpx.Request] = []

    def platform(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        if request.url.host == "api.twilio.com":
            return httpx.Response(302, headers={"location": "https://files.example.net/r.wav"})
        return httpx.Response(200, headers={"content-type": "audio/wav"}, content=b"RIFF")

    public = {"api.twilio.com": "54.172.60.1", "files.example.net": "93.184.216.34"}
    got = fetcher(httpx.MockTransport(platform), public).fetch(
        "https://api.twilio.com/r", ("AC1", "secret"), tmp_path / "a"
    )
    assert got == "audio/wav" and (tmp_path / "a").read_bytes() == b"RIFF"
    assert "authorization" in sent[0].headers and "authorization" not in sent[1].headers

    metadata = {**public, "files.example.net": "169.254.169.254"}
    with pytest.raises(RecordingUnavailable, match=r"files\.example\.net resolves to a non-public"):
        fetcher(httpx.MockTransport(platform), metadata).fetch(
            "https://api.twilio.com/r", None, tmp_path / "b"
        )
