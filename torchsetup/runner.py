"""The only module that starts processes: stream lines, log them, time out, end the whole tree."""

from __future__ import annotations

import codecs
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

from torchsetup import proctree
from torchsetup.errors import CommandFailed, Interrupted, ProgramNotFound

__all__ = ["CHANNEL_FD_VAR", "LineCallback", "RunResult", "child_env", "run"]

#: Called with ("stdout" | "stderr" | "channel", line without its newline) as each line arrives.
LineCallback = Callable[[str, str], None]

#: With run(channel=True) the child finds, in this variable, the fd of a pipe of its own for
#: messages to torchsetup: whatever else it prints on stdout cannot garble them.
CHANNEL_FD_VAR = "TORCHSETUP_CHANNEL_FD"
_KILL_GRACE_S = 2.0
_TICK_S = 0.05
_MAX_LINE = 64 * 1024  # output without a newline arrives in pieces of this size
_MAX_CHANNEL_LINE = 64 * 1024 * 1024
_TAIL_LINE = 4096
_KEEP_CHARS = 8 * 1024 * 1024  # the last characters of each stream kept for RunResult
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
    channel: bool = False,
    cancel: threading.Event | None = None,
    keep_chars: int = _KEEP_CHARS,
) -> RunResult:
    """Run argv; stream each line to on_line and log_path; end its whole tree when it is done.

    When the child exits, times out, or `cancel` is set (then Interrupted is raised), every
    process it started dies with it: its process group and whatever carries the run's tag.
    With check=True a non-zero exit, a signal or a timeout raises CommandFailed (with the tail).
    """
    argv = [str(a) for a in argv]
    if cancel is not None and cancel.is_set():
        raise Interrupted("cancelled")
    started = time.monotonic()
    tag = proctree.new_tag()
    log = _open_log(log_path, argv)
    try:
        proc, messages = _start(argv, child_env(env), cwd, stdin, tag, channel)
    except BaseException:
        if log is not None:
            log.close()
        raise
    session = _Session(proc, tag, on_line, log, tail_lines, keep_chars)
    try:
        timed_out = session.pump(stdin, timeout, cancel, messages)
    finally:
        session.close()
    result = session.result(argv, timed_out, time.monotonic() - started)
    if check and not result.ok:
        raise CommandFailed(
            argv,
            returncode=result.returncode,
            signal_name=result.signal_name,
            timed_out=timed_out,
            tail=result.tail,
            log_path=log_path,
        )
    return result


def _start(
    argv: list[str],
    env: dict[str, str],
    cwd: Path | str | None,
    stdin: str | None,
    tag: str,
    channel: bool,
) -> tuple[subprocess.Popen[bytes], IO[bytes] | None]:
    """Popen in a session of its own (a group to kill), tagged, dying with this process."""
    read_fd, write_fd = os.pipe() if channel else (None, None)
    env.pop(CHANNEL_FD_VAR, None)  # one inherited from a parent run would name a wrong fd
    if write_fd is not None:
        env[CHANNEL_FD_VAR] = str(write_fd)
    try:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
            env=proctree.with_tag(env, tag),
            start_new_session=True,
            pass_fds=() if write_fd is None else (write_fd,),
            preexec_fn=proctree.parent_death_hook(),  # prctl only: safe beside threads
        )
    except BaseException as err:
        if read_fd is not None:
            os.close(read_fd)
        if isinstance(err, FileNotFoundError):
            raise ProgramNotFound(argv[0]) from err
        if isinstance(err, PermissionError):
            raise ProgramNotFound(argv[0], hint=f"chmod +x {shlex.quote(argv[0])}") from err
        raise
    finally:
        if write_fd is not None:
            os.close(write_fd)  # the child holds it now: EOF comes when the child is gone
    return proc, None if read_fd is None else os.fdopen(read_fd, "rb")


class _Kept:
    """The last `limit` characters written to one stream."""

    def __init__(self, limit: int) -> None:
        self.limit, self.size = limit, 0
        self.parts: deque[str] = deque()

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.size += len(text)
        while self.size > self.limit and len(self.parts) > 1:
            self.size -= len(self.parts.popleft())

    def text(self) -> str:
        return "".join(self.parts)[-self.limit :] if self.limit else ""


