"""Pure helpers: arch rules, driver minimums, glibc floors, empty PATH entries, comparisons."""

from __future__ import annotations

import pytest

from torchsetup.envcheck.checks.base import close
from torchsetup.envcheck.checks.environment import empty_entries, required_glibc
from torchsetup.envcheck.checks.gpu_tables import arch_supported, driver_minimum, variant_for
from torchsetup.envcheck.core import select_checks


@pytest.mark.parametrize(
    ("capability", "archs", "supported"),
    [
        ("6.1", ["sm_75", "sm_80", "sm_90"], False),
        ("6.1", ["sm_60", "sm_70"], True),  # same major, lower minor: SASS runs
        ("8.9", ["sm_80", "sm_86"], True),
        ("12.0", ["sm_90", "compute_90"], True),  # PTX JIT-compiles forward
        ("7.5", ["sm_80", "compute_80"], False),
    ],
)
def test_arch_supported(capability: str, archs: list[str], supported: bool) -> None:
    assert arch_supported(capability, archs) is supported


@pytest.mark.parametrize(
    ("cuda", "minimum"),
    [
        ("13.0", "580"),
        ("12.2", "525.60.13"),  # no cu122 wheels: the 12.x minimum
        ("12.8", "525.60.13"),
        ("11.8", "450.80.02"),
        ("10.2", "440.33"),
        ("9.0", None),
    ],
)
def test_driver_minimum(cuda: str, minimum: str | None) -> None:
    assert driver_minimum(cuda) == minimum


def test_variant_for_pascal_is_cu126() -> None:
    assert variant_for("6.1", "570.86.10", "2.13.0") == "cu126"


def test_variant_for_h100_is_what_install_picks() -> None:
    # torchsetup install on a real H100 (driver 580.159.04) planned 2.13.0+cu130: cu132 is
    # experimental in 2.13, and the doctor's fix must name the same build.
    assert variant_for("9.0", "580.159.04", "2.13.0") == "cu130"


def test_variant_for_an_unknown_release_is_none() -> None:
    assert variant_for("9.0", "580.159.04", "9.9.0") is None


@pytest.mark.parametrize(
    ("tags", "glibc"),
    [
        (["cp311-cp311-manylinux_2_28_x86_64"], (2, 28)),
        (["cp37-cp37m-manylinux2014_x86_64"], (2, 17)),
        (["cp37-cp37m-manylinux_2_12_x86_64", "cp37-cp37m-manylinux2010_x86_64"], (2, 12)),
        (["cp37-cp37m-linux_x86_64"], None),
    ],
)
def test_required_glibc(tags: list[str], glibc: tuple[int, int] | None) -> None:
    assert required_glibc(tags) == glibc


@pytest.mark.parametrize(
    ("value", "positions"),
    [("/a:/b", []), ("/a:", [1]), (":/a", [0]), ("/a::/b", [1]), ("", [0])],
)
def test_empty_entries(value: str, positions: list[int]) -> None:
    assert empty_entries(value) == positions


def test_close_compares_nested_values_with_a_tolerance() -> None:
    assert close([[0.5547001957893372]], [[0.5547001962]])
    assert not close([[1, 2]], [[1, 3]])


def test_group_prefix_selects_every_check_in_it() -> None:
    ids = [c.spec.id for c in select_checks(["torch.autograd"])]
    assert ids == ["torch.autograd.grad_value", "torch.autograd.custom_function"]
