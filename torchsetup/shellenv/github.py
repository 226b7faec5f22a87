"""GitHub Actions: later steps get PATH from $GITHUB_PATH and variables from $GITHUB_ENV.

Runners start steps with `bash --noprofile --norc`, so no startup file is ever read there
(github/docs#23853); these two files are the only way to reach the next step.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from torchsetup.errors import UsageError
from torchsetup.shellenv.model import EnvPlan, FileChange
from torchsetup.shells import rcfile

__all__ = ["env_entry", "github_files", "github_lines", "parse_env_file"]

_BREAKS = ("\n", "\r")


def _joined(dirs: tuple[str, ...], current: str, var: str, warnings: list[str]) -> str:
    """dirs first, then the current entries that are neither empty nor already there.

    An inherited entry holding a line break is dropped, never copied: in $GITHUB_ENV a line
    break would start a new variable (`LD_PRELOAD=/evil.so`) for every later step.
    """
    rest = []
    for entry in current.split(":"):
        if any(c in entry for c in _BREAKS):
            warnings.append(
                f"${var} of this step holds an entry with a line break ({entry!r}); "
                "it is left out of what later steps get"
            )
        elif entry and entry not in dirs and entry not in rest:
            rest.append(entry)
    return ":".join([*dirs, *rest])


def _refuse_breaks(name: str, value: str) -> None:
    if any(c in value for c in _BREAKS):
        raise UsageError(
            f"--github: {value!r} holds a line break, which ${name} would read as a second "
            "entry; nothing was written",
            hint="use a directory without one (a symlink to it): ln -s 'DIR' /opt/torch-dir",
        )


def github_lines(
    plan: EnvPlan, environ: Mapping[str, str], warnings: list[str] | None = None
) -> tuple[list[str], dict[str, str]]:
    """The GITHUB_PATH lines and the GITHUB_ENV variables; none holds a line break."""
    warnings = [] if warnings is None else warnings
    # The runner prepends each GITHUB_PATH line in turn, so the last line ends up first.
    path_lines = list(reversed(plan.exports.path))
    variables = {
        var: _joined(dirs, environ.get(var, ""), var, warnings)
        for var, dirs in plan.exports.lists()
        if var != "PATH"
    }
    if plan.exports.virtual_env is not None:
        variables["VIRTUAL_ENV"] = plan.exports.virtual_env
    for line in path_lines:
        _refuse_breaks("GITHUB_PATH", line)
    for value in variables.values():
        _refuse_breaks("GITHUB_ENV", value)
    return path_lines, variables


def env_entry(name: str, value: str) -> bytes:
    """NAME<<DELIMITER, the value, DELIMITER: GitHub's multi-line form, with a fresh delimiter
    that occurs in neither (as @actions/core's exportVariable does); no value can end early."""
    while True:
        delimiter = f"ghadelimiter_{secrets.token_hex(16)}"
        if delimiter not in value and delimiter not in name:
            break
    return f"{name}<<{delimiter}\n{value}\n{delimiter}\n".encode("utf-8", "surrogateescape")


def parse_env_file(data: bytes) -> tuple[dict[str, str], int | None]:
    """The variables a $GITHUB_ENV file sets, read the way the runner reads it (actions/runner
    FileCommandManager: NAME=VALUE, or NAME<<DELIMITER … DELIMITER, lines split at \\n), and the
    line of an entry the runner would reject (an unclosed NAME<<DELIMITER), else None."""
    lines = data.decode("utf-8", "surrogateescape").split("\n")
    variables: dict[str, str] = {}
    i = 0
    while i < len(lines):
        line, start = lines[i], i
        i += 1
        if not line:
            continue
        eq, heredoc = line.find("="), line.find("<<")
        if eq >= 0 and (heredoc < 0 or eq < heredoc):
            variables[line[:eq]] = line[eq + 1 :]
            continue
        name, _, delimiter = line.partition("<<")
        if heredoc < 0 or not name or not delimiter:
            return variables, start + 1
        value: list[str] = []
        while i < len(lines) - 1 and lines[i] != delimiter:  # the last one has no line break
            value.append(lines[i])
            i += 1
        if i >= len(lines) or lines[i] != delimiter:
            return variables, start + 1
        variables[name] = "\n".join(value)
        i += 1
    return variables, None


def _append_env(variables: dict[str, str], path: Path) -> rcfile.Transform:
    def transform(data: bytes | None) -> bytes | None:
        old = data or b""
        have, broken = parse_env_file(old)
        if broken is not None:
            raise UsageError(
                f"{path}:{broken}: the runner cannot read this entry (a NAME<<DELIMITER value "
                "that is never closed); what torchsetup appends would become part of it, "
                "nothing was written",
                hint=f'"${{EDITOR:-vi}}" +{broken} {path}    (close or delete the entry)',
            )
        new = [env_entry(k, v) for k, v in variables.items() if have.get(k) != v]
        if not new:
            return data
        sep = b"" if not old or old.endswith(b"\n") else b"\n"
        return old + sep + b"".join(new)

    return transform


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
    """Append what is not there yet (a second run changes nothing); only regular files."""
    from torchsetup.shellenv.plan import describe

    missing = [name for name in ("GITHUB_PATH", "GITHUB_ENV") if not environ.get(name)]
    if missing:
        raise UsageError(
            f"--github: {' and '.join(missing)} not set; this is not a GitHub Actions step",
            hint="torchsetup env    (without --github: writes your shell's startup files)",
        )
    warnings: list[str] = []
    path_lines, variables = github_lines(plan, environ, warnings)
    paths = {name: Path(environ[name]) for name in ("GITHUB_PATH", "GITHUB_ENV")}
    for path in paths.values():
        rcfile.resolve_target(path)  # a FIFO or a directory: refused before anything is read
    todo: list[tuple[str, rcfile.Transform]] = []
    if path_lines:
        todo.append(("GITHUB_PATH", _append_missing(path_lines)))
    if variables:
        todo.append(("GITHUB_ENV", _append_env(variables, paths["GITHUB_ENV"])))
    for name, transform in todo:  # both files checked before either is written
        rcfile.edit_file(paths[name], transform, dry_run=True)
    changes = []
    for name, transform in todo:
        edit = rcfile.edit_file(paths[name], transform, dry_run=dry_run)
        change = describe(edit, f"${name}: read by the runner after this step", "apply")
        changes.append(replace(change, warnings=(*warnings, *change.warnings)))
        warnings = []
    return changes
