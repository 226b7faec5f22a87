"""How the doctor splits its tasks into concurrent probe children."""

from __future__ import annotations

from torchsetup.envcheck.core import _plan_groups, select_checks


def test_optimizer_check_runs_in_its_own_child_beside_the_other_torch_checks() -> None:
    groups = _plan_groups(select_checks((), core_only=True), gpu_present=False)
    alone = next(g for g in groups if "torch.optim.convergence" in g)
    assert alone == ["torch.import", "torch.optim.convergence"]
    rest = next(g for g in groups if "torch.autograd.custom_function" in g)
    assert rest[0] == "torch.import"
    assert "torch.optim.convergence" not in rest


def test_optimizer_alone_imports_torch_in_one_child_only() -> None:
    groups = _plan_groups(select_checks(("torch.optim",)), gpu_present=False)
    assert sum("torch.import" in g for g in groups) == 1
