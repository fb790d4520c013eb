"""The TwiML callscope answers Twilio with, built with the official `twilio` package."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import VoiceResponse

from callscope.domain.calls import Call
from callscope.domain.flows import Plan, Strategy, is_sip

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


# --- call flows ---------------------------------------------------------------------------------

GATE_PROMPT = "To be connected, press 1."
GATE_SECONDS = 8


def flow_answer(plan: Plan, call_sid: str, urls: PublicUrls, turn: int, gated: bool) -> str:
    """The answer to an incoming call with a flow: the "press 1" gate for a suspected caller
    (once), then the recording notice, then the plan's first step."""
    response = VoiceResponse()
    if plan.gate and not gated:
        gate = response.gather(
            num_digits=1,
            action=urls("/v1/twilio/gate", turn=str(turn)),
            method="POST",
            timeout=GATE_SECONDS,
        )
        gate.say(GATE_PROMPT, language=_language(plan))
        response.hangup()  # no key pressed: most likely a robot
        return str(response)
    notice = plan.announcement
    if notice is not None and notice.audio_url:
        response.play(notice.audio_url)
    elif notice is not None and notice.text:
        response.say(notice.text, language=notice.language)
    _step(response, plan, 0, call_sid, urls, turn)
    return str(response)


def flow_step(plan: Plan, step: int, call_sid: str, urls: PublicUrls, turn: int) -> str:
    """What follows a `<Dial>` nobody answered: the next target (in order), the fallback
    number, then voicemail; a hang-up when there is nothing left."""
    response = VoiceResponse()
    _step(response, plan, step, call_sid, urls, turn)
    return str(response)


def last_step(plan: Plan, step: int) -> bool:
    """Whether `step` leaves nobody to ring (voicemail or hang-up): the call is unanswered."""
    return step >= _fallback_step(plan) + (1 if plan.fallback_number else 0)


def _fallback_step(plan: Plan) -> int:
    if plan.strategy is Strategy.SIMULTANEOUS:
        return 1 if plan.targets else 0
    return len(plan.targets)


def _step(
    response: VoiceResponse, plan: Plan, step: int, call_sid: str, urls: PublicUrls, turn: int
) -> None:
    fallback = _fallback_step(plan)
    if step < fallback:
        if plan.strategy is Strategy.SIMULTANEOUS:
            targets, seconds = plan.targets, max(plan.ring_seconds)
        else:
            targets, seconds = plan.targets[step : step + 1], plan.ring_seconds[step]
        _dial(response, plan, targets, seconds, step + 1, call_sid, urls, turn)
    elif step == fallback and plan.fallback_number:
        _dial(response, plan, (plan.fallback_number,), 30, step + 1, call_sid, urls, turn)
    elif plan.voicemail is not None:
        response.say(plan.voicemail.greeting, language=_language(plan))
        response.record(
            max_length=plan.voicemail.max_seconds,
            play_beep=True,
            action=urls("/v1/twilio/voicemail"),
            method="POST",
            recording_status_callback=urls("/v1/twilio/recording"),
        )
    else:
        response.hangup()


def _dial(
    response: VoiceResponse,
    plan: Plan,
    targets: tuple[str, ...],
    seconds: int,
    next_step: int,
    call_sid: str,
    urls: PublicUrls,
    turn: int,
) -> None:
    dial = response.dial(
        timeout=seconds,
        record="record-from-answer-dual" if plan.record else "do-not-record",
        action=urls("/v1/twilio/dial-status", step=str(next_step), turn=str(turn)),
        method="POST",
        recording_status_callback=urls("/v1/twilio/recording") if plan.record else None,
        answer_on_bridge=True,
    )
    whisper = urls("/v1/twilio/whisper", call=call_sid)
    for target in targets:
        if is_sip(target):
            dial.sip(target, url=whisper)
        else:
            dial.number(target, url=whisper)


def _language(plan: Plan) -> str:
    return plan.announcement.language if plan.announcement else "en-US"


def forward_text(to: str, sender: str | None, body: str) -> str:
    """Pass an inbound text on to the site's number, saying who sent it."""
    response = MessagingResponse()
    response.message(f"From {sender or 'unknown'}: {body}"[:1600], to=to)
    return str(response)


def no_reply() -> str:
    return str(MessagingResponse())
