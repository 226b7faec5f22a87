"""Resolution table: host facts + request → torch version, variant, interpreter, companions."""

from __future__ import annotations

import pytest

from tests.helpers.install import make_ctx, make_host, make_sources
from torchsetup.errors import TorchsetupError
from torchsetup.install.model import InstallRequest, PipSettings, TorchBuild
from torchsetup.install.resolve import ResolveError, UnknownChoice, resolve

PYTORCH = "https://download.pytorch.org/whl"


@pytest.mark.parametrize(
    ("driver", "sms", "pythons", "torch", "want_torch", "want_variant"),
    [
        ("440.33", ("7.0",), ("3.11.7", "3.9.18"), "1.9.0", "1.9.0+cu102", "cu102"),
        ("535.104.05", ("6.1",), ("3.11.7",), None, "2.14.1+cu126", "cu126"),
        ("580.65.06", ("9.0",), ("3.11.7",), "2.13.0", "2.13.0+cu130", "cu130"),
        ("580", ("9.0",), ("3.11.7",), "2.15.0", "2.15.0+cu132", "cu132"),
        ("580", ("9.0",), ("3.11.7",), None, "2.15.0+cu132", "cu132"),
        ("470.82.01", ("8.6",), ("3.11.7",), None, "2.7.1+cu118", "cu118"),
        ("470.82.01", ("8.6",), ("3.11.7",), "2.13.0", "2.13.0+cpu", "cpu"),
        (None, (), ("3.11.7",), None, "2.15.0+cpu", "cpu"),
        ("570.86", ("12.0",), ("3.11.7",), "2.7.1", "2.7.1+cu128", "cu128"),
        ("570.86", ("6.1",), ("3.11.7",), "2.8.0", "2.8.0+cu126", "cu126"),
        ("580.65.06", ("6.1",), ("3.11.7",), None, "2.14.1+cu126", "cu126"),
        ("570.86", ("12.0",), ("3.11.7",), None, "2.11.0+cu128", "cu128"),
        ("580.65.06", ("12.0",), ("3.11.7",), None, "2.15.0+cu132", "cu132"),
        ("570.86", ("12.0",), ("3.11.7",), "2.6.0", "2.6.0+cpu", "cpu"),
        ("550.54.14", ("8.0", "6.1"), ("3.11.7",), "2.13.0", "2.13.0+cu126", "cu126"),
    ],
)
def test_auto_variant_table(
    driver: str | None,
    sms: tuple[str, ...],
    pythons: tuple[str, ...],
    torch: str | None,
    want_torch: str,
    want_variant: str,
) -> None:
    host = make_host(driver=driver, sms=sms, pythons=pythons)
    plan = resolve(InstallRequest(torch=torch), make_ctx(host))
    assert (plan.torch, plan.variant) == (want_torch, want_variant)


def test_old_driver_explains_the_step_back() -> None:
    host = make_host(driver="470.82.01", sms=("8.6",))
    plan = resolve(InstallRequest(), make_ctx(host))
    reasons = {c.what: c.reason for c in plan.choices}
    assert "not 2.15.0" in reasons["torch"]
    assert "driver 470.82.01" in reasons["variant"]


def test_sm61_reason_names_the_builds_without_it() -> None:
    host = make_host(driver="535.104.05", sms=("6.1",))
    plan = resolve(InstallRequest(), make_ctx(host))
    variant = next(c for c in plan.choices if c.what == "variant")
    assert variant.reason == (
        "cu126: driver 535.104.05, GPU sm_61; driver 535.104.05 is too old for cu130/cu132 "
        "(needs ≥ 580); sm_61 is not in the cu130/cu132 builds"
    )


def test_macos_arm64_gets_pypi_build() -> None:
    host = make_host(system="Darwin", arch="arm64")
    plan = resolve(InstallRequest(), make_ctx(host))
    assert (plan.torch, plan.variant, plan.offer.kind) == ("2.15.0", "mps", "pypi")


