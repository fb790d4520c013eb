"""The demo's spoken calls: a few conversations a heating business hears, spoken by espeak-ng
(telephone audio through sox) when it is installed, else read from small recordings shipped
with callscope (made by the same code). The demo's latest answered calls point their
`record_url` at the server's own `/demo/recordings/...` (standing in for a telephony
platform), so the server's job thread fetches, transcribes, tags and scores them as it would a
real call."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path

import numpy as np
import soundfile

from callscope.adapters.recording_store import recordings_dir
from callscope.adapters.speech import Line, conversation, missing_tools, write_call
from callscope.domain.keywords import KeywordRule
from callscope.domain.reporting import CallFilter
from callscope.services import insights, reports, sites
from callscope.services.ports import Storage
from callscope.services.recordings import attach_recording
from callscope.settings import Settings

FILE_NAME = re.compile(r"^call-[0-9]{1,3}\.(wav|ogg)$")
# Words the bundled engine does hear in espeak-ng's voice (see the transcription benchmark: it
# misses most words); a stronger engine behind the Transcriber port would hear far more.
KEYWORDS = (
    KeywordRule(0, 0, "appointment", "appointment", 30, "caller"),
    KeywordRule(0, 0, "broken", "urgent-repair", 25, "caller"),
    KeywordRule(0, 0, "how much", "price-shopper", 5, "caller"),
    KeywordRule(0, 0, "wrong", "wrong-number", -60, "caller"),
)
CONVERSATIONS = (
    (
        Line("agent", "thank you for calling northside heating how can i help you"),
        Line("caller", "i would like to book an appointment for next tuesday"),
        Line("agent", "of course what is your address"),
    ),
    (
        Line("agent", "northside heating good morning"),
        Line("caller", "can someone come today my heating is broken"),
        Line("agent", "we will send an engineer within the hour"),
    ),
    (
        Line("agent", "thank you for calling northside heating how can i help you"),
        Line("caller", "how much is it"),
        Line("agent", "a repair visit starts at ninety dollars"),
    ),
    (
        Line("agent", "northside heating good afternoon"),
        Line("caller", "i am sorry i have the wrong number"),
        Line("agent", "no problem have a nice day"),
    ),
)


def platform_dir(settings: Settings) -> Path:
    """Where the demo's stand-in platform keeps its recordings."""
    return recordings_dir(settings.database_url, settings.recordings_dir) / "demo-platform"


def platform_file(settings: Settings, name: str) -> Path | None:
    """A recording the stand-in platform serves, if `name` is one of its files."""
    if not FILE_NAME.match(name):
        return None
    path = platform_dir(settings) / name
    return path if path.is_file() else None


def speak_calls(
    storage: Storage, settings: Settings, account_id: int, port: int, now: datetime
) -> list[str]:
    """Keyword rules for the demo site, and a spoken recording for each of its latest answered
    calls (one per conversation); returns those calls' ids."""
    site = sites.list_sites(storage, account_id)[0]
    for rule in KEYWORDS:
        insights.add_keyword(storage, account_id, site.id, replace(rule, site_id=site.id), now)
    week = CallFilter(site.id, now - timedelta(days=7), now, "completed", limit=len(CONVERSATIONS))
    calls = reports.call_log(storage, account_id, week)
    folder = platform_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    for index, call in enumerate(calls):
        name = _recording(folder, index)
        attach_recording(storage, call.call_id, f"http://127.0.0.1:{port}/demo/recordings/{name}")
    return [call.call_id for call in calls]


def _recording(folder: Path, index: int) -> str:
    """Write conversation `index` into `folder`; returns its file name."""
    if not missing_tools():
        audio, _ = conversation(list(CONVERSATIONS[index]))
        write_call(folder / f"call-{index}.wav", audio)
        return f"call-{index}.wav"
    shipped = resources.files("callscope.entrypoints").joinpath(f"demo_audio/call-{index}.ogg")
    (folder / f"call-{index}.ogg").write_bytes(shipped.read_bytes())
    return f"call-{index}.ogg"


def write_shipped(folder: Path) -> None:
    """Make the recordings shipped for machines without espeak-ng (Ogg Vorbis, a few KB each):
    `python -c 'from callscope.entrypoints.demo_calls import write_shipped as w; w(PATH)'`."""
    for index, lines in enumerate(CONVERSATIONS):
        audio, _ = conversation(list(lines))
        soundfile.write(
            str(folder / f"call-{index}.ogg"),
            np.asarray(audio),
            8000,
            format="OGG",
            subtype="VORBIS",
            compression_level=0.9,
        )
