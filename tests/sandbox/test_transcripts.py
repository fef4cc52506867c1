"""The recorded transcripts in the catalogue: valid, about real codes, and reproducible."""

from __future__ import annotations

import asyncio
import datetime
import shlex

import pytest

from smtpcodes.catalogue import load_catalogue
from smtpcodes.catalogue._compile import compile_sources
from smtpcodes.sandbox import load_scenarios
from smtpcodes.sandbox.record import (
    TRANSCRIPT_DIR,
    read_transcript,
    record,
    recordable,
    to_toml,
)

FILES = sorted(TRANSCRIPT_DIR.glob("*.toml"))
REPLY_MARKERS = ("<- ", "<~ ", "<**", "<~*")


def test_there_is_one_transcript_per_code_with_a_recordable_scenario():
    assert {path.stem for path in FILES} == set(recordable())
    assert len(FILES) >= 45


def test_every_transcript_compiles_into_the_catalogue():
    compiled = {t["code"] for t in compile_sources()["transcripts"]}
    assert compiled == {path.stem for path in FILES}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_a_transcript_names_an_existing_code_and_shows_it(path):
    transcript = read_transcript(path)
    catalogue = load_catalogue()
    assert transcript.code == path.stem
    assert catalogue.find(transcript.code) is not None
    assert catalogue.transcript(transcript.code) == transcript
    scenario = load_scenarios().get(transcript.scenario)
    assert scenario.code == transcript.code
    replies = [line[4:] for line in transcript.lines if line.startswith(REPLY_MARKERS)]
    assert any(reply.startswith(transcript.code) for reply in replies)
    datetime.date.fromisoformat(transcript.recorded)
    words = shlex.split(transcript.probe_command)
    while "=" in words[0]:
        words.pop(0)  # SMTPCODES_PASSWORD=sandbox
    assert words[:3] == ["smtpcodes", "probe", "127.0.0.1:2525"]
    assert list(scenario.probe) == words[3:]
    assert "swaks --server 127.0.0.1:2525 " in transcript.swaks_command
    for line in transcript.lines:
        assert "127.0.0.1:2525" in line or "127.0.0.1:" not in line  # ports normalised
        assert "ms]" not in line  # no timings


def test_no_secret_appears_in_a_transcript():
    for path in FILES:
        for line in read_transcript(path).lines:
            if line.strip().startswith(("->", "~>")) and "AUTH" in line:
                assert line.rstrip().endswith(("<redacted>", "AUTH LOGIN", "AUTH CRAM-MD5")), line


@pytest.mark.parametrize("code", ["535", "552"])
def test_re_recording_gives_the_same_lines(code):
    stored = read_transcript(TRANSCRIPT_DIR / f"{code}.toml")
    again = asyncio.run(record(recordable()[code], today=datetime.date(2026, 1, 2)))
    assert again.transcript.lines == stored.lines
    assert again.transcript.probe_command == stored.probe_command
    assert again.transcript.swaks_command == stored.swaks_command


def test_the_toml_writer_round_trips(tmp_path):
    stored = read_transcript(TRANSCRIPT_DIR / "354.toml")
    path = tmp_path / "354.toml"
    path.write_text(to_toml(stored), "utf-8")
    assert read_transcript(path) == stored
