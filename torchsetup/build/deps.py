"""The Python packages a PyTorch version needs to build, which of them the build venv lacks, and
the install command for them (the same sources and backend as `torchsetup install`)."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.version import InvalidVersion, Version

from torchsetup.build.model import Check, Deps, Status
from torchsetup.build.versions import BuildNeeds
from torchsetup.install.backends import InstallCall, call_source_args
from torchsetup.install.model import Offer
from torchsetup.install.sources import read_pip_settings

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.9/3.10
    import tomli as tomllib

__all__ = ["DepsInputs", "install_call", "needed_requirements", "plan_deps", "seed_args"]

# setuptools ≥ 59.6 dropped distutils.version, which 1.9/1.10's tools/setup_helpers/cmake.py
# and torch.utils.tensorboard use (`module 'distutils' has no attribute 'version'`).
_SETUPTOOLS_URL = "https://github.com/pytorch/pytorch/issues/69894"
# numpy 2 changed its C ABI; torch releases before 2.3 were compiled against numpy 1.x.
_NUMPY2 = Version("2.3")
# What v1.9's README installs for a build (build.md §1.5), pinned where the old tree needs it;
# dataclasses is 1.9's own install_requires on 3.6, and wheel is what bdist_wheel needs.
_OLD_TREE = ("numpy<2", "pyyaml", "typing_extensions", "setuptools<{below}", "wheel")
_PY36 = 'dataclasses; python_version < "3.7"'


@dataclass(frozen=True)
class DepsInputs:
    """What the dependency plan is made from."""

    torch: Version
    needs: BuildNeeds
    tree: Path
    tree_exists: bool
    python: Path  # the build venv's interpreter (it may not exist yet)
    python_version: str
    installed: Mapping[str, str] | None  # name → version in the venv; None: a new venv
    installer: str  # uv | pip
    index_url: str | None
    find_links: tuple[str, ...]
    offline: bool
    env: Mapping[str, str]


def needed_requirements(inputs: DepsInputs) -> tuple[tuple[str, ...], Path | None]:
    """The requirements for this version, and a requirements.txt still to be cloned."""
    if inputs.needs.setuptools_below:
        below = inputs.needs.setuptools_below
        return (*(r.format(below=below) for r in _OLD_TREE), _PY36), None
    extra = ["wheel"]  # bdist_wheel; a 1.13 requirements.txt does not name it
    if inputs.torch < _NUMPY2:
        extra.insert(0, "numpy<2")
    reqs = inputs.tree / "requirements.txt"
    if not inputs.tree_exists:
        return tuple(extra), reqs
    return (*_read_requirements(inputs.tree), *extra), None


def _read_requirements(tree: Path) -> list[str]:
    """requirements.txt's plain requirements, then pyproject's [build-system] requires."""
    out: list[str] = []
    try:
        lines = (tree / "requirements.txt").read_text(encoding="utf-8").splitlines()
    except OSError:
        lines = []
    for line in lines:
        text = line.split(" #", 1)[0].strip()
        if text and not text.startswith(("#", "-")) and _parse(text) is not None:
            out.append(text)
    try:
        pyproject = tomllib.loads((tree / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        pyproject = {}
    out += [r for r in pyproject.get("build-system", {}).get("requires", []) if _parse(r)]
    return out


def _parse(text: str) -> Requirement | None:
    try:
        return Requirement(text)
    except InvalidRequirement:
        return None


def _norm(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def _unmet(
    requirements: tuple[str, ...], inputs: DepsInputs
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The requirements the venv does not satisfy, and why, in words."""
    full = inputs.python_version
    marker_env = {"python_version": ".".join(full.split(".")[:2]), "python_full_version": full}
    installed = {_norm(n): v for n, v in (inputs.installed or {}).items()}
    wanted: list[str] = []
    missing: list[str] = []
    reasons: list[str] = []
    for text in requirements:
        req = Requirement(text)
        if req.marker is not None and not req.marker.evaluate(marker_env):
            continue
        have = installed.get(_norm(req.name))
        if have is None:
            missing.append(req.name)
            wanted.append(text)
        elif not _satisfies(req, have):
            wanted.append(text)
            reasons.append(_why_wrong(req, have, inputs.torch))
    if missing:
        reasons.insert(0, "missing: " + ", ".join(missing))
    return tuple(dict.fromkeys(wanted)), tuple(reasons)


def _satisfies(req: Requirement, have: str) -> bool:
    try:
        return req.specifier.contains(Version(have), prereleases=True)
    except InvalidVersion:
        return False


def _why_wrong(req: Requirement, have: str, torch: Version) -> str:
    name, release = _norm(req.name), torch.base_version
    if name == "setuptools":
        return (
            f"setuptools {have} breaks the PyTorch {release} build: from 59.6 on it no longer "
            f"has distutils.version (`module 'distutils' has no attribute 'version'`), "
            f"{_SETUPTOOLS_URL}"
        )
    if name == "numpy":
        return (
            f"numpy {have} cannot be used by PyTorch {release}: numpy 2 changed its C ABI and "
            f"releases before 2.3 are built against numpy 1.x"
        )
    return f"{req.name} {have} does not satisfy {req}"


def _sources(inputs: DepsInputs) -> tuple[Offer, tuple[str, ...], str]:
    """The user's pip configuration with the command line on top (as install reads them)."""
    pip = read_pip_settings(inputs.env)
    index = inputs.index_url or pip.index_url
    links = tuple(dict.fromkeys((*inputs.find_links, *pip.find_links)))
    offer = Offer("user", "build dependencies", links, index, pip.extra_index_urls, pip.no_index)
    where = "offline" if inputs.offline else (index or "PyPI")
    if links:
        where += " + find-links " + " ".join(links)
    return offer, pip.constraints, where


def install_call(inputs: DepsInputs, deps: Deps) -> InstallCall:
    """The installer call that puts `deps` into the build venv."""
    offer, constraints, _ = _sources(inputs)
    return InstallCall(
        installer=inputs.installer,
        python=inputs.python,
        requirements=deps.requirements,
        requirement_file=deps.requirement_file,
        offer=offer,
        constraints=constraints,
        offline=inputs.offline,
    )


def seed_args(inputs: DepsInputs) -> tuple[str, ...]:
    """The same sources for `uv venv --seed` (which fetches pip), as uv options."""
    offer, _, _ = _sources(inputs)
    offline = ("--offline",) if inputs.offline else ()
    return (*offline, *call_source_args(InstallCall("uv", inputs.python, offer=offer)))


def plan_deps(inputs: DepsInputs) -> tuple[Deps | None, Check | None]:
    """What to install (None: nothing), or the OK check when the venv already has it all."""
    requirements, later = needed_requirements(inputs)
    if inputs.installed is None and inputs.installer == "uv":
        requirements = ("pip", *requirements)  # the new venv is bare: pip, as any venv has
    wanted, reasons = _unmet(requirements, inputs)
    if not wanted and later is None:
        found = ", ".join(
            f"{Requirement(r).name} {(inputs.installed or {}).get(Requirement(r).name, '')}"
            for r in requirements
            if (inputs.installed or {}).get(Requirement(r).name)
        )
        return None, Check("python.deps", Status.OK, found or "every build dependency present")
    if inputs.installed is None:
        reasons = (f"a new venv: {', '.join(wanted)}",)
    if later is not None:
        reasons = (*reasons, f"and what {later} names, once the tree is cloned")
    _, _, where = _sources(inputs)
    return Deps(wanted, reasons, inputs.installer, where, later), None
