"""After installing: does the installed wheel hold code for every GPU of the host?

torch.version.cuda / torch.version.hip and torch.cuda.get_arch_list() need no GPU, so the check
runs on any machine; it settles what the plan could only infer (release-truth.md §4)."""

from __future__ import annotations

import json
import platform
from dataclasses import dataclass
from pathlib import Path

from packaging.version import InvalidVersion, Version

from torchsetup import paths, runner
from torchsetup.errors import GpuNotCovered, TorchsetupError
from torchsetup.install.model import InstallPlan
from torchsetup.venv import venv_python

__all__ = [
    "AARCH64",
    "WheelCheck",
    "check_gpus",
    "covers",
    "load_observed",
    "observed_key",
    "record_observed",
    "uncovered",
    "verify_wheel",
]

#: The suffix of an observed key for a linux-aarch64 (sbsa) wheel: its arch list differs from
#: the x86_64 wheel of the same name (release-truth.md §3).
AARCH64 = "@linux-aarch64"

_PROBE = (
    "import json, torch\n"
    "cuda = getattr(torch.version, 'cuda', None)\n"
    "hip = getattr(torch.version, 'hip', None)\n"
    "archs = list(torch.cuda.get_arch_list()) if hasattr(torch.cuda, 'get_arch_list') else []\n"
    "print(json.dumps({'cuda': cuda, 'hip': hip, 'archs': archs}))\n"
)


@dataclass(frozen=True)
class WheelCheck:
    """What the installed torch says about itself, and the GPUs it has no code for."""

    cuda: str | None
    hip: str | None
    archs: tuple[str, ...]  # sm_75 … compute_120
    uncovered: tuple[str, ...]  # capabilities ("6.1") with neither cubin nor usable PTX
    ok: bool
    reason: str


def covers(archs: tuple[str, ...], capability: Version) -> bool:
    """A cubin sm_XY of the same major with Y ≤ minor, or PTX compute_XY ≤ the capability."""
    for arch in archs:
        kind, _, digits = arch.partition("_")
        if not digits.isdigit() or len(digits) < 2:
            continue
        have = Version(f"{digits[:-1]}.{digits[-1]}")
        if kind == "sm" and have.major == capability.major and have.minor <= capability.minor:
            return True
        if kind == "compute" and have <= capability:
            return True
    return False


def verify_wheel(python: Path, capabilities: tuple[str, ...], timeout: float = 120) -> WheelCheck:
    """Ask the venv's torch for its build and hold it against every GPU's compute capability."""
    result = runner.run([str(python), "-c", _PROBE], timeout=timeout, check=False)
    if not result.ok:
        tail = " ".join(result.tail[-2:]) or "no output"
        return WheelCheck(None, None, (), capabilities, False, f"import torch failed: {tail}")
    try:
        seen = json.loads(result.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return WheelCheck(None, None, (), capabilities, False, "torch printed no build facts")
    archs = tuple(str(a) for a in seen.get("archs") or ())
    cuda, hip = seen.get("cuda"), seen.get("hip")
    if not capabilities:
        return WheelCheck(cuda, hip, archs, (), True, "no NVIDIA GPU to cover")
    if not cuda:
        return WheelCheck(cuda, hip, archs, (), True, "not a CUDA build: the GPUs are not used")
    if missing := uncovered(archs, capabilities):
        sms = ", ".join(f"sm_{c.replace('.', '')}" for c in missing)
        why = f"the installed torch (CUDA {cuda}, {' '.join(archs)}) has no code for {sms}"
        return WheelCheck(cuda, hip, archs, missing, False, why)
    return WheelCheck(cuda, hip, archs, (), True, f"CUDA {cuda} build covers every GPU")


def check_gpus(plan: InstallPlan) -> None:
    """The installed wheel must hold code for every GPU: record what it said, raise if not."""
    if not plan.gpu_capabilities:
        return
    check = verify_wheel(venv_python(plan.venv), plan.gpu_capabilities)
    build = observed_key(plan.torch, plan.variant)
    record_observed(build, check)
    hint = "torchsetup install --dry-run   (see which builds fit this host)"
    if check.uncovered and check.cuda:
        raise GpuNotCovered(build.split("@")[0], check.reason, check.uncovered, hint=hint)
    if not check.ok:  # a wheel that cannot say what it holds is broken, not a wrong pick
        raise TorchsetupError(check.reason + "; what this run installed was rolled back", hint=hint)


def observed_key(torch: str, variant: str, machine: str | None = None) -> str:
    """2.16.0+cu130 for this machine's wheel of that build (…@linux-aarch64 on aarch64)."""
    arch = (machine or platform.machine()).lower()
    key = f"{Version(torch).public}+{variant}"
    return key + AARCH64 if arch in ("aarch64", "arm64") else key


def uncovered(archs: tuple[str, ...], capabilities: tuple[str, ...]) -> tuple[str, ...]:
    """The capabilities ("6.1") that the arch list holds no code for."""
    return tuple(c for c in capabilities if not _covered(archs, c))


def _covered(archs: tuple[str, ...], capability: str) -> bool:
    try:
        return covers(archs, Version(capability))
    except InvalidVersion:
        return True  # an unreadable capability cannot be held against the build


def _observed_path() -> Path:
    return paths.state_dir() / "observed-builds.json"


def load_observed() -> dict[str, tuple[str, ...]]:
    """torch version+variant → the arch list its installed wheel reported (a local facts cache)."""
    try:
        doc = json.loads(_observed_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(doc, dict):
        return {}
    return {str(k): tuple(str(a) for a in v) for k, v in doc.items() if isinstance(v, list)}


def record_observed(torch: str, check: WheelCheck) -> None:
    """Remember what a CUDA wheel said about itself, so the next plan needs no inference."""
    if not check.cuda or not check.archs:
        return
    doc = {k: list(v) for k, v in load_observed().items()}
    doc[torch] = list(check.archs)
    target = _observed_path()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    except OSError:
        pass  # a facts cache that cannot be written costs only an inference next time
