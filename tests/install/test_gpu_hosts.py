"""Acceptance: on many GPU hosts every pick runs on every GPU, and unpinned it is the newest
release with such a build (oracle: tests/helpers/release_truth.py, written from the reference)."""

from __future__ import annotations

import itertools

import pytest
from packaging.version import Version

from tests.helpers.install import make_ctx, make_host
from tests.helpers.release_truth import runnable, truth_versions
from torchsetup.install.model import InstallRequest
from torchsetup.install.resolve import resolve

DRIVERS = (
    "450.80.02",
    "470.82.01",
    "525.60.13",
    "535.104.05",
    "550.54.14",
    "570.86.10",
    "580.65.06",
)
GPUS = (
    ("3.7",),
    ("5.2",),
    ("6.1",),
    ("7.0",),
    ("7.5",),
    ("8.0",),
    ("8.6",),
    ("8.9",),
    ("9.0",),
    ("10.0",),
    ("12.0",),
    ("6.1", "8.6"),
    ("7.0", "9.0"),
    ("3.7", "8.0"),
    ("8.0", "12.0"),
)
UNPINNED = list(itertools.product(DRIVERS, GPUS))
PINNED = [
    ("580.65.06", ("6.1",), "2.15.0"),
    ("580.65.06", ("7.0",), "2.11.0"),
    ("570.86.10", ("7.0",), "2.10.0"),
    ("570.86.10", ("7.0",), "2.8.0"),
    ("570.86.10", ("6.1",), "2.7.1"),
    ("570.86.10", ("12.0",), "2.7.1"),
    ("525.60.13", ("9.0",), "2.0.1"),
    ("470.82.01", ("9.0",), "2.0.1"),
    ("470.82.01", ("3.7",), "2.3.1"),
    ("470.82.01", ("3.7",), "2.6.0"),
    ("450.80.02", ("8.6",), "1.13.1"),
    ("535.104.05", ("5.2",), "2.14.1"),
    ("580.65.06", ("10.0",), "2.12.1"),
]


def _caps(sms: tuple[str, ...]) -> list[Version]:
    return [Version(s) for s in sms]


@pytest.mark.parametrize(
    ("driver", "sms"), UNPINNED, ids=[f"{d}-{'+'.join(s)}" for d, s in UNPINNED]
)
def test_unpinned_pick_runs_on_every_gpu_and_is_newest(driver: str, sms: tuple[str, ...]) -> None:
    host = make_host(driver=driver, sms=sms)
    plan = resolve(InstallRequest(), make_ctx(host))
    newest = next((v for v in truth_versions() if runnable(v, driver, _caps(sms))), None)
    torch = Version(plan.torch)
    if newest is None:
        assert plan.variant == "cpu"
    else:
        assert Version(torch.public) == newest
        assert plan.variant in runnable(newest, driver, _caps(sms))


@pytest.mark.parametrize(("driver", "sms", "torch"), PINNED)
def test_pinned_pick_runs_on_every_gpu(driver: str, sms: tuple[str, ...], torch: str) -> None:
    host = make_host(driver=driver, sms=sms)
    plan = resolve(InstallRequest(torch=torch), make_ctx(host))
    fits = runnable(Version(torch), driver, _caps(sms))
    assert Version(plan.torch).public == torch
    assert plan.variant in fits if fits else plan.variant == "cpu"
