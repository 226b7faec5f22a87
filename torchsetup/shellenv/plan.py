"""request → plan: which shell, which files, what bytes; nothing is written here."""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from torchsetup.shellenv.exports import resolve_exports
from torchsetup.shellenv.home import check_home
from torchsetup.shellenv.model import EnvPlan, EnvRequest, FileChange
from torchsetup.shells import (
    Exports,
    RcTarget,
    Shell,
    ShellContext,
    detect_shell,
    get_shell,
    rcblock,
    rcfile,
)

__all__ = ["block_transform", "describe", "plan_env", "transform_for"]

_CONTEXT = 3  # lines of context in a diff, as `diff -u`
_HUNK = re.compile(r"^@@ -(\d+)(,\d+)? \+(\d+)(,\d+)? @@", re.MULTILINE)


def _shell(request: EnvRequest, environ: Mapping[str, str]) -> tuple[Shell, str]:
    if request.shell == "auto":
        return detect_shell(environ)
    return get_shell(request.shell), "from --shell"


def transform_for(plan: EnvPlan, target: RcTarget) -> rcfile.Transform:
    """The bytes → bytes function that puts the plan's block into (or takes it out of) a file."""
    return block_transform(plan.mode, plan.snippet, target.path)


def block_transform(mode: str, snippet: Sequence[str], path: Path) -> rcfile.Transform:
    """apply or remove the block in the file at path (its checksum binds it to the file's name)."""
    name = str(path)
    names = (rcblock.file_name(os.path.realpath(path)), rcblock.file_name(path))
    if mode == "remove":
        return lambda data: rcblock.remove_block(data, name=name, names=names)
    return lambda data: rcblock.apply_block(data, snippet, name=name, names=names)


def describe(edit: rcfile.Edit, why: str, mode: str) -> FileChange:
    """An Edit as the user reads it: the action word and a unified diff."""
    before, after = edit.before, edit.after
    if before == after:
        action = "unchanged"
    elif after is None:
        action = "delete"
    elif before is None:
        action = "create"
    elif mode == "remove":
        action = "remove"
    else:
        action = "replace" if rcblock.begin_lines(before) else "append"
    return FileChange(edit.path, edit.target, why, action, _diff(edit), edit.warnings)


def _lines(data: bytes) -> list[bytes]:
    """Lines split at \\n only (bytes.splitlines also splits at a lone \\r)."""
    lines = [line + b"\n" for line in data.split(b"\n")]
    last = lines.pop()
    return [*lines, last[:-1]] if last != b"\n" else lines


def _common_prefix(a: bytes, b: bytes) -> int:
    """How many bytes a and b share at the start: 64 KiB memcmps, then bytes in the last chunk."""
    n, i, chunk = min(len(a), len(b)), 0, 1 << 16
    while i < n and a[i : i + chunk] == b[i : i + chunk]:
        i += chunk
    end = min(i + chunk, n)
    while i < end and a[i] == b[i]:
        i += 1
    return i


def _diff(edit: rcfile.Edit) -> str:
    """A unified diff of the edit, computed on the changed lines only (rc files can be huge)."""
    before, after = edit.before or b"", edit.after or b""
    if before == after:
        return ""
    old, new = _lines(before), _lines(after)
    head = before.count(b"\n", 0, _common_prefix(before, after))  # whole lines alike
    tail, most = 0, min(len(old), len(new)) - head
    while tail < most and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    skip, keep = max(0, head - _CONTEXT), max(0, tail - _CONTEXT)
    name = str(edit.path).encode("utf-8", "surrogateescape")
    lines = difflib.diff_bytes(
        difflib.unified_diff, old[skip : len(old) - keep], new[skip : len(new) - keep], name, name
    )
    text = b"".join(line if line.endswith(b"\n") else line + b"\n" for line in lines)
    # Hunk line numbers are relative to the slice: shift them back by the lines skipped.
    return _HUNK.sub(lambda m: _shift(m, skip), text.decode("utf-8", "backslashreplace"))


def _shift(match: re.Match[str], skip: int) -> str:
    old_start, old_len, new_start, new_len = match.groups()
    return f"@@ -{int(old_start) + skip}{old_len or ''} +{int(new_start) + skip}{new_len or ''} @@"


def _targets(shell: Shell, ctx: ShellContext, mode: str) -> list[RcTarget]:
    """The shell's files, each real file once (`.bash_profile` may be a link to `.bashrc`)."""
    seen: set[object] = set()
    out = []
    for target in shell.all_files(ctx) if mode == "remove" else shell.rc_files(ctx):
        real = rcfile.resolve_target(target.path)
        # A hard link is the same file under another name: same device and inode.
        key = (real.stat().st_dev, real.stat().st_ino) if real.exists() else real
        if key not in seen:
            seen.add(key)
            out.append(target)
    return out


def plan_env(request: EnvRequest, environ: Mapping[str, str]) -> EnvPlan:
    """Decide everything: exports, snippet, files and their diffs (a dry run of each edit)."""
    shell, shell_source = _shell(request, environ)
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    exports = Exports()
    if request.mode != "remove":
        resolved = resolve_exports(request, shell)
        exports, notes, warnings = resolved.exports, resolved.notes, resolved.warnings
    # eval and `| source` see the printed text as one line in fish and tcsh: print that form.
    render = shell.render_eval if request.mode == "print" else shell.render
    snippet = tuple(render(exports))
    plan = EnvPlan(
        shell.name,
        shell_source,
        request.mode,
        exports,
        snippet,
        (),
        notes,
        warnings,
        request.github,
        request.dry_run,
    )
    if request.mode == "print" or request.github:
        return plan
    from torchsetup.shellenv import journal, resume

    ctx = ShellContext(check_home(environ), environ)
    prior = journal.peek()
    files = []
    for target in _targets(shell, ctx, request.mode):
        edit = rcfile.edit_file(target.path, transform_for(plan, target), dry_run=True)
        if not request.dry_run and edit.changed:
            # Every file is checked before the first is written: all of them, or none.
            rcfile.check_writable(edit.target)
        files.append(resume.noted(describe(edit, target.why, request.mode), prior, edit))
    completes = resume.plan_completion(prior, {str(f.path) for f in files})
    return replace(plan, files=tuple(files), completes=completes)
