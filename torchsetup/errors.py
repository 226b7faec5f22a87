"""Every exception torchsetup raises on purpose, and the exit codes they map to."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from torchsetup.build.model import Diagnosis

__all__ = [
    "EXIT_FAILED",
    "EXIT_INTERNAL",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "BuildFailed",
    "CommandFailed",
    "DamagedMarkers",
    "GpuNotCovered",
    "Interrupted",
    "ProgramNotFound",
    "RcFileError",
    "ResolveError",
    "RollbackFailed",
    "TorchsetupError",
    "UnknownChoice",
    "UsageError",
]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 130


class TorchsetupError(Exception):
    """What happened (message), the exact next command (hint), and the exit code."""

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        exit_code: int = EXIT_FAILED,
        log_path: Path | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.exit_code = exit_code
        self.log_path = log_path

    def to_dict(self) -> dict[str, object]:
        """The error as it appears in the JSON envelope's `errors` list."""
        out: dict[str, object] = {
            "type": type(self).__name__,
            "message": self.message,
            "hint": self.hint,
            "exit_code": self.exit_code,
        }
        if self.log_path is not None:
            out["log_path"] = str(self.log_path)
        return out


class UsageError(TorchsetupError):
    """Bad input from the user: exit 2, nothing written."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint, exit_code=EXIT_USAGE)


class ProgramNotFound(TorchsetupError):
    """The program to run is not installed or not on PATH."""

    def __init__(self, program: str, *, hint: str | None = None) -> None:
        super().__init__(f"{program}: command not found", hint=hint)
        self.program = program


class CommandFailed(TorchsetupError):
    """A child process exited non-zero, died of a signal or timed out."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        returncode: int | None,
        signal_name: str | None = None,
        timed_out: float | None = None,
        tail: Sequence[str] = (),
        hint: str | None = None,
        log_path: Path | None = None,
    ) -> None:
        self.argv = list(argv)
        self.returncode = returncode
        self.signal_name = signal_name
        self.timed_out = timed_out
        self.tail = list(tail)
        super().__init__(
            f"{self.argv[0]} {self.how()}", hint=hint, exit_code=EXIT_FAILED, log_path=log_path
        )

    def how(self) -> str:
        """How the process ended: 'timed out after 5s', 'was killed by SIGSEGV', 'exited …'."""
        if self.timed_out is not None:
            return f"timed out after {self.timed_out:g}s"
        if self.signal_name:
            return f"was killed by {self.signal_name}"
        return f"exited with status {self.returncode}"

    def why(self) -> str:
        """The line of its output that says why (uv's and pip's `error:` or hash lines)."""
        lines = [ln.strip() for ln in self.tail if ln.strip()]
        hits = [ln for ln in lines if "hash" in ln.lower() or ln.startswith("error")]
        return (hits or lines or [self.how()])[-1]

    def to_dict(self) -> dict[str, object]:
        """The error with the command and the last lines of its output."""
        out = super().to_dict()
        out.update(
            argv=self.argv,
            returncode=self.returncode,
            signal=self.signal_name,
            timed_out=self.timed_out,
            tail=self.tail,
        )
        return out


class Interrupted(BaseException):
    """SIGINT, SIGTERM or SIGHUP arrived (or a run was cancelled): clean up as for Ctrl-C.

    A BaseException, as KeyboardInterrupt is, so `except Exception` cannot swallow it and every
    `except BaseException` / `finally` cleanup runs; not a KeyboardInterrupt, so Typer ≥ 0.12
    cannot turn it into a silent Exit(130) before the error boundary sees it.
    """

    exit_code = EXIT_INTERRUPTED

    def __init__(self, signal_name: str = "SIGINT") -> None:
        super().__init__(signal_name)
        self.signal_name = signal_name


class RcFileError(TorchsetupError):
    """A startup file that torchsetup cannot or will not write; nothing was changed."""


class DamagedMarkers(TorchsetupError):
    """Marker lines torchsetup cannot own: not one begin … end pair, or not a block it wrote."""

    def __init__(self, what: str, line: int, *, name: str = "the file", hint: str = "") -> None:
        super().__init__(
            f"{name}:{line}: {what}; torchsetup will not guess which lines it owns, "
            "nothing was written",
            hint=f'"${{EDITOR:-vi}}" +{line} {shlex.quote(name)}    '
            f"({hint or 'mend or delete the marker lines'}, then run the command again)",
            exit_code=EXIT_USAGE,
        )
        self.line = line


class UnknownChoice(UsageError):
    """The user named a torch version, variant or Python that torchsetup does not know."""


class ResolveError(TorchsetupError):
    """Known names, but no build fits this host (or this request): exit 2, nothing written."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint, exit_code=EXIT_USAGE)


class GpuNotCovered(TorchsetupError):
    """The installed wheel holds no code for a GPU of this host (what the run installed is
    rolled back); `torch` is the build (2.15.0+cu130), `reason` what the wheel said."""

    def __init__(
        self,
        torch: str,
        reason: str,
        uncovered: tuple[str, ...],
        *,
        hint: str,
        message: str | None = None,
    ) -> None:
        self.torch = torch
        self.reason = reason
        self.uncovered = uncovered
        text = message or f"{reason}; what this run installed was rolled back"
        super().__init__(text, hint=hint)

    @property
    def short(self) -> str:
        """'2.15.0+cu130 has no code for sm_61', for notes."""
        sms = ", ".join(f"sm_{c.replace('.', '')}" for c in self.uncovered)
        return f"{self.torch} has no code for {sms}" if sms else f"{self.torch}: {self.reason}"

    def to_dict(self) -> dict[str, object]:
        """The error with the build and the GPUs it does not cover."""
        out = super().to_dict()
        out.update(torch=self.torch, reason=self.reason, uncovered=list(self.uncovered))
        return out


class BuildFailed(TorchsetupError):
    """A build step failed: the diagnosis, the log and the kept build dir."""

    def __init__(
        self, diagnosis: Diagnosis, *, log_path: Path, build_dir: Path, step: str | None = None
    ) -> None:
        super().__init__(f"build failed: {diagnosis.title}", hint=diagnosis.fix, log_path=log_path)
        self.diagnosis = diagnosis
        self.build_dir = build_dir
        self.step = step  # the step that failed: deps, build, install…

    def to_dict(self) -> dict[str, object]:
        """The error with the diagnosis and the kept build dir."""
        out = super().to_dict()
        out.update(
            diagnosis={
                "id": self.diagnosis.id,
                "title": self.diagnosis.title,
                "failed_target": self.diagnosis.failed_target,
                "excerpt": list(self.diagnosis.excerpt),
                "links": list(self.diagnosis.links),
            },
            build_dir=str(self.build_dir),
            step=self.step,
        )
        return out


class RollbackFailed(TorchsetupError):
    """A run failed or was interrupted, and putting the venv back failed too: what is left."""

    def __init__(self, cause: BaseException, left: str, log_path: Path) -> None:
        interrupted = isinstance(cause, (KeyboardInterrupt, Interrupted))
        first = cause.message if isinstance(cause, TorchsetupError) else "interrupted"
        super().__init__(
            f"{first}; putting the venv back failed too: {left}",
            hint=f"less {log_path}",
            exit_code=EXIT_INTERRUPTED if interrupted else getattr(cause, "exit_code", 1),
            log_path=log_path,
        )
