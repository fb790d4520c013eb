"""Buying and releasing phone numbers through Twilio's REST API with the official client.

`api_base` replaces https://api.twilio.com (CALLSCOPE_TWILIO_API_BASE): the tests point it at
a local stand-in of the same endpoints; in production it stays Twilio's."""

from __future__ import annotations

from typing import Any

from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from callscope.domain.errors import Conflict, InvalidInput, NotFound
from callscope.domain.numbers import AvailableNumber, NumberSearch

TWILIO_API = "https://api.twilio.com"


class _Rebased(TwilioHttpClient):  # type: ignore[misc]  # twilio ships no type hints
    """The official HTTP client, sending to another base URL."""

    def __init__(self, base: str) -> None:
        super().__init__(timeout=15)
        self._base = base.rstrip("/")

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        if url.startswith(TWILIO_API):
            url = self._base + url[len(TWILIO_API) :]
        return super().request(method, url, *args, **kwargs)


class TwilioNumbers:
    """The account's numbers at Twilio: search, buy (with callscope's webhooks), release."""

    def __init__(self, account_sid: str, auth_token: str, api_base: str = TWILIO_API) -> None:
        http = _Rebased(api_base) if api_base.rstrip("/") != TWILIO_API else None
        self._client = Client(account_sid, auth_token, http_client=http)

    def search(self, search: NumberSearch) -> list[AvailableNumber]:
        options: dict[str, Any] = {"limit": search.limit}
        if search.area_code:
            options["area_code"] = search.area_code
        if search.contains:
            options["contains"] = search.contains
        listing = self._client.available_phone_numbers(search.country)
        found = _call(lambda: listing.local.list(**options))
        return [
            AvailableNumber(
                str(n.phone_number), str(n.friendly_name), n.locality, n.region, n.iso_country
            )
            for n in found
        ]

    def buy(self, number: str, voice_url: str, sms_url: str) -> str:
        """Buy `number` with its voice and messaging webhooks pointed at callscope; its SID."""
        bought = _call(
            lambda: self._client.incoming_phone_numbers.create(
                phone_number=number,
                voice_url=voice_url,
                voice_method="POST",
                sms_url=sms_url,
                sms_method="POST",
            )
        )
        return str(bought.sid)

    def point(self, number: str, voice_url: str, sms_url: str) -> str:
        """Point a number the account already owns at callscope's webhooks; its SID."""
        sid = self.sid_of(number)
        _call(
            lambda: self._client.incoming_phone_numbers(sid).update(
                voice_url=voice_url, voice_method="POST", sms_url=sms_url, sms_method="POST"
            )
        )
        return sid

    def sid_of(self, number: str) -> str:
        found = _call(
            lambda: self._client.incoming_phone_numbers.list(phone_number=number, limit=1)
        )
        if not found:
            raise NotFound("that number is not in the Twilio account")
        return str(found[0].sid)

    def release(self, number: str) -> None:
        sid = self.sid_of(number)
        _call(lambda: self._client.incoming_phone_numbers(sid).delete())


def _call(request: Any) -> Any:
    """Twilio's refusals as the domain's errors (a message for the user, never a 500)."""
    try:
        return request()
    except TwilioRestException as exc:
        kind = {404: NotFound, 409: Conflict}.get(exc.status, InvalidInput)
        raise kind(f"Twilio: {exc.msg or exc.status}") from None
    except TwilioException as exc:
        raise InvalidInput(f"Twilio: {exc}") from None