def test_rocm_gpu_gets_rocm_build() -> None:
    host = make_host(gfx=("gfx90a",))
    plan = resolve(InstallRequest(torch="2.13.0"), make_ctx(host))
    assert plan.variant == "rocm7.2"


def test_rdna4_gpu_gets_the_rocm63_build_of_271() -> None:
    # torch.cuda.get_arch_list() of the rocm6.3 wheels lists gfx1200/gfx1201 (uv's table).
    host = make_host(gfx=("gfx1201",))
    plan = resolve(InstallRequest(torch="2.7.1"), make_ctx(host))
    assert plan.variant == "rocm6.3"


def test_old_torch_picks_fitting_interpreter() -> None:
    host = make_host(pythons=("3.11.7", "3.7.16", "3.9.18"))
    plan = resolve(InstallRequest(torch="1.9.0"), make_ctx(host))
    assert plan.interpreter is not None
    assert plan.python_version == "3.9.18"


def test_old_torch_without_interpreter_plans_uv_python_install() -> None:
    plan = resolve(InstallRequest(torch="1.9.0"), make_ctx(make_host()))
    assert (plan.interpreter, plan.python_version) == (None, "3.9")


def test_old_torch_offline_without_interpreter_names_one() -> None:
    with pytest.raises(ResolveError, match=r"needs Python 3\.6–3\.9") as err:
        resolve(InstallRequest(torch="1.9.0", offline=True), make_ctx(make_host()))
    assert err.value.hint == "uv python install 3.9"


def test_python_that_cannot_run_torch_version_is_usage_error() -> None:
    with pytest.raises(ResolveError, match=r"no wheels for Python 3\.11") as err:
        resolve(InstallRequest(torch="1.9.0", python="3.11"), make_ctx(make_host()))
    assert err.value.hint == "torchsetup install --torch 1.9.0 --python 3.9"


def test_unknown_torch_version() -> None:
    with pytest.raises(UnknownChoice, match=r"unknown torch version 9\.9"):
        resolve(InstallRequest(torch="9.9"), make_ctx(make_host()))


def test_unknown_variant() -> None:
    with pytest.raises(UnknownChoice, match="unknown variant cu999"):
        resolve(InstallRequest(variant="cu999"), make_ctx(make_host()))


def test_variant_missing_from_release_suggests_one_that_has_it() -> None:
    with pytest.raises(ResolveError, match="has no cu130 build") as err:
        resolve(InstallRequest(torch="1.9.0", variant="cu130"), make_ctx(make_host()))
    assert err.value.hint == "torchsetup install --torch 2.15.0 --variant cu130"


def test_python_27_has_no_release() -> None:
    host = make_host(pythons=("3.11.7", "2.7.18"))
    with pytest.raises(UnknownChoice, match=r"Python 2\.7"):
        resolve(InstallRequest(python="2.7"), make_ctx(host))


@pytest.mark.parametrize(
    ("torch", "vision", "audio"),
    [
        ("1.9.0", "0.10.0", "0.9.0"),
        ("1.10.2", "0.11.3", "0.10.2"),
        ("1.11.0", "0.12.0", "0.11.0"),
        ("1.12.1", "0.13.1", "0.12.1"),
        ("1.13.1", "0.14.1", "0.13.1"),
        ("2.0.0", "0.15.1", "2.0.1"),
        ("2.0.1", "0.15.2", "2.0.2"),
        ("2.5.1", "0.20.1", "2.5.1"),
        ("2.6.0", "0.21.0", "2.6.0"),
        ("2.10.0", "0.25.0", "2.10.0"),
        ("2.11.0", "0.26.0", "2.11.0"),
        ("2.13.0", "0.28.0", "2.11.1"),
        ("2.14.0", "0.29.0", "2.11.1"),
        ("2.15.0", "0.29.2", "2.11.1"),
    ],
)
def test_companions_match_reference_pins(torch: str, vision: str, audio: str) -> None:
    host = make_host(pythons=("3.11.7", "3.9.18"))
    request = InstallRequest(torch=torch, with_packages=("torchvision", "torchaudio"), numpy=False)
    plan = resolve(request, make_ctx(host))
    names = [r.split("==")[0] for r in plan.requirements]
    pins = [r.split("==")[1].split("+")[0] for r in plan.requirements]
    assert names == ["torch", "torchvision", "torchaudio"]
    assert pins[1:] == [vision, audio]


