"""Twilio's request signature: the URL Twilio signed, the header carrying it, whether it is
valid, and which tracking number and call (hence which account's token) a webhook is about."""

from __future__ import annotations

from collections.abc import Mapping

from twilio.request_validator import RequestValidator

from callscope.phone import maybe_e164

HEADERS = ("X-Twilio-Signature", "X-SignalWire-Signature")


def signed_url(public_url: str, path: str, query: str) -> str:
    """The URL Twilio called, as Twilio saw it: a proxy in front changes scheme and host, so
    the base is the configured public URL; the path and the raw query are kept as received."""
    url = public_url.rstrip("/") + path
    return f"{url}?{query}" if query else url


def signature_of(headers: Mapping[str, str]) -> str:
    """The signature sent; `headers` must look names up case-insensitively (as HTTP does).
    SignalWire's LaML signs the same way with its project signing key, in its own header."""
    return next((headers[name] for name in HEADERS if headers.get(name)), "")


def subject(
    path: str, query: Mapping[str, str], form: Mapping[str, str], region: str
) -> tuple[str | None, str | None]:
    """The tracking number and call a webhook is about. The whisper runs on the agent's leg
    (To is the agent, CallSid the child call): there the parent call is in the query."""
    if path.endswith("/whisper"):
        return None, query.get("call")
    return maybe_e164(form.get("To"), region), form.get("CallSid")


def is_valid(token: str | None, url: str, form: Mapping[str, str], signature: str) -> bool:
    """True when `signature` is `token`'s signature of `url` and `form`."""
    return bool(token and signature and RequestValidator(token).validate(url, form, signature))
