"""The release table is internally consistent (versions compared with packaging, not strings)."""

from __future__ import annotations

from pathlib import Path

import pytest
from packaging.version import Version

from torchsetup.install.releases import Release, cuda_version, load_releases

DATA = load_releases()
IDS = [str(r.version) for r in DATA.releases]


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
def test_every_cuda_build_has_driver_and_archs(release: Release) -> None:
    for build in release.cuda:
        assert build.min_driver == Version(
            DATA.cuda_drivers[f"{build.cuda.major}.{build.cuda.minor}"]
        )
        assert build.sm == tuple(sorted(build.sm)), build.variant
        assert Version("3.5") <= build.sm[0], build.variant
        assert cuda_version(build.variant) == build.cuda


@pytest.mark.parametrize("release", DATA.releases, ids=IDS)
def test_pypi_build_is_one_of_the_variants(release: Release) -> None:
    assert release.pypi_build in release.variants
    assert release.cpu


@pytest.mark.parametrize("release", DATA.releases, ids=IDS)
def test_torchvision_minor_follows_torch_minor(release: Release) -> None:
    torch, vision = release.version, release.torchvision
    offset = 1 if torch.major == 1 else 15
    expected_minor = torch.minor + offset if torch < Version("2.15") else 29
    assert (vision.major, vision.minor) == (0, expected_minor)


@pytest.mark.parametrize("release", DATA.releases, ids=IDS)
def test_torchaudio_follows_torch_until_2_11(release: Release) -> None:
    torch, audio = release.version, release.torchaudio
    if torch >= Version("2.11"):
        assert audio == Version("2.11.0")  # built against the stable ABI: one wheel for all
    elif torch.major == 2 and torch.minor == 0:
        assert (audio.major, audio.minor) == (2, 0)
    else:
        assert audio.minor == torch.minor


@pytest.mark.parametrize("release", DATA.releases, ids=IDS)
def test_python_range_is_not_empty(release: Release) -> None:
    spec = release.python
    assert any(spec.contains(f"3.{m}") for m in range(6, 16))


def test_driver_minimums_rise_with_cuda() -> None:
    pairs = sorted((Version(k), v) for k, v in DATA.cuda_drivers.items())
    drivers = [Version(v) for _, v in pairs]
    assert drivers == sorted(drivers)


def test_newer_cuda_builds_never_gain_old_architectures_within_a_release() -> None:
    for release in DATA.releases:
        builds = sorted(release.cuda, key=lambda b: b.cuda)
        lows = [min(b.sm) for b in builds]
        assert lows == sorted(lows), release.version


def test_shipped_json_is_what_the_generator_writes() -> None:
    import json
    import runpy
    from importlib import resources

    root = Path(__file__).resolve().parents[2]
    generator = runpy.run_path(str(root / "tools" / "make_releases.py"))
    shipped = (
        resources.files("torchsetup").joinpath("install/data/releases.json").read_text("utf-8")
    )
    assert json.loads(shipped) == generator["build_doc"]()