def test_find_links_era_pins_local_tags() -> None:
    host = make_host(pythons=("3.11.7", "3.9.18"))
    request = InstallRequest(torch="1.9.0", variant="cpu", with_packages=("torchvision",))
    plan = resolve(request, make_ctx(host))
    assert plan.requirements == ("torch==1.9.0+cpu", "torchvision==0.10.0+cpu", "numpy<2")
    assert plan.offer.find_links[0] == f"{PYTORCH}/torch_stable.html"


def test_index_url_era_uses_index_url() -> None:
    plan = resolve(InstallRequest(torch="2.13.0"), make_ctx(make_host()))
    assert plan.offer.index_url == f"{PYTORCH}/cpu"


def test_extra_index_era_uses_extra_index_url() -> None:
    plan = resolve(
        InstallRequest(torch="1.12.1", variant="cpu"), make_ctx(make_host(pythons=("3.10.13",)))
    )
    assert plan.offer.extra_index_urls[0] == f"{PYTORCH}/cpu"


_LOCAL = TorchBuild(
    "2.13.0+cpu",
    "torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl",
    "file:///opt/wheels/torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl",
    "/opt/wheels",
)
_MIRROR = TorchBuild(
    "2.14.1",
    "torch-2.14.1-cp311-cp311-manylinux_2_28_x86_64.whl",
    "file:///opt/pypi-more/files/torch-2.14.1-cp311-cp311-manylinux_2_28_x86_64.whl",
    "file:///opt/pypi-more/simple",
)


def test_cpu_host_prefers_local_cpu_build_over_newer_cuda_build() -> None:
    pip = PipSettings(
        find_links=("/opt/wheels",), extra_index_urls=("file:///opt/pypi-more/simple",)
    )
    sources = make_sources((_LOCAL, _MIRROR), pip, constraint="<=2.14.1")
    plan = resolve(InstallRequest(), make_ctx(make_host(), sources, unreachable=(PYTORCH,)))
    assert (plan.torch, plan.offer.label) == ("2.13.0+cpu", "/opt/wheels")
    assert any("unreachable" in n for n in plan.notes)
    assert any(
        n.startswith("torch 2.14.1 is at hand only as PyPI's CUDA build") for n in plan.notes
    )


def test_pinned_version_without_cpu_build_takes_pypi_build_and_says_size() -> None:
    host = make_host(pythons=("3.11.7", "3.7.16"))
    plan = resolve(
        InstallRequest(torch="1.9.0", python="3.7"), make_ctx(host, unreachable=(PYTORCH,))
    )
    assert (plan.torch, plan.variant, plan.offer.kind) == ("1.9.0", "cu102", "pypi")
    assert any("831 MB" in n for n in plan.notes)


def test_nothing_reachable_is_an_error_with_a_hint() -> None:
    ctx = make_ctx(make_host(), unreachable=("https://",))
    with pytest.raises(TorchsetupError, match=r"^no reachable source has a torch build") as err:
        resolve(InstallRequest(), ctx)
    assert str(err.value.hint).startswith("torchsetup install --find-links DIR")


def test_constraint_excludes_newer_releases() -> None:
    plan = resolve(InstallRequest(), make_ctx(make_host(), make_sources(constraint="<=2.14.1")))
    assert plan.torch == "2.14.1+cpu"


def test_existing_venv_with_other_python_is_refused() -> None:
    from pathlib import Path

    from torchsetup.errors import UsageError

    ctx = make_ctx(make_host(), venvs={Path("/v"): "3.9.18"})
    with pytest.raises(UsageError, match=r"Python 3\.9\.18"):
        resolve(InstallRequest(venv=Path("/v")), ctx)


