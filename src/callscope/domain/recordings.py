"""Recordings and transcripts of calls, and which recording URLs callscope may fetch.

A recording URL arrives on someone else's say-so (a telephony platform's callback, or anyone
holding the telephony secret): fetching it is a server-side request, so the host must be a
platform's or allowlisted, and outside development no private or loopback address is fetched."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

# Hosts the telephony platforms callscope speaks serve recordings from (and their subdomains).
PLATFORM_HOSTS = ("twilio.com", "voximplant.com", "telnyx.com", "signalwire.com")
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")


class RecordingUnavailable(Exception):
    """A recording could not be fetched or read; `permanent` when trying again cannot help."""

    def __init__(self, reason: str, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class NoSpeech(RecordingUnavailable):
    """The recording holds no speech (silence, a tone): nothing to transcribe, nothing to hide."""

    def __init__(self, reason: str = "no speech found: the recording is silent") -> None:
        super().__init__(reason, permanent=True)


@dataclass(frozen=True)
class Recording:
    call_id: str
    site_id: int
    path: str  # relative to the recordings store
    content_type: str
    size: int
    fetched_at: datetime
    redacted_path: str | None = None  # the copy silenced where the transcript was redacted


@dataclass(frozen=True)
class FetchPolicy:
    extra_hosts: tuple[str, ...] = ()
    allow_private: bool = False  # development only: tests and the demo serve audio on loopback

    def check_url(self, url: str) -> str:
        """The URL's host when it may be fetched; raises RecordingUnavailable otherwise."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if parts.scheme not in ("http", "https") or not host:
            raise RecordingUnavailable("recording URL must be http(s)", permanent=True)
        allowed = host_matches(host, PLATFORM_HOSTS + self.extra_hosts)
        if not allowed and not (self.allow_private and host in LOOPBACK_NAMES):
            raise RecordingUnavailable(
                f"recording host {host} is neither a platform's nor in CALLSCOPE_RECORDING_HOSTS",
                permanent=True,
            )
        return host

    def check_addresses(self, host: str, addresses: Iterable[str]) -> None:
        """Refuse a host that resolves to a private, loopback or link-local address."""
        if self.allow_private:
            return
        for address in addresses:
            if not ipaddress.ip_address(address.split("%")[0]).is_global:
                raise RecordingUnavailable(
                    f"recording host {host} resolves to a non-public address", permanent=True
                )


def host_matches(host: str, allowed: Iterable[str]) -> bool:
    """`host` is one of `allowed` or a subdomain of one."""
    return any(host == a or host.endswith("." + a) for a in allowed if a)


@dataclass(frozen=True)
class AudioInfo:
    channels: int
    sample_rate: int
    seconds: float
    suffix: str  # the file name ending for its format: ".wav", ".mp3", ".ogg"
