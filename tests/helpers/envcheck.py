"""Doctor test helpers: scripted probe outputs (what a GPU box or a broken one reports), fake
packages and the venv paths the real-venv tests use."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from torchsetup.envcheck.checks import CHECKS, Check, Context
from torchsetup.envcheck.core import evaluate
from torchsetup.envcheck.execute import TaskOutcome
from torchsetup.envcheck.model import CheckResult
from torchsetup.envcheck.schema import problems
from torchsetup.host.model import Gpu, NvidiaInfo

PYENV = Path(os.environ.get("PYENV_ROOT", "/root/.pyenv")) / "versions"
CU128_ARCHS = ["sm_75", "sm_80", "sm_86", "sm_90", "sm_100", "sm_120", "compute_120"]


def gpu(cc: str, name: str = "NVIDIA GeForce GTX 1080 Ti", index: int = 0) -> Gpu:
    """A GPU as NVML reports it."""
    return Gpu(index=index, name=name, memory_mib=11264, compute_capability=cc)


def device(cc: str, name: str = "NVIDIA GeForce GTX 1080 Ti", index: int = 0) -> dict[str, Any]:
    """A GPU as torch.cuda.get_device_properties reports it."""
    major, minor = (int(x) for x in cc.split("."))
    return {
        "index": index,
        "name": name,
        "capability": [major, minor],
        "total_memory": 11 << 30,
        "gcn_arch": None,
    }


def context(
    *,
    driver: str | None = None,
    gpus: tuple[Gpu, ...] = (),
    require_gpu: bool = False,
    **tasks: dict[str, Any],
) -> Context:
    """A Context whose probe tasks returned `tasks` (names with '__' for '.'), each of them
    checked against the probe's schema: only keys and types the real probe emits."""
    wrong = [p for n, d in tasks.items() for p in problems(n.replace("__", "."), d, partial=True)]
    assert not wrong, f"scripted probe facts the probe never emits: {wrong}"
    facts = {
        name.replace("__", "."): TaskOutcome(name.replace("__", "."), data=data)
        for name, data in tasks.items()
    }
    nvidia = NvidiaInfo(driver, "nvml" if driver else None, gpus)
    return Context(Path("/venv/bin/python"), facts, nvidia, require_gpu)


def verdict(check_id: str, ctx: Context) -> CheckResult:
    """The check's result for these facts."""
    check: Check = next(c for c in CHECKS if c.spec.id == check_id)
    return evaluate(check, ctx)


def site_packages(venv: Path) -> Path:
    """The venv's site-packages folder."""
    return next((venv / "lib").glob("python3.*/site-packages"))


def fake_package(root: Path, name: str, body: str, dist: dict[str, str] | None = None) -> Path:
    """root/name/__init__.py with body; with dist, a name-version.dist-info/METADATA too."""
    package = root / name
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(body)
    if dist is not None:
        info = root / f"{name}-{dist['Version']}.dist-info"
        info.mkdir()
        headers = {"Metadata-Version": "2.1", "Name": name, **dist}
        text = "".join(f"{k}: {v}\n" for k, v in headers.items() if k != "Requires-Dist")
        text += "".join(
            f"Requires-Dist: {r}\n" for r in dist.get("Requires-Dist", "").split(";") if r
        )
        (info / "METADATA").write_text(text)
    return package


def python_of(venv: Path) -> Path:
    """The venv's interpreter."""
    return venv / "bin" / "python"