class _Session:
    """One child: the readers of its pipes, what it printed, and the end of its tree."""

    def __init__(
        self,
        proc: subprocess.Popen[bytes],
        tag: str,
        on_line: LineCallback | None,
        log: IO[str] | None,
        tail_lines: int,
        keep_chars: int,
    ) -> None:
        self.proc, self.on_line, self.log = proc, on_line, log
        self.tree, self.ended = proctree.Tree.of(proc.pid, tag), False
        self.lines: queue.Queue[tuple[str, object]] = queue.Queue()
        self.kept = {"stdout": _Kept(keep_chars), "stderr": _Kept(keep_chars)}
        self.tail: deque[str] = deque(maxlen=tail_lines)

    def pump(
        self,
        stdin: str | None,
        timeout: float | None,
        cancel: threading.Event | None,
        messages: IO[bytes] | None,
    ) -> float | None:
        """Deliver lines until the child is done and its pipes closed; the timeout if it struck."""
        open_streams = self._start_readers(stdin, messages)
        deadline = None if timeout is None else time.monotonic() + timeout
        timed_out: float | None = None
        drain_until: float | None = None  # set once the child is done: read what is left
        while drain_until is None or (open_streams and time.monotonic() < drain_until):
            if cancel is not None and cancel.is_set():
                raise Interrupted("cancelled")  # run()'s finally ends the tree
            if drain_until is None:
                expired = deadline is not None and time.monotonic() >= deadline
                if self.proc.poll() is not None or expired:
                    timed_out = timeout if self.proc.poll() is None else None
                    self.ended = self.tree.end(grace=_KILL_GRACE_S)
                    drain_until = time.monotonic() + _KILL_GRACE_S
            if open_streams:
                open_streams -= self._deliver_next()
            elif drain_until is None:  # the pipes closed first: wait for the exit itself
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.proc.wait(timeout=_TICK_S)
        return timed_out

    def _start_readers(self, stdin: str | None, messages: IO[bytes] | None) -> int:
        pipes = [("stdout", self.proc.stdout, _MAX_LINE), ("stderr", self.proc.stderr, _MAX_LINE)]
        if messages is not None:
            pipes.append(("channel", messages, _MAX_CHANNEL_LINE))
        for name, pipe, limit in pipes:
            args = (name, pipe, limit, self.lines)
            threading.Thread(target=_read, args=args, daemon=True).start()
        if stdin is not None and self.proc.stdin is not None:
            threading.Thread(target=_feed, args=(self.proc.stdin, stdin), daemon=True).start()
        return len(pipes)

    def _deliver_next(self) -> int:
        """Hand on the next piece of output; 1 when it was the end of a stream."""
        try:
            name, item = self.lines.get(timeout=_TICK_S)
        except queue.Empty:
            return 0
        if item is _EOF:
            return 1
        text = str(item)
        line = text.rstrip("\r\n")
        if name in self.kept:
            self.kept[name].add(text)
            self.tail.append(line[:_TAIL_LINE])
            if self.log is not None:
                self.log.write(text if text.endswith("\n") else text + "\n")
        if self.on_line is not None:
            self.on_line(name, line)
        return 0

    def close(self) -> None:
        """End whatever is left of the tree, reap the child, close the log."""
        try:
            if not self.ended:  # interrupted, or a member would not die in time
                self.tree.end(grace=_KILL_GRACE_S)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=_KILL_GRACE_S)
        finally:
            if self.log is not None:
                self.log.close()

    def result(self, argv: Sequence[str], timed_out: float | None, seconds: float) -> RunResult:
        code = self.proc.returncode
        return RunResult(
            argv=tuple(argv),
            returncode=code,
            signal_name=_signal_name(code) if timed_out is None else None,
            timed_out=timed_out,
            stdout=self.kept["stdout"].text(),
            stderr=self.kept["stderr"].text(),
            tail=tuple(self.tail),
            duration_s=seconds,
        )


def _read(
    name: str, pipe: IO[bytes] | None, limit: int, out: queue.Queue[tuple[str, object]]
) -> None:
    """Put each line (or piece of `limit` bytes) on out, decoded; a split character survives."""
    if pipe is not None:
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        with pipe:
            for raw in iter(lambda: pipe.readline(limit), b""):
                text = decoder.decode(raw)
                if text:
                    out.put((name, text))
            rest = decoder.decode(b"", final=True)
            if rest:
                out.put((name, rest))
    out.put((name, _EOF))


def _feed(pipe: IO[bytes], data: str) -> None:
    try:
        pipe.write(data.encode())
        pipe.close()
    except OSError:
        pass  # the child exited without reading its input; its exit status says the rest


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