def test_python_37_uses_uv_for_venv_and_install() -> None:
    host = make_host(pythons=("3.11.7", "3.7.16"))
    plan = resolve(InstallRequest(torch="1.9.0", python="3.7"), make_ctx(host))
    assert (plan.installer, plan.venv_creator) == ("uv", "uv")


def test_python_36_installs_with_pip() -> None:
    host = make_host(pythons=("3.11.7", "3.6.15"))
    plan = resolve(InstallRequest(torch="1.9.0", python="3.6"), make_ctx(host))
    assert (plan.installer, plan.venv_creator) == ("pip", "uv")


def test_python_path_is_used_when_it_fits() -> None:
    from dataclasses import replace

    from torchsetup.host.model import Interpreter

    py = Interpreter("/opt/py39/bin/python", "3.9.18", 64, "CPython", "requested")
    ctx = replace(make_ctx(make_host()), requested_python=py)
    plan = resolve(InstallRequest(torch="1.9.0", python="/opt/py39/bin/python"), ctx)
    assert plan.interpreter == py
    assert next(c for c in plan.choices if c.what == "python").reason.startswith("asked for")


def test_no_index_in_pip_config_reaches_the_install_command() -> None:
    pip = PipSettings(find_links=("/opt/wheels",), no_index=True)
    sources = make_sources((_LOCAL,), pip)
    plan = resolve(InstallRequest(torch="2.13.0"), make_ctx(make_host(), sources))
    assert plan.offer.no_index
    assert "--no-index" in plan.pip_command


def test_aarch64_pypi_build_is_cpu_before_2_11() -> None:
    host = make_host(arch="aarch64")
    plan = resolve(InstallRequest(torch="2.10.0"), make_ctx(host, unreachable=(PYTORCH,)))
    assert (plan.torch, plan.variant, plan.offer.kind) == ("2.10.0", "cpu", "pypi")


@pytest.mark.parametrize(
    ("torch", "want"), [("2.15.0+cu132", "2.15.0+cu132"), ("2.13.0+cpu", "2.13.0+cpu")]
)
def test_torch_with_local_tag_is_version_and_variant(torch: str, want: str) -> None:
    host = make_host(driver="580.65.06", sms=("9.0",))
    plan = resolve(InstallRequest(torch=torch), make_ctx(host))
    assert (plan.torch, plan.variant) == (want, want.split("+")[1])


def test_torch_local_tag_against_other_variant_is_refused() -> None:
    with pytest.raises(UnknownChoice, match="names variant cu132") as err:
        resolve(InstallRequest(torch="2.15.0+cu132", variant="cpu"), make_ctx(make_host()))
    assert err.value.hint == "torchsetup install --torch 2.15.0 --variant cpu"


def test_grace_hopper_aarch64_gets_a_cuda_build() -> None:
    host = make_host(driver="580.65.06", sms=("9.0",), arch="aarch64")
    plan = resolve(InstallRequest(), make_ctx(host))
    assert (plan.torch, plan.offer.kind) == ("2.15.0+cu132", "pytorch")


def test_volta_gets_cu128_of_2_10_when_driver_is_below_580() -> None:
    host = make_host(driver="570.86", sms=("7.0",))
    plan = resolve(InstallRequest(torch="2.10.0"), make_ctx(host))
    assert plan.torch == "2.10.0+cu128"


def test_pascal_has_no_2_15_gpu_build_and_says_which_is_newest() -> None:
    host = make_host(driver="580.65.06", sms=("6.1",))
    plan = resolve(InstallRequest(), make_ctx(host))
    reasons = {c.what: c.reason for c in plan.choices}
    assert plan.torch == "2.14.1+cu126"
    assert "not 2.15.0" in reasons["torch"]


