"""The setup record survives a round trip and a missing or broken file means 'nothing'."""

from __future__ import annotations

from pathlib import Path

from torchsetup.state import SetupRecord, load_record, save_record, state_file


def test_record_round_trips(home: Path) -> None:
    record = SetupRecord(venv="/v", python="/v/bin/python", torch="2.13.0", path_dirs=("/c/bin",))
    path = save_record(record)
    assert home in path.parents
    assert load_record() == record


def test_missing_record_is_none() -> None:
    assert load_record() is None


def test_corrupt_record_is_none() -> None:
    state_file().parent.mkdir(parents=True)
    state_file().write_text("{not json", encoding="utf-8")
    assert load_record() is None
