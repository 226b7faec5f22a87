"""Human output piped into a log keeps whole lines: paths and commands get copied from there."""

from __future__ import annotations

import pytest
from rich.table import Table

from torchsetup.report import emit


def test_long_line_is_not_folded_when_piped(capsys: pytest.CaptureFixture[str]) -> None:
    path = "/very/long/" + "x" * 150 + "/bin/python -m pip install numpy"
    emit("doctor", path, as_json=False, human=lambda p: p)
    assert path in capsys.readouterr().out.splitlines()


def test_table_rows_stay_whole_when_piped(capsys: pytest.CaptureFixture[str]) -> None:
    table = Table(show_header=False, box=None)
    table.add_column()
    table.add_column()
    value = "nvcc 13.0 at /usr/local/cuda-13.0/bin/nvcc (from PATH; CUDA_HOME /usr/local/cuda)"
    table.add_row("CUDA toolkit", value + " " + value)
    emit("host", table, as_json=False, human=lambda t: t)
    lines = capsys.readouterr().out.splitlines()
    assert any(value + " " + value in line for line in lines)
