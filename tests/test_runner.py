"""runner.run: streaming, env overrides, logs, failures, signals and timeouts."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from torchsetup import runner
from torchsetup.errors import CommandFailed, ProgramNotFound


def test_lines_stream_to_callback_in_order() -> None:
    seen: list[tuple[str, str]] = []
    result = runner.run(
        ["sh", "-c", "echo one; echo two >&2; echo three"],
        on_line=lambda s, ln: seen.append((s, ln)),
    )
    assert [ln for s, ln in seen if s == "stdout"] == ["one", "three"]
    assert ("stderr", "two") in seen
    assert result.stdout == "one\nthree\n"
    assert result.ok


def test_env_overrides_set_and_remove(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TS_GONE", "x")
    result = runner.run(
        ["sh", "-c", 'echo "${TS_NEW}|${TS_GONE-unset}"'], env={"TS_NEW": "a b", "TS_GONE": None}
    )
    assert result.stdout.strip() == "a b|unset"


def test_nonzero_exit_raises_with_tail() -> None:
    with pytest.raises(CommandFailed) as info:
        runner.run(["sh", "-c", "echo last words >&2; exit 3"])
    assert info.value.returncode == 3
    assert info.value.tail == ["last words"]
    assert "exited with status 3" in info.value.message


def test_check_false_returns_the_failure() -> None:
    result = runner.run(["sh", "-c", "exit 4"], check=False)
    assert result.returncode == 4
    assert not result.ok


def test_signal_death_is_named() -> None:
    result = runner.run(["sh", "-c", "kill -SEGV $$"], check=False)
    assert result.signal_name == "SIGSEGV"


def test_timeout_kills_the_whole_process_group(tmp_path: Path) -> None:
    pidfile = tmp_path / "grandchild.pid"
    script = f"sleep 60 & echo $! > {pidfile}; wait"
    with pytest.raises(CommandFailed) as info:
        runner.run(["sh", "-c", script], timeout=0.5)
    assert info.value.timed_out == 0.5
    assert "timed out after 0.5s" in info.value.message
    assert not _alive(int(pidfile.read_text()))


def _alive(pid: int) -> bool:
    """Running, not merely a zombie waiting for a container's PID 1 to reap it."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_missing_program_is_program_not_found() -> None:
    with pytest.raises(ProgramNotFound) as info:
        runner.run(["torchsetup-no-such-program"])
    assert info.value.message == "torchsetup-no-such-program: command not found"


def test_log_file_gets_command_and_output(tmp_path: Path) -> None:
    log = tmp_path / "logs" / "run.log"
    runner.run([sys.executable, "-c", "print('hello')"], log_path=log)
    text = log.read_text()
    assert text.startswith("$ ")
    assert "hello\n" in text


def test_stdin_is_fed() -> None:
    result = runner.run(["cat"], stdin="piped\n")
    assert result.stdout == "piped\n"


def test_undecodable_output_is_replaced_not_fatal() -> None:
    result = runner.run(["printf", "\\377ok\\n"])
    assert result.stdout == "\ufffdok\n"
