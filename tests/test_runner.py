"""runner.run: streaming, env overrides, logs, failures, signals and timeouts."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.helpers.procs import alive, gone_within, wait_for_text
from torchsetup import runner
from torchsetup.errors import CommandFailed, Interrupted, ProgramNotFound

ROOT = Path(__file__).resolve().parents[1]


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


def test_a_failure_says_why_with_its_error_line() -> None:
    script = "echo 'Resolved 3 packages' >&2; echo 'error: no torch for cp311' >&2; echo bye >&2"
    with pytest.raises(CommandFailed) as info:
        runner.run(["sh", "-c", script + "; exit 1"])
    assert info.value.why() == "error: no torch for cp311"
    with pytest.raises(CommandFailed) as silent:
        runner.run(["sh", "-c", "exit 2"])
    assert silent.value.why() == "exited with status 2"


def test_check_false_returns_the_failure() -> None:
    result = runner.run(["sh", "-c", "exit 4"], check=False)
    assert result.returncode == 4
    assert not result.ok


def test_signal_death_is_named() -> None:
    result = runner.run(["sh", "-c", "kill -SEGV $$"], check=False)
    assert result.signal_name == "SIGSEGV"


def test_timeout_kills_the_whole_process_group(tmp_path: Path) -> None:
    pidfile = tmp_path / "grandchild.pid"
    # the grandchild ignores SIGTERM: only waiting for the whole group (not the leader) ends it
    script = f"sh -c 'trap \"\" TERM; exec sleep 60' & echo $! > {pidfile}; wait"
    with pytest.raises(CommandFailed) as info:
        runner.run(["sh", "-c", script], timeout=3)
    assert info.value.timed_out == 3
    assert "timed out after 3s" in info.value.message
    assert not alive(int(pidfile.read_text()))


def test_a_group_member_left_behind_dies_when_the_child_exits(tmp_path: Path) -> None:
    pidfile = tmp_path / "sleeper.pid"
    result = runner.run(["sh", "-c", f"sleep 300 & echo $! > {pidfile}"])
    assert result.ok
    assert not alive(int(pidfile.read_text()))


def test_a_descendant_in_a_new_session_dies_with_the_run(tmp_path: Path) -> None:
    pidfile = tmp_path / "daemon.pid"
    code = (
        "import subprocess, sys\n"
        "p = subprocess.Popen(['sleep', '300'], start_new_session=True,\n"
        "                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
        "open(sys.argv[1], 'w').write(str(p.pid))\n"
    )
    result = runner.run([sys.executable, "-c", code, str(pidfile)])
    assert result.ok
    assert not alive(int(pidfile.read_text()))


def test_the_child_dies_when_its_parent_is_killed(tmp_path: Path) -> None:
    pidfile = tmp_path / "child.pid"
    parent_code = (
        "import sys\n"
        "from torchsetup import runner\n"
        "runner.run(['sh', '-c', 'echo $$ > ' + sys.argv[1] + '; exec sleep 300'])\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with subprocess.Popen([sys.executable, "-c", parent_code, str(pidfile)], env=env) as parent:
        child = int(wait_for_text(pidfile))
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=30)
    assert gone_within(child, 10.0)


def test_cancel_ends_the_run_and_raises_interrupted(tmp_path: Path) -> None:
    cancel = threading.Event()
    threading.Timer(0.5, cancel.set).start()
    started = time.monotonic()
    with pytest.raises(Interrupted):
        runner.run(["sh", "-c", f"echo $$ > {tmp_path / 'pid'}; exec sleep 300"], cancel=cancel)
    assert time.monotonic() - started < 10
    assert not alive(int((tmp_path / "pid").read_text()))


def test_channel_messages_stay_whole_whatever_stdout_gets() -> None:
    code = (
        "import os, sys\n"
        "sys.stdout.write('partial'); sys.stdout.flush()\n"
        f"channel = os.fdopen(int(os.environ[{runner.CHANNEL_FD_VAR!r}]), 'w')\n"
        "channel.write('message one\\n'); channel.flush()\n"
        "sys.stdout.write('x' * 200000); sys.stdout.flush()\n"
        "channel.write('message two\\n')\n"
    )
    seen: list[tuple[str, str]] = []
    result = runner.run(
        [sys.executable, "-c", code], channel=True, on_line=lambda s, ln: seen.append((s, ln))
    )
    assert [ln for s, ln in seen if s == "channel"] == ["message one", "message two"]
    assert result.stdout == "partial" + "x" * 200000
    assert runner.CHANNEL_FD_VAR not in result.stdout


def test_output_without_newlines_arrives_in_pieces_and_is_kept_bounded() -> None:
    code = "import sys; sys.stdout.write('y' * 5_000_000)"
    pieces: list[str] = []
    result = runner.run(
        [sys.executable, "-c", code], on_line=lambda s, ln: pieces.append(ln), keep_chars=1000
    )
    assert "".join(pieces) == "y" * 5_000_000
    assert max(len(p) for p in pieces) <= 64 * 1024
    assert result.stdout == "y" * 1000


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
