"""Synthetic traces: determinism, the CSV format of CONTRACT.md, and the shape of the traffic."""

from __future__ import annotations

import cmath
import math
import re
import statistics
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import phonenumbers
import pytest

from callscope.domain.errors import InvalidInput
from callscope.replay.generate import (
    CallTiming,
    Trace,
    TraceParams,
    generate_trace,
    read_trace,
    write_trace,
)

WEEK = TraceParams(days=7, visits_per_day=1000, call_probability=0.3)


@pytest.fixture(scope="module")
def week() -> Trace:
    return generate_trace(WEEK, seed=42)


def first_calls(trace: Trace) -> dict[str, float]:
    firsts: dict[str, float] = {}
    for call in trace.calls:
        if call.visit_id is not None:
            firsts.setdefault(call.visit_id, call.at)
    return firsts


def written(trace: Trace, folder: Path) -> tuple[bytes, bytes]:
    visits, calls = folder / "visits.csv", folder / "calls.csv"
    write_trace(trace, visits, calls)
    return visits.read_bytes(), calls.read_bytes()


def test_the_same_seed_writes_identical_files(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = written(generate_trace(WEEK, seed=5), tmp_path / "a")
    second = written(generate_trace(WEEK, seed=5), tmp_path / "b")
    assert first == second
    assert generate_trace(WEEK, seed=6) != generate_trace(WEEK, seed=5)


def test_files_start_with_the_contract_header_rows(week: Trace, tmp_path: Path) -> None:
    visits, calls = written(week, tmp_path)
    assert visits.decode().splitlines()[0] == "visit_id,start,end,landing_url,referrer"
    assert calls.decode().splitlines()[0] == "call_id,at,visit_id,caller"
    assert len(visits.decode().splitlines()) == len(week.visits) + 1
    outside = next(c for c in week.calls if c.visit_id is None)
    assert f"{outside.call_id},{outside.at:.3f},,{outside.caller}" in calls.decode().splitlines()


def test_a_written_trace_reads_back_equal(week: Trace, tmp_path: Path) -> None:
    write_trace(week, tmp_path / "v.csv", tmp_path / "c.csv")
    assert read_trace(tmp_path / "v.csv", tmp_path / "c.csv") == week


def test_reading_a_file_with_another_header_names_the_expected_one(tmp_path: Path) -> None:
    (tmp_path / "v.csv").write_text("id,start,end,url,referrer\n")
    (tmp_path / "c.csv").write_text("call_id,at,visit_id,caller\n")
    with pytest.raises(InvalidInput, match="visit_id,start,end,landing_url,referrer"):
        read_trace(tmp_path / "v.csv", tmp_path / "c.csv")


def test_reading_a_time_that_is_not_a_number_names_the_line(tmp_path: Path) -> None:
    (tmp_path / "v.csv").write_text(
        "visit_id,start,end,landing_url,referrer\nv1,0,10,https://a.example/,\nv2,soon,20,x,\n"
    )
    (tmp_path / "c.csv").write_text("call_id,at,visit_id,caller\n")
    with pytest.raises(InvalidInput, match="line 3"):
        read_trace(tmp_path / "v.csv", tmp_path / "c.csv")


def test_reading_accepts_a_spreadsheet_byte_order_mark(tmp_path: Path) -> None:
    (tmp_path / "v.csv").write_text("\ufeffvisit_id,start,end,landing_url,referrer\nv1,0,9.5,u,\n")
    (tmp_path / "c.csv").write_text("call_id,at,visit_id,caller\nc1,3,,+12125550100\n")
    trace = read_trace(tmp_path / "v.csv", tmp_path / "c.csv")
    assert trace.visits[0].end == 9.5
    assert trace.calls[0].visit_id is None


def test_visits_per_day_average_the_requested_rate(week: Trace) -> None:
    # 7000 expected, Poisson spread ~84: 5% is four standard deviations.
    assert len(week.visits) / 7 == pytest.approx(1000, rel=0.05)
    assert max(v.start for v in week.visits) < 7 * 86400


def test_visit_lengths_are_log_normal_around_a_three_minute_median(week: Trace) -> None:
    lengths = [v.end - v.start for v in week.visits]
    assert statistics.median(lengths) == pytest.approx(180, rel=0.08)
    log_sigma = statistics.stdev(math.log(length) for length in lengths)
    assert log_sigma == pytest.approx(0.9, abs=0.05)


def test_arrivals_peak_in_the_afternoon(week: Trace) -> None:
    # The circular mean of the arrival hour is the peak of a sinusoidal day.
    angles = (2 * math.pi * (v.start % 86400) / 86400 for v in week.visits)
    phase = cmath.phase(sum(cmath.exp(1j * angle) for angle in angles))
    mean_hour = (phase / (2 * math.pi) * 24) % 24
    assert mean_hour == pytest.approx(15.0, abs=0.5)
    by_hour = Counter(int(v.start % 86400 // 3600) for v in week.visits)
    assert by_hour[15] > 4 * by_hour[3]


def test_an_hourly_profile_replaces_the_sinusoid() -> None:
    profile = tuple(3.0 if hour == 16 else 1.0 if 9 <= hour <= 20 else 0.0 for hour in range(24))
    trace = generate_trace(TraceParams(days=3, visits_per_day=600, hourly_profile=profile), seed=1)
    by_hour = Counter(int(v.start % 86400 // 3600) for v in trace.visits)
    assert by_hour.most_common(1)[0][0] == 16
    assert sum(by_hour[hour] for hour in range(9)) == 0
    # Hour 16 carries 3 of the 14 weights.
    assert by_hour[16] / len(trace.visits) == pytest.approx(3 / 14, abs=0.03)


def test_most_visitors_who_call_do_so_during_the_visit(week: Trace) -> None:
    visits = {v.visit_id: v for v in week.visits}
    firsts = first_calls(week)
    during = sum(visits[vid].start <= at <= visits[vid].end for vid, at in firsts.items())
    assert len(firsts) / len(week.visits) == pytest.approx(0.3, abs=0.03)
    assert during / len(firsts) == pytest.approx(0.7, abs=0.04)


def test_calls_during_the_visit_lie_between_its_start_and_end() -> None:
    only_during = TraceParams(
        days=2, visits_per_day=500, call_probability=0.5, repeat_probability=0.0,
        timing=CallTiming(during_visit=1.0, within_hours=0.0, days_later=0.0),
    )  # fmt: skip
    trace = generate_trace(only_during, seed=3)
    visits = {v.visit_id: v for v in trace.visits}
    site_calls = [(visits[c.visit_id], c.at) for c in trace.calls if c.visit_id is not None]
    assert len(site_calls) > 300
    assert all(visit.start <= at <= visit.end for visit, at in site_calls)


def test_later_calls_come_minutes_to_hours_or_days_after_the_visit() -> None:
    for timing, low, high in (
        (CallTiming(during_visit=0.0, within_hours=1.0, days_later=0.0), 60.0, 24 * 3600.0),
        (CallTiming(during_visit=0.0, within_hours=0.0, days_later=1.0), 86400.0, 7 * 86400.0),
    ):
        params = TraceParams(
            days=2, visits_per_day=300, call_probability=0.5, repeat_probability=0.0, timing=timing
        )
        trace = generate_trace(params, seed=4)
        ends = {v.visit_id: v.end for v in trace.visits}
        gaps = [c.at - ends[c.visit_id] for c in trace.calls if c.visit_id is not None]
        assert len(gaps) > 200
        assert all(low <= gap <= high for gap in gaps)


def test_a_repeat_caller_dials_again_from_the_same_number_for_the_same_visit() -> None:
    params = TraceParams(days=2, visits_per_day=500, call_probability=0.4, repeat_probability=0.5)
    trace = generate_trace(params, seed=8)
    callers_by_visit: dict[str, list[str]] = defaultdict(list)
    for call in trace.calls:
        if call.visit_id is not None:
            callers_by_visit[call.visit_id].append(call.caller)
    repeated = [callers for callers in callers_by_visit.values() if len(callers) > 1]
    assert len(repeated) / len(callers_by_visit) == pytest.approx(0.5, abs=0.07)
    assert all(len(set(callers)) == 1 for callers in repeated)
    # Different visitors never share a number.
    distinct = {callers[0] for callers in callers_by_visit.values()}
    assert len(distinct) == len(callers_by_visit)


def test_callers_not_from_the_site_have_no_visit_and_their_own_numbers(week: Trace) -> None:
    outside = [c for c in week.calls if c.visit_id is None]
    site_callers = {c.caller for c in week.calls if c.visit_id is not None}
    assert 3 * 7 * 0.4 < len(outside) < 3 * 7 * 2.0  # 3 a day expected
    assert not site_callers & {c.caller for c in outside}


def test_calls_are_sorted_by_time_with_sequential_ids(week: Trace) -> None:
    times = [c.at for c in week.calls]
    assert times == sorted(times)
    assert [c.call_id for c in week.calls[:3]] == ["c000001", "c000002", "c000003"]
    assert len({c.call_id for c in week.calls}) == len(week.calls)


def test_caller_numbers_are_valid_e164_spread_over_area_codes(week: Trace) -> None:
    callers = {c.caller for c in week.calls}
    assert all(re.fullmatch(r"\+1\d{3}555\d{4}", caller) for caller in callers)
    assert all(phonenumbers.is_valid_number(phonenumbers.parse(n)) for n in list(callers)[:50])
    area_codes = Counter(caller[2:5] for caller in callers)
    assert len(area_codes) >= 8
    local = sum(area_codes[code] for code in ("212", "646", "718", "917"))
    assert local / len(callers) == pytest.approx(0.8, abs=0.05)


def test_landing_urls_carry_the_tags_of_their_channel(week: Trace) -> None:
    kinds: Counter[str] = Counter()
    for visit in week.visits:
        query = parse_qs(urlsplit(visit.landing_url).query)
        assert visit.landing_url.startswith("https://www.example-plumbing.com/")
        if "gclid" in query:
            assert query["utm_source"] == ["google"] and query["utm_medium"] == ["cpc"]
            assert visit.referrer == "https://www.google.com/"
            kinds["google_cpc"] += 1
        elif "msclkid" in query:
            assert re.fullmatch(r"[0-9a-f]{32}", query["msclkid"][0])
            assert visit.referrer == "https://www.bing.com/"
            kinds["bing_cpc"] += 1
        elif "fbclid" in query:
            assert "facebook.com" in visit.referrer
            kinds["facebook_paid"] += 1
        elif visit.referrer == "https://www.google.com/":
            kinds["google_organic"] += 1
        elif visit.referrer == "":
            kinds["direct"] += 1
        else:
            kinds["referral"] += 1
    for channel, share in WEEK.channel_mix:
        assert kinds[channel] / len(week.visits) == pytest.approx(share, abs=0.025)


def test_an_unknown_channel_is_refused_with_the_known_ones() -> None:
    with pytest.raises(InvalidInput, match="google_cpc"):
        generate_trace(TraceParams(channel_mix=(("tiktok_ads", 1.0),)), seed=1)
