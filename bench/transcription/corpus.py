"""The benchmark's corpus, made from text every run (no committed audio): sentences a caller or
an agent might say, each spoken in one of several espeak-ng voices and speeds; some hold one of
the keywords, some hold none (for precision)."""

from __future__ import annotations

from bench.transcription.speech import Line

KEYWORDS = {
    "appointment": "book an appointment",
    "price": "how much does it cost",
    "emergency": "emergency",
    "warranty": "warranty",
    "quote": "free quote",
    "cancel": "cancel",
}

SENTENCES = [
    ("i would like to book an appointment for next tuesday", "appointment"),
    ("how much does it cost to replace a water heater", "price"),
    ("this is an emergency the basement is flooding", "emergency"),
    ("is the repair still covered by the warranty", "warranty"),
    ("can you send me a free quote for a new bathroom", "quote"),
    ("i need to cancel my visit on friday", "cancel"),
    ("we can book an appointment for you this afternoon", "appointment"),
    ("the kitchen sink is leaking under the cabinet", None),
    ("thank you for calling acme plumbing how can i help you", None),
    ("my address is twelve main street apartment four", None),
    ("please hold while i check the schedule", None),
    ("the technician will arrive between nine and eleven", None),
]

VOICES = [("en-us", 150), ("en-us+f3", 140), ("en-us+m3", 170), ("en", 160)]


def lines() -> list[tuple[Line, str | None]]:
    """Each sentence with its voice and speed (in turn), and the keyword tag it holds."""
    found = []
    for index, (text, tag) in enumerate(SENTENCES):
        voice, speed = VOICES[index % len(VOICES)]
        found.append((Line("caller", text, voice, speed), tag))
    return found
