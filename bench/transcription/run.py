"""`make bench-transcription`: word error rate, keyword recall and precision per noise level,
and real-time factor on one core, of the default engine on synthetic telephone audio; and the
8 kHz front end against resampling to 16 kHz; and the keyphrase-spotting search at four
thresholds. Prints the tables the README quotes."""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.transcription.corpus import KEYWORDS, lines
from bench.transcription.speech import RATE, Line, missing_tools, telephone, with_noise
from callscope.adapters.transcription.pocketsphinx import PocketSphinxTranscriber
from callscope.domain.keywords import KeywordRule, spot, tokens
from callscope.domain.transcripts import Word

NOISE_LEVELS: list[float | None] = [None, 20.0, 10.0]  # SNR in dB; None: clean
RULES = [KeywordRule(i, 1, phrase, tag, 20) for i, (tag, phrase) in enumerate(KEYWORDS.items())]
Engine = Callable[..., list[Word]]


@dataclass
class Tally:
    errors: int = 0
    words: int = 0
    true_pos: int = 0
    false_pos: int = 0
    false_neg: int = 0
    cpu: float = 0.0
    audio: float = 0.0

    def row(self, name: str, wer: bool = True) -> str:
        recall = self.true_pos / max(1, self.true_pos + self.false_neg)
        precision = self.true_pos / max(1, self.true_pos + self.false_pos)
        errors = f"{self.errors / self.words:.0%}" if wer else "-"
        return (
            f"| {name} | {errors} | {recall:.0%} | {precision:.0%} | {self.cpu / self.audio:.2f} |"
        )


def word_errors(said: list[str], heard: list[str]) -> int:
    """Levenshtein distance over words (substitutions, insertions, deletions)."""
    previous = list(range(len(heard) + 1))
    for i, word in enumerate(said, 1):
        current = [i]
        for j, other in enumerate(heard, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (word != other))
            )
        previous = current
    return previous[-1]


def measure(engine: Engine, snr: float | None, corpus: list[tuple[Line, str | None]]) -> Tally:
    tally = Tally()
    for index, (line, tag) in enumerate(corpus):
        _add(tally, engine, snr, index, line, tag)
    return tally


def by_voice(engine: Engine, corpus: list[tuple[Line, str | None]]) -> dict[str, Tally]:
    tallies: dict[str, Tally] = {}
    for index, (line, tag) in enumerate(corpus):
        name = f"clean, voice {line.voice} at {line.speed} wpm"
        _add(tallies.setdefault(name, Tally()), engine, None, index, line, tag)
    return tallies


def _add(
    tally: Tally, engine: Engine, snr: float | None, index: int, line: Line, tag: str | None
) -> None:
    samples = with_noise(telephone(line.text, line.voice, line.speed), snr, seed=index)
    started = time.process_time()
    words = engine(samples, RATE)
    tally.cpu += time.process_time() - started
    tally.audio += len(samples) / RATE
    said, heard = tokens(line.text), [t for w in words for t in tokens(w.text)]
    tally.errors += word_errors(said, heard)
    tally.words += len(said)
    found = {t.tag for t in spot(RULES, "caller", words)}
    tally.true_pos += tag in found
    tally.false_neg += tag is not None and tag not in found
    tally.false_pos += len(found - {tag})


def front_end_8k() -> Engine:
    """PocketSphinx with its front end set for 8 kHz (upper frequency 3500 Hz, 256-point FFT)
    instead of resampling: the model's own feat.params must be overridden in a copy."""
    import pocketsphinx
    from pocketsphinx import Decoder

    model = Path(pocketsphinx.get_model_path()) / "en-us" / "en-us"
    copy = Path(tempfile.mkdtemp()) / "en-us-8k"
    copy.mkdir()
    for part in model.iterdir():
        if part.name != "feat.params":
            (copy / part.name).symlink_to(part)
    params = [p for p in (model / "feat.params").read_text().splitlines() if "upperf" not in p]
    (copy / "feat.params").write_text("\n".join([*params, "-upperf 3500", "-nfft 256"]) + "\n")
    decoder = Decoder(hmm=str(copy), samprate=RATE, loglevel="FATAL")

    def words(samples: object, rate: int) -> list[Word]:
        import numpy as np

        pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes()
        decoder.start_utt()
        decoder.process_raw(pcm, full_utt=True)
        decoder.end_utt()
        return [Word(s.word.split("(")[0], 0, 0) for s in decoder.seg() if s.word[0] not in "<["]

    return words


def keyphrase_spotting(per_word_exponent: int) -> Engine:
    """PocketSphinx's keyphrase-spotting search (no language model) listening for the keyword
    phrases only, each with a threshold of 1e<exponent> per word; a detection comes back as
    the phrase's words (so the same spotting and tallies apply; no word error rate)."""
    from pocketsphinx import Decoder

    from callscope.adapters.transcription.pocketsphinx import resample, speech_spans

    decoder = Decoder(samprate=16000, loglevel="FATAL")
    listed = Path(tempfile.mkdtemp()) / "keyphrases.txt"
    phrases = list(KEYWORDS.values())
    listed.write_text("".join(f"{p} /1e{per_word_exponent * len(p.split())}/\n" for p in phrases))
    decoder.add_kws("keyphrases", str(listed))
    decoder.activate_search("keyphrases")

    def words(samples: object, rate: int) -> list[Word]:
        import numpy as np

        found: list[Word] = []
        for start, end in speech_spans(samples, rate):  # type: ignore[arg-type]
            audio = resample(samples[start:end], rate, 16000)  # type: ignore[index]
            pcm = (np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes()
            decoder.start_utt()
            decoder.process_raw(pcm, full_utt=True)
            decoder.end_utt()
            for segment in decoder.seg() or []:
                at = start / rate + segment.start_frame / 100
                found += [Word(w, at, at) for w in segment.word.strip().split()]
        return found

    return words


def main() -> None:
    if missing_tools():
        sys.exit(f"needs {missing_tools()}: apt-get install espeak-ng sox")
    corpus = lines()
    engine = PocketSphinxTranscriber()
    print(f"{len(corpus)} sentences, {len(KEYWORDS)} keywords, 8 kHz mu-law 300-3400 Hz\n")
    print(
        "| audio (resampled to 16 kHz) | WER | keyword recall | keyword precision | RTF, 1 core |"
    )
    print("| --- | --- | --- | --- | --- |")
    for snr in NOISE_LEVELS:
        name = "clean" if snr is None else f"{snr:g} dB SNR"
        print(measure(engine.words, snr, corpus).row(name), flush=True)
    print(measure(front_end_8k(), None, corpus).row("clean, 8 kHz front end instead"))
    for name, tally in by_voice(engine.words, corpus).items():
        print(tally.row(name), flush=True)
    for exponent in (-10, -20, -30, -40):
        spotting = keyphrase_spotting(exponent)
        for snr in (None, 10.0):
            name = f"keyphrase search, 1e{exponent}/word, " + ("clean" if snr is None else "10 dB")
            print(measure(spotting, snr, corpus).row(name, wer=False), flush=True)


if __name__ == "__main__":
    main()
