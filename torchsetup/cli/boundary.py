"""The error boundary: usage errors → exit 2, TorchsetupError → its code, Ctrl-C → 130, bugs → 3."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import FrameType
from typing import Any

import typer

from torchsetup import __version__
from torchsetup.errors import (
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    Interrupted,
    TorchsetupError,
)
from torchsetup.report.safe import printable

__all__ = ["run_guarded"]

# Typer ≥ 0.23 vendors click as typer._click; older Typer uses click. Find the classes through
# Typer's public exceptions so both work.
_UsageError: type[Exception] = next(
    c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError"
)
_ClickException: type[Exception] = next(
    c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException"
)
_SIGNALS = ("SIGINT", "SIGTERM", "SIGHUP")
_RETRY_SIGNAL_S = 0.05


def run_guarded(make_command: Callable[[], Any], args: Sequence[str]) -> int:
    """Build the click command and invoke it on args; turn every way it ends into an exit code.

    SIGINT, SIGTERM and SIGHUP raise Interrupted meanwhile: the same cleanup runs for each.
    """
    as_json = "--json" in args
    name = _command_name(args)
    _tolerant_stdout()
    try:
        with _signals_interrupt():
            rv = _invoke(make_command, args, as_json, name)
    except Interrupted as err:
        return _interrupted(name, as_json, err.signal_name)
    except KeyboardInterrupt:  # raised without a signal (or before the handler)
        return _interrupted(name, as_json, "SIGINT")
    if rv == EXIT_INTERRUPTED:  # Typer ≥ 0.12 turned a KeyboardInterrupt into Exit(130)
        return _interrupted(name, as_json, "SIGINT")
    return rv


def _tolerant_stdout() -> None:
    """A path with undecodable bytes (argv holds them as surrogates) is printed as it came in,
    instead of failing with UnicodeEncodeError where the locale makes stdout strict."""
    if getattr(sys.stdout, "errors", None) == "strict":
        with contextlib.suppress(AttributeError, ValueError, OSError):
            sys.stdout.reconfigure(errors="surrogateescape")  # type: ignore[union-attr]


@contextlib.contextmanager
def _signals_interrupt() -> Iterator[None]:
    """While inside, each of _SIGNALS raises Interrupted in the main thread, once.

    A signal the parent set to be ignored (nohup, a background job) stays ignored. Later signals
    are not raised again, so that the cleanup of the first (a rollback, killing children) ends.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    fired: list[int] = []

    def handler(signum: int, frame: FrameType | None) -> None:
        if fired:
            return
        if _in_fork_callback(frame):
            # CPython prints and drops an exception raised in an at-fork callback (filelock ≥ 3.20
            # registers one), so the Ctrl-C would be lost: ask again in a moment instead
            threading.Timer(_RETRY_SIGNAL_S, os.kill, (os.getpid(), signum)).start()
            return
        fired.append(signum)
        raise Interrupted(signal.Signals(signum).name)

    previous = {}
    for name in _SIGNALS:
        sig = getattr(signal, name, None)
        if sig is not None and signal.getsignal(sig) is not signal.SIG_IGN:
            previous[sig] = signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _in_fork_callback(frame: FrameType | None) -> bool:
    """Whether `frame` runs inside subprocess's fork (an at-fork callback, or a helper of it):
    conservative, as waiting there only delays the interrupt by a moment."""
    below = frame.f_back if frame is not None else None
    while below is not None:
        if below.f_code.co_name == "_execute_child" and below.f_code.co_filename.endswith(
            "subprocess.py"
        ):
            return True
        below = below.f_back
    return False


def _interrupted(command: str, as_json: bool, signal_name: str) -> int:
    said = "" if signal_name in ("SIGINT", "cancelled") else f" ({signal_name})"
    error = TorchsetupError(f"interrupted{said}", exit_code=EXIT_INTERRUPTED)
    return _fail(command, as_json, error)


def _invoke(make_command: Callable[[], Any], args: Sequence[str], as_json: bool, name: str) -> int:
    command = None
    try:
        command = make_command()  # inside the guard: building it evaluates every annotation
        rv = command.main(list(args), prog_name="torchsetup", standalone_mode=False)
    except _UsageError as err:
        if type(err).__name__ == "NoArgsIsHelpError":  # `torchsetup` alone: show the help
            sys.stdout.write(err.ctx.get_help() + "\n")  # type: ignore[attr-defined]
            return EXIT_USAGE
        known = name in getattr(command, "commands", {})
        usage_hint = f"torchsetup {name} --help" if known else "torchsetup --help"
        return _fail(
            name,
            as_json,
            TorchsetupError(
                err.format_message().replace("\n", " "),  # type: ignore[attr-defined]
                hint=usage_hint,
                exit_code=EXIT_USAGE,
            ),
        )
    except _ClickException as err:
        message, code = err.format_message(), err.exit_code  # type: ignore[attr-defined]
        return _fail(name, as_json, TorchsetupError(message, exit_code=code))
    except TorchsetupError as err:
        return _fail(name, as_json, err)
    except typer.Abort:  # click < 8.2 turns a KeyboardInterrupt into Abort
        raise KeyboardInterrupt from None
    except Exception as err:
        if os.environ.get("TORCHSETUP_DEBUG"):
            raise
        log = _write_crash_log(args, err)
        return _fail(
            name,
            as_json,
            TorchsetupError(
                f"internal error: {type(err).__name__}: {err}",
                hint=f"please report this with the crash log: {log}",
                exit_code=EXIT_INTERNAL,
                log_path=log,
            ),
        )
    return rv if isinstance(rv, int) else 0


def _command_name(args: Sequence[str]) -> str:
    words = [a for a in args if not a.startswith("-")]
    return words[0] if words else ""


def _fail(command: str, as_json: bool, err: TorchsetupError) -> int:
    """error:/hint: lines on stderr; with --json, also the error envelope on stdout."""
    if as_json:
        from torchsetup.report import envelope

        doc = envelope(command, exit_code=err.exit_code, errors=[err.to_dict()])
        sys.stdout.write(json.dumps(doc, indent=2) + "\n")
    sys.stderr.write(f"error: {printable(err.message)}\n")
    if err.hint:
        sys.stderr.write(f"hint: {printable(err.hint)}\n")
    return err.exit_code


def _write_crash_log(args: Sequence[str], err: BaseException) -> Path:
    """Versions, the command line and the traceback, ready to paste into an issue."""
    from torchsetup import paths  # platformdirs: only needed here (a bare GPU box may lack it)

    path = paths.log_dir() / f"crash-{time.strftime('%Y%m%d-%H%M%S')}.log"
    body = (
        f"torchsetup {__version__}\n"
        f"python {sys.version.split()[0]} ({sys.executable})\n"
        f"platform {platform.platform()}\n"
        f"argv torchsetup {' '.join(args)}\n\n"
        + "".join(traceback.format_exception(type(err), err, err.__traceback__))
    )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # argv and messages may hold undecodable bytes (surrogates): escape, never fail here
        path.write_bytes(body.encode("utf-8", "backslashreplace"))
    except OSError:
        path = Path(os.devnull)  # nowhere to write: the message itself still says what broke
        sys.stderr.write(printable(body, newlines=True))
    return path
