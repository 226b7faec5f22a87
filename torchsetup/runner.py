"""The only module that starts processes: stream lines, log them, time out, kill the group."""

from __future__ import annotations

import contextlib
import os
import queue
import shlex
import signal
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from torchsetup.errors import CommandFailed, ProgramNotFound

__all__ = ["LineCallback", "RunResult", "child_env", "run"]

#: Called with ("stdout" | "stderr", line without its newline) for every line, as it arrives.
LineCallback = Callable[[str, str], None]

_KILL_GRACE_S = 2.0
_EOF = object()


@dataclass(frozen=True)
class RunResult:
    """How a child process ended and what it printed."""

    argv: tuple[str, ...]
    returncode: int | None
    signal_name: str | None
    timed_out: float | None
    stdout: str
    stderr: str
    tail: tuple[str, ...]
    duration_s: float

    @property
    def ok(self) -> bool:
        """True when the process exited 0 in time."""
        return self.returncode == 0 and self.timed_out is None


def child_env(
    overrides: Mapping[str, str | None] | None = None, base: Mapping[str, str] | None = None
) -> dict[str, str]:
    """`base` (default: os.environ) with `overrides` applied; a None value removes the variable."""
    env = dict(os.environ if base is None else base)
    for key, value in (overrides or {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def run(
    argv: Sequence[str],
    *,
    env: Mapping[str, str | None] | None = None,
    cwd: Path | str | None = None,
    timeout: float | None = None,
    on_line: LineCallback | None = None,
    log_path: Path | None = None,
    check: bool = True,
    stdin: str | None = None,
    tail_lines: int = 40,
) -> RunResult:
    """Run argv; stream each line to on_line and log_path; kill its process group on timeout.

    With check=True a non-zero exit, a signal or a timeout raises CommandFailed (with the tail).
    """
    argv = [str(a) for a in argv]
    started = time.monotonic()
    try:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
            env=child_env(env),
            start_new_session=True,  # a group of its own, so a timeout kills grandchildren too
        )
    except FileNotFoundError as err:
        raise ProgramNotFound(argv[0]) from err
    except PermissionError as err:
        raise ProgramNotFound(argv[0], hint=f"chmod +x {shlex.quote(argv[0])}") from err
    log = _open_log(log_path, argv)
    try:
        out, err_lines, tail, timed_out = _pump(proc, stdin, timeout, on_line, log, tail_lines)
    except BaseException:
        _kill_group(proc)
        raise
    finally:
        if log is not None:
            log.close()
    returncode = proc.returncode
    result = RunResult(
        argv=tuple(argv),
        returncode=returncode,
        signal_name=_signal_name(returncode) if timed_out is None else None,
        timed_out=timed_out,
        stdout="".join(out),
        stderr="".join(err_lines),
        tail=tuple(tail),
        duration_s=time.monotonic() - started,
    )
    if check and not result.ok:
        raise CommandFailed(
            argv,
            returncode=returncode,
            signal_name=result.signal_name,
            timed_out=timed_out,
            tail=result.tail,
            log_path=log_path,
        )
    return result


def _pump(
    proc: subprocess.Popen[bytes],
    stdin: str | None,
    timeout: float | None,
    on_line: LineCallback | None,
    log: IO[str] | None,
    tail_lines: int,
) -> tuple[list[str], list[str], deque[str], float | None]:
    """Read both pipes line by line until EOF, the deadline, or the process exits and goes quiet."""
    lines: queue.Queue[tuple[str, object]] = queue.Queue()
    readers = [
        threading.Thread(target=_read, args=(name, pipe, lines), daemon=True)
        for name, pipe in (("stdout", proc.stdout), ("stderr", proc.stderr))
    ]
    for reader in readers:
        reader.start()
    if stdin is not None and proc.stdin is not None:
        threading.Thread(target=_feed, args=(proc.stdin, stdin), daemon=True).start()
    deadline = None if timeout is None else time.monotonic() + timeout
    collected: dict[str, list[str]] = {"stdout": [], "stderr": []}
    tail: deque[str] = deque(maxlen=tail_lines)
    open_streams, exited_at = 2, None
    while open_streams:
        now = time.monotonic()
        if deadline is not None and now >= deadline:
            _kill_group(proc)
            return collected["stdout"], collected["stderr"], tail, timeout
        if exited_at is None and proc.poll() is not None:
            exited_at = now
        if exited_at is not None and now - exited_at > _KILL_GRACE_S:
            break  # a daemonised grandchild holds the pipe open; the process itself is done
        wait = 0.1 if deadline is None else max(0.0, min(0.1, deadline - now))
        try:
            name, item = lines.get(timeout=wait)
        except queue.Empty:
            continue
        if item is _EOF:
            open_streams -= 1
            continue
        text = str(item)
        collected[name].append(text)
        line = text.rstrip("\r\n")
        tail.append(line)
        if log is not None:
            log.write(text if text.endswith("\n") else text + "\n")
        if on_line is not None:
            on_line(name, line)
    remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
    try:
        proc.wait(timeout=remaining)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        return collected["stdout"], collected["stderr"], tail, timeout
    return collected["stdout"], collected["stderr"], tail, None


def _read(name: str, pipe: IO[bytes] | None, out: queue.Queue[tuple[str, object]]) -> None:
    if pipe is not None:
        for raw in iter(pipe.readline, b""):
            out.put((name, raw.decode("utf-8", errors="replace")))
        pipe.close()
    out.put((name, _EOF))


def _feed(pipe: IO[bytes], data: str) -> None:
    try:
        pipe.write(data.encode())
        pipe.close()
    except OSError:
        pass  # the child exited without reading its input; its exit status says the rest


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the child's process group, then SIGKILL whatever is left after a grace period."""
    for sig, grace in ((signal.SIGTERM, _KILL_GRACE_S), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            continue


def _signal_name(returncode: int | None) -> str | None:
    if returncode is None or returncode >= 0:
        return None
    try:
        return signal.Signals(-returncode).name
    except ValueError:
        return f"signal {-returncode}"


def _open_log(log_path: Path | None, argv: Sequence[str]) -> IO[str] | None:
    if log_path is None:
        return None
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = log_path.open("a", encoding="utf-8")
    log.write(f"$ {shlex.join(argv)}\n")
    log.flush()
    return log
