"""GitHub Actions: later steps get PATH from $GITHUB_PATH and variables from $GITHUB_ENV.

Runners start steps with `bash --noprofile --norc`, so no startup file is ever read there
(github/docs#23853); these two files are the only way to reach the next step.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from torchsetup import rcfile
from torchsetup.errors import UsageError
from torchsetup.shellenv.model import EnvPlan, FileChange

__all__ = ["github_files", "github_lines"]


def _joined(dirs: tuple[str, ...], current: str) -> str:
    """dirs first, then the current entries that are neither empty nor already there."""
    rest = [e for e in current.split(":") if e and e not in dirs]
    return ":".join([*dirs, *rest])


def github_lines(plan: EnvPlan, environ: Mapping[str, str]) -> dict[str, list[str]]:
    """Lines for GITHUB_PATH and GITHUB_ENV."""
    # The runner prepends each GITHUB_PATH line in turn, so the last line ends up first.
    path_lines = list(reversed(plan.exports.path))
    env_lines = [
        f"{var}={_joined(dirs, environ.get(var, ''))}"
        for var, dirs in plan.exports.lists()
        if var != "PATH"
    ]
    if plan.exports.virtual_env is not None:
        env_lines.append(f"VIRTUAL_ENV={plan.exports.virtual_env}")
    return {"GITHUB_PATH": path_lines, "GITHUB_ENV": env_lines}


def _append_missing(lines: list[str]) -> rcfile.Transform:
    def transform(data: bytes | None) -> bytes | None:
        old = data or b""
        have = set(old.splitlines())
        new = [line.encode() for line in lines if line.encode() not in have]
        if not new:
            return data
        sep = b"" if not old or old.endswith(b"\n") else b"\n"
        return old + sep + b"".join(line + b"\n" for line in new)

    return transform


def github_files(plan: EnvPlan, environ: Mapping[str, str], *, dry_run: bool) -> list[FileChange]:
    """Append the lines that are not there yet; a second run changes nothing."""
    from torchsetup.shellenv.plan import describe

    missing = [name for name in ("GITHUB_PATH", "GITHUB_ENV") if not environ.get(name)]
    if missing:
        raise UsageError(
            f"--github: {' and '.join(missing)} not set; this is not a GitHub Actions step",
            hint="torchsetup env    (without --github: writes your shell's startup files)",
        )
    changes = []
    for name, lines in github_lines(plan, environ).items():
        if not lines:
            continue
        path = Path(environ[name])
        edit = rcfile.edit_file(path, _append_missing(lines), dry_run=dry_run)
        changes.append(describe(edit, f"${name}: read by the runner after this step", "apply"))
    return changes
