"""The source tree: is it PyTorch, which version, are its submodules there; clone or update it."""

from __future__ import annotations

import configparser
import shlex
from pathlib import Path

from torchsetup import runner
from torchsetup.build.model import SourceInfo, Step
from torchsetup.build.versions import release_of
from torchsetup.errors import UsageError

__all__ = [
    "check_ref",
    "clone_command",
    "inspect_source",
    "read_gitmodules",
    "ref_exists",
    "source_steps",
    "submodule_command",
    "submodule_problem",
]

_GIT_TIMEOUT_S = 60.0


def read_gitmodules(tree: Path) -> tuple[str, ...]:
    """The submodule paths that .gitmodules declares (none when there is no .gitmodules)."""
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string((tree / ".gitmodules").read_text(encoding="utf-8"))
    except (OSError, configparser.Error):
        return ()
    return tuple(parser[s]["path"] for s in parser.sections() if "path" in parser[s])


def _populated(folder: Path) -> bool:
    try:
        return folder.is_dir() and any(folder.iterdir())
    except OSError:
        return False


def _all_submodules(tree: Path, prefix: str = "", depth: int = 0) -> tuple[str, ...]:
    """Submodule paths, with those nested in populated submodules (fbgemm/third_party/asmjit,
    onnx/third_party/benchmark: v1.9's setup.py checks those too)."""
    found: list[str] = []
    for path in read_gitmodules(tree / prefix if prefix else tree):
        full = f"{prefix}/{path}" if prefix else path
        found.append(full)
        if depth < 3 and _populated(tree / full):
            found.extend(_all_submodules(tree, full, depth + 1))
    return tuple(found)


def inspect_source(tree: Path, *, ref: str | None = None) -> SourceInfo:
    """Read version.txt, .gitmodules and the tag at HEAD; raise UsageError if it is not PyTorch."""
    if not tree.exists() or (ref and tree.is_dir() and not _populated(tree)):
        return SourceInfo(tree, exists=False, version=ref, is_git=False, tag=None)
    if not (tree / "setup.py").is_file() or not (tree / "version.txt").is_file():
        raise UsageError(
            f"{tree} is not a PyTorch source tree (no setup.py and version.txt)",
            hint="torchsetup build --ref v1.9.0    (clones pytorch/pytorch with its submodules)",
        )
    version = (tree / "version.txt").read_text(encoding="utf-8").strip() or None
    submodules = _all_submodules(tree)
    missing = tuple(p for p in submodules if not _populated(tree / p))
    is_git = (tree / ".git").exists()
    return SourceInfo(
        tree, True, version, is_git, _head_tag(tree) if is_git else None, submodules, missing
    )


def _head_tag(tree: Path) -> str | None:
    result = runner.run(
        ["git", "-C", str(tree), "describe", "--tags", "--exact-match", "HEAD"],
        timeout=_GIT_TIMEOUT_S,
        check=False,
    )
    return result.stdout.strip() or None if result.ok else None


def submodule_command(tree: Path) -> str:
    """The exact commands that fetch missing submodules of a git checkout."""
    q = shlex.quote(str(tree))
    return f"git -C {q} submodule sync && git -C {q} submodule update --init --recursive"


def clone_command(repo: str, ref: str | None, dest: Path) -> str:
    """The clone that brings the submodules along (a GitHub zip has none)."""
    branch = f" --branch {shlex.quote(ref)}" if ref else ""
    return f"git clone --recursive{branch} {shlex.quote(repo)} {shlex.quote(str(dest))}"


def ref_exists(repo: str, ref: str) -> bool | None:
    """Whether `ref` is a tag or branch of `repo`; None when the repository cannot be reached."""
    result = runner.run(
        ["git", "ls-remote", "--tags", "--heads", repo, ref],
        timeout=_GIT_TIMEOUT_S,
        check=False,
        env={"GIT_TERMINAL_PROMPT": "0"},
    )
    if not result.ok:
        return None
    names = {line.split("\t")[-1] for line in result.stdout.splitlines() if "\t" in line}
    return any(
        n in names for n in (f"refs/tags/{ref}", f"refs/heads/{ref}", f"refs/tags/{ref}^{{}}")
    )


def check_ref(repo: str, ref: str) -> str | None:
    """Raise UsageError when `ref` does not exist; return a note when it could not be checked."""
    found = ref_exists(repo, ref)
    if found is False:
        raise UsageError(
            f"{ref} is neither a tag nor a branch of {repo}",
            hint=f"git ls-remote --tags {shlex.quote(repo)}",
        )
    return None if found else f"could not reach {repo} to check that {ref} exists"


def source_steps(info: SourceInfo, repo: str, ref: str | None) -> tuple[Step, ...]:
    """Clone (no tree yet) or check out the ref and update submodules (an existing clone)."""
    tree = info.path
    if not info.exists:
        argv = ("git", "clone", "--recursive", *(("--branch", ref) if ref else ()), repo, str(tree))
        return (Step("clone", argv, tree.parent, f"clone {repo} {ref or ''} with submodules"),)
    git = ("git", "-C", str(tree))
    steps = []
    if ref and info.tag != ref:
        steps.append(Step("fetch", (*git, "fetch", "--tags", "origin"), tree, "fetch tags"))
        steps.append(Step("checkout", (*git, "checkout", ref), tree, f"check out {ref}"))
    steps.append(Step("sync", (*git, "submodule", "sync", "--recursive"), tree, "sync submodules"))
    steps.append(
        Step(
            "submodules",
            (*git, "submodule", "update", "--init", "--recursive"),
            tree,
            "update submodules",
        )
    )
    return tuple(steps)


def submodule_problem(info: SourceInfo, repo: str, ref: str | None) -> tuple[str, str] | None:
    """(what is wrong, the exact command that fixes it) when submodules are missing."""
    if not info.missing_submodules:
        return None
    shown = ", ".join(info.missing_submodules[:5])
    more = len(info.missing_submodules) - 5
    shown += f" and {more} more" if more > 0 else ""
    if info.is_git:
        count = len(info.missing_submodules)
        return f"{count} submodules are missing or empty: {shown}", submodule_command(info.path)
    return (
        f"{info.path} is not a git checkout and its submodules are empty ({shown}): a GitHub "
        "zip/tarball has no third_party sources and git cannot repair it",
        clone_command(repo, ref or _tag_for(info.version), info.path.with_name("pytorch")),
    )


def _tag_for(version: str | None) -> str | None:
    release = release_of(version)
    return f"v{release}" if release else None
