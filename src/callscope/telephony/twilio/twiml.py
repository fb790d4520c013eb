"""The TwiML callscope answers Twilio with, built with the official `twilio` package."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import VoiceResponse

from callscope.domain.calls import Call

PROMPT = "Please type the four digit code shown on the website, or stay on the line."
# Long enough to read a code off the screen; a caller who types nothing is still connected.
GATHER_SECONDS = 6


@dataclass(frozen=True)
class PublicUrls:
    """Absolute callback URLs on callscope's public base URL (the one Twilio signs)."""

    base: str

    def __call__(self, path: str, **query: str) -> str:
        url = self.base.rstrip("/") + path
        return f"{url}?{urlencode(query)}" if query else url


def reject() -> str:
    response = VoiceResponse()
    response.reject()
    return str(response)


def silence() -> str:
    return str(VoiceResponse())


def hangup() -> str:
    response = VoiceResponse()
    response.hangup()
    return str(response)


def ask_extension(urls: PublicUrls) -> str:
    """Gather a 4-digit code; without one, the Redirect routes the call anyway."""
    response = VoiceResponse()
    gather = response.gather(
        num_digits=4, action=urls("/v1/twilio/gather"), method="POST", timeout=GATHER_SECONDS
    )
    gather.say(PROMPT)
    response.redirect(urls("/v1/twilio/gather"), method="POST")
    return str(response)


def dial(agent_number: str, call_sid: str, urls: PublicUrls) -> str:
    """Forward to the agent, recording from the answer, with the outcome posted back."""
    response = VoiceResponse()
    forward = response.dial(
        record="record-from-answer-dual",  # caller and agent on two channels
        action=urls("/v1/twilio/dial-status"),
        method="POST",
        recording_status_callback=urls("/v1/twilio/recording"),
        answer_on_bridge=True,
    )
    forward.number(agent_number, url=urls("/v1/twilio/whisper", call=call_sid))
    return str(response)


def whisper(call: Call) -> str:
    """What the agent hears before being connected: where the caller came from."""
    response = VoiceResponse()
    response.say(f"{'New' if call.first_time else 'Returning'} caller. {_origin(call)}")
    return str(response)


def _origin(call: Call) -> str:
    channel = call.attribution.channel
    if channel is None:
        return "Source unknown."
    words = [f"From {channel.source}, {channel.medium}."]
    if channel.campaign:
        words.append(f"Campaign {channel.campaign}.")
    if channel.term:
        words.append(f"Keyword {channel.term}.")
    return " ".join(words)


def forward_text(to: str, sender: str | None, body: str) -> str:
    """Pass an inbound text on to the site's number, saying who sent it."""
    response = MessagingResponse()
    response.message(f"From {sender or 'unknown'}: {body}"[:1600], to=to)
    return str(response)


def no_reply() -> str:
    return str(MessagingResponse())
