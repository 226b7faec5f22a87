"""The acceptance table of issue 12: each GPU host case of tests/install/test_gpu_hosts.py, the
build torchsetup picks, and what `uv pip install torch --torch-backend=auto` would pick.

uv's rule (astral-sh/uv crates/uv-torch/src/backend.rs, LINUX_CUDA_DRIVERS): the first PyTorch
index, newest CUDA first, whose driver minimum the driver meets; compute capability is not
consulted, and uv's first-index strategy takes the newest torch on that one index.

Run: PYTHONPATH=. python bench/gpu_table.py   (markdown on stdout; the last line counts)
"""

from __future__ import annotations

from packaging.version import Version

from tests.helpers.install import make_ctx, make_host
from tests.helpers.release_truth import runnable
from tests.install.test_gpu_hosts import PINNED, UNPINNED
from torchsetup.install.model import InstallRequest
from torchsetup.install.releases import load_releases
from torchsetup.install.resolve import resolve

DATA = load_releases()
UV_ORDER = [
    ("cu132", "580"),
    ("cu130", "580"),
    ("cu129", "525.60.13"),
    ("cu128", "525.60.13"),
    ("cu126", "525.60.13"),
    ("cu124", "525.60.13"),
    ("cu121", "525.60.13"),
    ("cu118", "450.80.02"),
    ("cu117", "450.80.02"),
    ("cu116", "450.80.02"),
    ("cu113", "450.80.02"),
    ("cu111", "450.80.02"),
    ("cu102", "440.33"),
]


def uv_pick(driver: str, pin: str | None) -> str:
    """What uv's --torch-backend=auto installs for this driver (and pin)."""
    index = next(v for v, low in UV_ORDER if Version(driver) >= Version(low))
    releases = [r for r in DATA.newest_first if index in r.variants]
    if pin is None:
        return f"{releases[0].version}+{index}"
    if any(str(r.version) == pin for r in releases):
        return f"{pin}+{index}"
    return f"no solution ({index} lacks {pin})"


def verdict(pick: str, driver: str, caps: list[Version]) -> str:
    """runs / cpu / does not run / -, by the release-truth oracle."""
    if "+" not in pick or pick.startswith("no solution"):
        return "-"
    version, variant = pick.split("+")
    if variant == "cpu":
        return "cpu"
    return "runs" if variant in runnable(Version(version), driver, caps) else "DOES NOT RUN"


def main() -> None:
    """Print the table and how many of uv's picks fail."""
    rows = [(d, s, None) for d, s in UNPINNED] + list(PINNED)
    print("| driver | GPUs | --torch | torchsetup | uv --torch-backend=auto |")
    print("|---|---|---|---|---|")
    bad = 0
    for driver, sms, pin in rows:
        caps = [Version(s) for s in sms]
        plan = resolve(InstallRequest(torch=pin), make_ctx(make_host(driver=driver, sms=sms)))
        uv = uv_pick(driver, pin)
        uv_verdict = verdict(uv, driver, caps)
        bad += uv_verdict == "DOES NOT RUN" or uv.startswith("no solution")
        gpus = "+".join("sm_" + s.replace(".", "") for s in sms)
        ours = f"{plan.torch} ({verdict(plan.torch, driver, caps)})"
        print(f"| {driver} | {gpus} | {pin or '-'} | {ours} | {uv} ({uv_verdict}) |")
    print(f"\n{len(rows)} hosts; uv's pick does not run or does not resolve on {bad}")


if __name__ == "__main__":
    main()
