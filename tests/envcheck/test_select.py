"""Which checks a doctor run selects: everything but the opt-in groups unless they are named."""

from __future__ import annotations

from torchsetup.envcheck.core import select_checks


def test_a_plain_doctor_leaves_the_opt_in_ext_group_out() -> None:
    groups = {c.spec.group for c in select_checks(())}
    assert "ext" not in groups
    assert {"seed", "install", "environment"} <= groups


def test_naming_ext_runs_the_extension_checks() -> None:
    chosen = select_checks(("ext",))
    assert chosen
    assert {c.spec.group for c in chosen} == {"ext"}
