"""Control characters in names torchsetup shows (paths, PATH entries) never reach the terminal raw.

Each command runs for real with a directory whose name holds ESC/OSC, C1 and a non-UTF-8 byte;
its output must be valid UTF-8 with no control character a terminal would obey, and still name
the directory (escaped). JSON keeps the exact value.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.helpers.terminal import (
    HOSTILE,
    SHOWN,
    assert_safe,
    torchsetup,
    torchsetup_on_tty,
    unsafe_chars,
)
from torchsetup.report.safe import printable
from torchsetup.report.terminal import SafeConsole

LOCAL_TORCH = Path("/opt/wheels/torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl")


def test_printable_escapes_esc_c1_del_and_cr_but_keeps_tab() -> None:
    assert printable("a\x1b[2Jb\x9bc\x7fd\re\tf") == "a\\x1b[2Jb\\x9bc\\x7fd\\x0de\tf"


def test_printable_writes_an_undecodable_path_byte_as_that_byte() -> None:
    assert printable(os.fsdecode(b"/tmp/\xff\xfe")) == "/tmp/\\xff\\xfe"


def test_printable_keeps_a_newline_only_when_told_it_is_structural() -> None:
    assert printable("one\ntwo") == "one\\x0atwo"
    assert printable("one\ntwo", newlines=True) == "one\ntwo"


@given(st.text())
def test_printable_output_is_always_safe_and_safe_text_is_unchanged(text: str) -> None:
    shown = printable(text)
    assert unsafe_chars(shown) == []
    if not unsafe_chars(text) and "\n" not in text:
        assert shown == text


def test_console_on_a_terminal_escapes_the_name_but_keeps_its_own_colours() -> None:
    from rich.table import Table
    from rich.text import Text

    out = io.StringIO()
    console = SafeConsole(file=out, force_terminal=True, color_system="standard", width=60)
    table = Table("venv")
    table.add_row(f"/tmp/{HOSTILE}")
    console.print(Text(f"/tmp/{HOSTILE}", style="bold"), table)
    text = out.getvalue()
    assert "\x1b[1m" in text  # rich's bold: its own escape codes still work
    assert "\x1b]0;" not in text
    assert "\x1b[2J" not in text
    assert text.count(f"/tmp/{SHOWN}") == 2  # whole, in the table too (not cropped)


def test_env_dry_run_diff_escapes_a_hostile_path_entry(home: Path) -> None:
    folder = home / HOSTILE
    folder.mkdir()
    done = torchsetup("env", "--shell", "sh", "--path", str(folder), "--dry-run")
    assert done.returncode == 0, done.stderr
    text = assert_safe(done.stdout)
    assert f"PATH='{home}/{SHOWN}'" in text
    assert_safe(done.stderr)


def test_env_print_is_exact_when_piped_and_escaped_on_a_terminal(home: Path) -> None:
    folder = home / HOSTILE
    folder.mkdir()
    args = ("env", "--shell", "sh", "--path", str(folder), "--print")
    done = torchsetup(*args)
    assert done.returncode == 0, done.stderr
    assert os.fsencode(str(folder)) in done.stdout  # piped, for eval: the exact name
    code, shown = torchsetup_on_tty(*args)
    assert code == 0
    assert f"{home}/{SHOWN}".replace("pwned", "pwned\\x07") in assert_safe(shown)


def test_host_escapes_a_hostile_interpreter_path_and_json_keeps_it_exact(tmp_path: Path) -> None:
    if not Path("/usr/bin/python3").exists():
        pytest.skip("no /usr/bin/python3 to wrap")
    folder = tmp_path / HOSTILE
    folder.mkdir()
    python = folder / "python3"
    python.write_text('#!/bin/sh\nexec /usr/bin/python3 "$@"\n')
    python.chmod(0o755)
    env = {"PATH": f"{folder}{os.pathsep}{os.environ['PATH']}"}
    done = torchsetup("host", env=env)
    assert done.returncode == 0, done.stderr
    assert f"{tmp_path}/{SHOWN}/python3" in assert_safe(done.stdout)
    as_json = torchsetup("host", "--json", env=env)
    paths = [py["path"] for py in json.loads(as_json.stdout)["data"]["interpreters"]]
    assert str(python) in paths


@pytest.mark.skipif(not LOCAL_TORCH.exists(), reason=f"{LOCAL_TORCH} is missing")
def test_install_plan_escapes_a_hostile_venv_path(home: Path, tmp_path: Path) -> None:
    conf = home / ".config" / "pip" / "pip.conf"
    conf.parent.mkdir(parents=True)
    conf.write_text(
        "[global]\nfind-links = /opt/wheels\nextra-index-url = file:///opt/pypi/simple\n"
    )
    done = torchsetup("install", "--dry-run", "--venv", str(tmp_path / HOSTILE))
    assert done.returncode == 0, done.stderr
    text = assert_safe(done.stdout)
    assert f"{tmp_path}/{SHOWN}" in text
    assert not (tmp_path / HOSTILE).exists()
