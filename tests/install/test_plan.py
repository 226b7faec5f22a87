"""The plan's numpy requirement and bytecode choice (pure: resolve on made-up hosts)."""

from __future__ import annotations

import pytest

from tests.helpers.install import make_ctx, make_host
from torchsetup.envcheck.numpy_abi import numpy_requirement
from torchsetup.install.model import InstallRequest
from torchsetup.install.resolve import resolve


@pytest.mark.parametrize(
    ("torch", "want"), [("2.2.2", "numpy<2"), ("1.9.0", "numpy<2"), ("2.13.0", "numpy")]
)
def test_default_plan_adds_the_numpy_abi_compatible_with_torch(torch: str, want: str) -> None:
    plan = resolve(InstallRequest(torch=torch), make_ctx(make_host()))
    assert plan.numpy == want
    assert plan.requirements[-1] == want
    reason = next(c.reason for c in plan.choices if c.what == "numpy")
    assert ("numpy 1.x" in reason) == (want == "numpy<2")


def test_no_numpy_leaves_numpy_out_and_says_so() -> None:
    plan = resolve(InstallRequest(torch="2.13.0", numpy=False), make_ctx(make_host()))
    assert plan.numpy is None
    assert not any(r.startswith("numpy") for r in plan.requirements)
    choice = next(c for c in plan.choices if c.what == "numpy")
    assert (choice.value, "--no-numpy" in choice.reason) == ("none", True)


def test_companions_choice_does_not_list_numpy() -> None:
    request = InstallRequest(torch="2.13.0", with_packages=("torchvision",))
    plan = resolve(request, make_ctx(make_host()))
    assert next(c.value for c in plan.choices if c.what == "companions") == "torchvision==0.28.0"


def test_numpy_rule_is_the_doctors() -> None:
    assert (numpy_requirement("2.3.0"), numpy_requirement("2.2.0+cu121")) == ("numpy", "numpy<2")
    assert numpy_requirement(None) == "numpy"
