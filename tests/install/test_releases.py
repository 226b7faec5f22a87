"""The shipped release data against release-truth.md, written out here independently of it."""

from __future__ import annotations

import json
import runpy
from importlib import resources
from pathlib import Path

import pytest
from packaging.version import Version

from tests.helpers.install import make_host
from tests.helpers.release_truth import truth_builds
from torchsetup.install.releases import Release, cuda_version, load_releases
from torchsetup.install.variants import platform_problem

DATA = load_releases()
IDS = [str(r.version) for r in DATA.releases]


@pytest.mark.parametrize("release", DATA.releases, ids=IDS)
def test_cuda_builds_and_archs_are_release_truth(release: Release) -> None:
    shipped = {}
    for build in release.cuda:
        sms = " ".join(str(v) for v in build.sm)
        shipped[build.variant] = sms + ("+" if build.ptx == build.sm[-1] else "")
        assert build.ptx in (None, build.sm[-1])
    assert shipped == truth_builds(release.version)


def test_releases_are_strictly_increasing() -> None:
    versions = [r.version for r in DATA.releases]
    assert versions == sorted(versions)
    assert len(set(versions)) == len(versions)


def test_newest_first_sorts_numerically_not_as_strings() -> None:
    order = [str(r.version) for r in DATA.newest_first]
    assert order.index("2.10.0") < order.index("2.9.1")


@pytest.mark.parametrize("release", DATA.releases, ids=IDS)
def test_index_style_matches_era(release: Release) -> None:
    version = release.version
    want = (
        "find-links"
        if version < Version("1.11")
        else ("extra-index-url" if version < Version("2.0") else "index-url")
    )
    assert release.index_style == want


@pytest.mark.parametrize("release", DATA.releases, ids=IDS)
def test_every_cuda_build_has_driver_and_cites_a_source(release: Release) -> None:
    for build in (*release.cuda, *release.cuda_aarch64):
        assert build.min_driver >= Version("440")
        assert build.sm == tuple(sorted(build.sm)), build.variant
        assert Version("3.5") <= build.sm[0], build.variant
        assert cuda_version(build.variant) == build.cuda
    assert release.arch_source.strip()


@pytest.mark.parametrize("release", DATA.releases, ids=IDS)
def test_pypi_build_is_one_of_the_variants(release: Release) -> None:
    assert release.pypi_build in release.variants
    assert release.cpu


# Companion pins (release-truth.md §2; the wheels' Requires-Dist), newest of each torch minor.
COMPANIONS = {
    "1.9.0": ("0.10.0", "0.9.0"),
    "1.13.1": ("0.14.1", "0.13.1"),
    "2.0.1": ("0.15.2", "2.0.2"),
    "2.10.0": ("0.25.0", "2.10.0"),
    "2.11.0": ("0.26.0", "2.11.0"),
    "2.12.1": ("0.27.1", "2.11.1"),
    "2.13.0": ("0.28.0", "2.11.1"),
    "2.14.1": ("0.29.1", "2.11.1"),
    "2.15.0": ("0.29.2", "2.11.1"),
}


@pytest.mark.parametrize(("torch", "pins"), COMPANIONS.items())
def test_companion_pins_are_release_truth(torch: str, pins: tuple[str, str]) -> None:
    release = DATA.find(torch)
    assert release is not None
    assert (str(release.torchvision), str(release.torchaudio)) == pins


@pytest.mark.parametrize(
    ("system", "arch", "macos", "torch", "ok"),
    [
        ("Darwin", "arm64", "13.6", "1.9.0", True),
        ("Darwin", "arm64", "13.6", "1.10.2", True),
        ("Darwin", "arm64", "13.6", "1.11.0", True),
        ("Darwin", "arm64", "13.6", "1.9.1", False),
        ("Darwin", "arm64", "13.6", "2.11.0", True),
        ("Darwin", "arm64", "13.6", "2.12.0", False),
        ("Darwin", "arm64", "14.5", "2.15.0", True),
        ("Linux", "aarch64", None, "1.9.1", False),
        ("Linux", "aarch64", None, "1.9.0", True),
    ],
)
def test_platform_floors_are_release_truth(
    system: str, arch: str, macos: str | None, torch: str, ok: bool
) -> None:
    from dataclasses import replace

    from torchsetup.host.model import AppleInfo

    host = make_host(system=system, arch=arch)
    if macos:
        host = replace(host, apple=AppleInfo(macos, False))
    release = DATA.find(torch)
    assert release is not None
    assert (platform_problem(release, host, DATA) is None) == ok


