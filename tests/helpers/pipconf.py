"""pip configurations as real users have them, written into the test's temp HOME."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

__all__ = ["isolated_pip", "machine_pip"]


@pytest.fixture
def machine_pip(home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This machine's pip setup, in the temp HOME: find-links /opt/wheels + the file:// mirror."""
    conf = home / ".config" / "pip" / "pip.conf"
    conf.parent.mkdir(parents=True)
    conf.write_text(
        "[global]\nfind-links = /opt/wheels\nextra-index-url = file:///opt/pypi/simple\n"
    )
    monkeypatch.delenv("PIP_FIND_LINKS", raising=False)
    return conf


@pytest.fixture
def isolated_pip(monkeypatch: pytest.MonkeyPatch) -> None:
    """No pip configuration at all: only the sources a test passes."""
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.delenv("PIP_FIND_LINKS", raising=False)
