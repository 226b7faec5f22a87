"""The two install backends, uv (fast, a dependency) and pip (fallback), as argv builders."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from torchsetup.install.model import Offer

__all__ = ["InstallCall", "call_source_args", "install_argv", "source_args", "uv_bin"]


@dataclass(frozen=True)
class InstallCall:
    """One install into a venv: what, from where, and how strictly."""

    installer: str  # uv | pip
    python: Path
    requirements: tuple[str, ...] = ()
    requirement_file: Path | None = None
    offer: Offer | None = None
    constraints: tuple[str, ...] = ()
    offline: bool = False
    locked: bool = False  # exact files with hashes: --require-hashes --no-deps
    only_binary: tuple[str, ...] = ()  # never build these from an sdist (numpy: the newest wheel)
    compile_all: bool = False  # byte-compile every installed module (pip's default, uv's opt-in)


def uv_bin() -> str:
    """The uv executable shipped by the `uv` wheel torchsetup depends on."""
    from uv import find_uv_bin

    return str(find_uv_bin())


def source_args(offer: Offer, constraints: tuple[str, ...], *, short: bool = False) -> list[str]:
    """pip's (and uv pip's) arguments for the offer's sources and the constraint files; short
    spells -f / -c as a user types them (the plan's equivalent `pip install` line)."""
    find_links, constraint = ("-f", "-c") if short else ("--find-links", "--constraint")
    args: list[str] = []
    if offer.index_url:
        args += ["--index-url", offer.index_url]
    for url in offer.extra_index_urls:
        args += ["--extra-index-url", url]
    if offer.no_index:
        args.append("--no-index")
    for link in offer.find_links:
        args += [find_links, link]
    for path in constraints:
        args += [constraint, path]
    return args


def call_source_args(call: InstallCall) -> list[str]:
    """The source, constraint and requirement-file arguments of one install call."""
    args = source_args(call.offer or Offer("user", ""), call.constraints)
    if call.requirement_file:
        args += ["--requirement", str(call.requirement_file)]
    if call.locked:
        args += ["--require-hashes", "--no-deps"]
    for name in call.only_binary:
        args += ["--only-binary", name]
    return args


def uv_strategy(offer: Offer | None) -> list[str]:
    """pip pools the index URL and every extra-index-url and takes the best match across them;
    uv stops at the first index that has the package at all (astral-sh/uv docs, "Index
    strategy"). Handing pip's sources to uv keeps pip's meaning only with unsafe-best-match."""
    if offer is not None and offer.extra_index_urls:
        return ["--index-strategy", "unsafe-best-match"]
    return []


def install_argv(call: InstallCall) -> list[str]:
    """The command line for the call's installer."""
    if call.installer == "uv":
        # uv reads no pip configuration: every source and constraint is passed explicitly.
        argv = [uv_bin(), "pip", "install", "--python", str(call.python)]
        argv += uv_strategy(call.offer)
        if call.offline:
            argv.append("--offline")
        if call.compile_all:
            argv.append("--compile-bytecode")
        return [*argv, *call.requirements, *call_source_args(call)]
    argv = [str(call.python), "-m", "pip", "install", "--disable-pip-version-check"]
    if call.offline:
        argv.append("--no-index")
    if not call.compile_all:
        argv.append("--no-compile")  # torchsetup compiles what imports need (install/execute)
    return [*argv, "--progress-bar", "off", *call.requirements, *call_source_args(call)]


def compile_argv(
    call: InstallCall, output: Path, target: tuple[str, str] | None = None
) -> list[str]:
    """`uv pip compile` of the call's requirements into a PEP 751 pylock.toml with hashes; for
    call.python, or for target = (Python version, uv's --python-platform) on another machine."""
    argv = [uv_bin(), "pip", "compile", "-", "--quiet", "--format", "pylock.toml"]
    if target is None:
        argv += ["--python", str(call.python)]
    else:
        argv += ["--python-version", target[0], "--python-platform", target[1]]
    argv += ["--output-file", str(output), *uv_strategy(call.offer)]
    if call.offline:
        argv.append("--offline")
    return [*argv, *call_source_args(call)]