@pytest.mark.parametrize(
    ("torch", "platform", "python", "ok"),
    [
        ("1.13.1", "linux-x86_64", "3.11", True),
        ("1.13.1", "linux-aarch64", "3.11", False),
        ("1.13.1", "macos-arm64", "3.11", False),
        ("2.5.1", "linux-x86_64", "3.13", True),
        ("2.5.1", "linux-aarch64", "3.13", False),
        ("2.5.1", "macos-arm64", "3.13", False),
        ("2.5.1", "macos-arm64", "3.12", True),
    ],
)
def test_python_ranges_per_platform(torch: str, platform: str, python: str, ok: bool) -> None:
    release = DATA.find(torch)
    assert release is not None
    assert release.python_for(platform).contains(python) == ok


@pytest.mark.parametrize(
    ("torch", "x86_64", "aarch64"),
    [("2.5.1", "2.17", "2.17"), ("2.6.0", "2.17", "2.28"), ("2.7.0", "2.28", "2.28")],
)
def test_glibc_floors_per_architecture(torch: str, x86_64: str, aarch64: str) -> None:
    release = DATA.find(torch)
    assert release is not None
    got = (release.glibc_for("linux-x86_64"), release.glibc_for("linux-aarch64"))
    assert got == (Version(x86_64), Version(aarch64))


def test_aarch64_cuda_builds_cover_grace_hopper() -> None:
    release = DATA.find("2.14.1")
    assert release is not None
    arm = {b.variant: b for b in release.cuda_for("linux-aarch64")}
    assert sorted(arm) == ["cu126", "cu130", "cu132"]
    assert all(b.runs_on(Version("9.0")) for b in arm.values())
    assert not arm["cu126"].runs_on(Version("7.5"))


@pytest.mark.parametrize("release", DATA.releases, ids=IDS)
def test_python_range_is_not_empty(release: Release) -> None:
    spec = release.python
    assert any(spec.contains(f"3.{m}") for m in range(6, 16))


def test_driver_minimums_rise_with_cuda() -> None:
    pairs = sorted((Version(k), v) for k, v in DATA.cuda_drivers.items())
    drivers = [Version(v) for _, v in pairs]
    assert drivers == sorted(drivers)


def test_shipped_json_is_what_the_generator_writes() -> None:
    root = Path(__file__).resolve().parents[2]
    generator = runpy.run_path(str(root / "tools" / "make_releases.py"))
    shipped = (
        resources.files("torchsetup").joinpath("install/data/releases.json").read_text("utf-8")
    )
    assert json.loads(shipped) == generator["build_doc"]()


@pytest.mark.parametrize(
    ("name", "version", "python"),
    [
        ("torchvision", "0.14.1", "3.11"),
        ("torchaudio", "0.13.0", "3.11"),
        ("torchvision", "0.20.1", "3.13"),
        ("torchaudio", "2.5.1", "3.13"),
        ("torchvision", "0.11.3", "3.6"),
        ("torchaudio", "0.10.2", "3.6"),
        ("torchaudio", "2.11.0", "3.15"),
    ],
)
def test_companion_python_gaps_are_release_truth(name: str, version: str, python: str) -> None:
    rows = [
        g
        for g in DATA.companion_gaps
        if g.name == name and g.versions.contains(Version(version)) and python in g.pythons
    ]
    assert len(rows) == 1
    assert rows[0].source.startswith("release-truth.md §2")


def test_companion_python_gaps_spare_the_neighbouring_versions() -> None:
    spared = [("torchvision", "0.15.1"), ("torchaudio", "2.11.1"), ("torchvision", "0.11.2")]
    for name, version in spared:
        assert not [
            g
            for g in DATA.companion_gaps
            if g.name == name and g.versions.contains(Version(version))
        ]