def test_aarch64_python_range_excludes_cp311_for_1_13() -> None:
    host = make_host(arch="aarch64", pythons=("3.11.7", "3.10.13"))
    plan = resolve(InstallRequest(torch="1.13.1"), make_ctx(host))
    assert plan.python_version == "3.10.13"


def _run_hint(hint: str, ctx: object) -> None:
    """Resolve what the hint says, as printed (flags --torch/--python/--variant)."""
    words = hint.split()
    assert words[:2] == ["torchsetup", "install"], hint
    opts = dict(zip(words[2::2], words[3::2]))
    request = InstallRequest(
        torch=opts.get("--torch"),
        python=opts.get("--python"),
        variant=opts.get("--variant", "auto"),
    )
    resolve(request, ctx)  # type: ignore[arg-type]


@pytest.mark.parametrize("python", ["3.15", "2.7"])
def test_python_hint_respects_the_pip_constraint_and_works(python: str) -> None:
    host = make_host(pythons=("3.11.7", "3.14.0", "2.7.18"))
    ctx = make_ctx(host, make_sources(constraint="<=2.14.1"))
    with pytest.raises(UnknownChoice) as err:
        resolve(InstallRequest(python=python), ctx)
    assert err.value.hint == "torchsetup install --python 3.14"
    _run_hint(err.value.hint, ctx)


def test_python_excluded_by_constraint_says_so() -> None:
    ctx = make_ctx(make_host(), make_sources(constraint="<=2.14.1"))
    with pytest.raises(UnknownChoice, match=r"constraint torch<=2\.14\.1 .* excludes 2\.15\.0"):
        resolve(InstallRequest(python="3.15"), ctx)


def test_torch_latest_is_the_newest_the_constraint_allows() -> None:
    ctx = make_ctx(make_host(), make_sources(constraint="<=2.14.1"))
    assert resolve(InstallRequest(torch="latest"), ctx).torch == "2.14.1+cpu"


def test_unknown_version_hint_is_allowed_by_the_constraint() -> None:
    ctx = make_ctx(make_host(), make_sources(constraint="<=2.14.1"))
    with pytest.raises(UnknownChoice) as err:
        resolve(InstallRequest(torch="9.9"), ctx)
    assert err.value.hint == "torchsetup install --torch 2.14.1"
    _run_hint(err.value.hint, ctx)


def test_python_313_without_cpu_source_takes_pypis_build() -> None:
    host = make_host(pythons=("3.11.7", "3.13.1"))
    plan = resolve(InstallRequest(python="3.13"), make_ctx(host, unreachable=(PYTORCH,)))
    assert (plan.torch, plan.offer.kind, plan.python_version) == ("2.15.0", "pypi", "3.13.1")
    assert any("it runs on the CPU" in n for n in plan.notes)


def test_from_lock_reasons_name_the_lock_not_options() -> None:
    from pathlib import Path

    request = InstallRequest(
        torch="2.13.0", variant="cpu", python="3.11", from_lock=Path("/x/torch.lock")
    )
    plan = resolve(request, make_ctx(make_host()))
    reasons = " ".join(c.reason for c in plan.choices)
    assert "asked for with" not in reasons
    assert reasons.count("from the lock /x/torch.lock") == 3


@pytest.mark.parametrize(
    ("filename", "fits"),
    [
        ("torch-2.15.0-cp314-cp314-manylinux_2_28_x86_64.whl", True),
        ("torch-2.15.0-cp314-cp314t-manylinux_2_28_x86_64.whl", False),
        ("torch-2.15.0-cp313-cp313-manylinux_2_28_x86_64.whl", False),
        ("torchaudio-2.11.1-py3-none-any.whl", True),
        ("torch-2.15.0-cp314-cp314-macosx_14_0_arm64.whl", False),
    ],
)
def test_wheel_tags_as_a_normal_314_accepts_them(filename: str, fits: bool) -> None:
    from packaging.version import Version

    from torchsetup.install.offers import wheel_fits

    assert wheel_fits(filename, Version("3.14"), "linux-x86_64") == fits
