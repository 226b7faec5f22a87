"""Create the build venv the plan asks for (with the interpreter install found, or one uv
installs first), and remove it again when the run fails before anything was built with it."""

from __future__ import annotations

import shutil
import time

from torchsetup import runner
from torchsetup.build.model import BuildPlan, NewVenv, Step, StepFinished, StepStarted
from torchsetup.build.run import EventCallback
from torchsetup.errors import TorchsetupError
from torchsetup.install.backends import uv_bin
from torchsetup.venv import create_venv, write_marker

__all__ = ["make_venv", "remove_venv", "venv_step"]


def venv_step(plan: BuildPlan, new: NewVenv) -> Step:
    """How the venv is made, as a step to show (venv.create_venv runs it)."""
    python = new.interpreter or f"(uv python install {new.version})"
    seed = ("--seed", *new.seed_args) if new.seed else ()
    argv = ("uv", "venv", *seed, "--python", python, str(new.path))
    return Step("venv", argv, plan.source.path, "create the build venv")


def make_venv(plan: BuildPlan, on_event: EventCallback) -> bool:
    """Create plan.new_venv (True), or nothing to do (False)."""
    new = plan.new_venv
    if new is None:
        return False
    step = venv_step(plan, new)
    on_event(StepStarted(step))
    started = time.monotonic()
    ok = False
    try:
        python = new.interpreter or _uv_python(plan, new.version)
        create_venv(new.path, python, "uv", seed_args=new.seed_args, seed=new.seed)
        write_marker(new.path, None, "source build")
        ok = True
    finally:
        on_event(StepFinished(step, ok, time.monotonic() - started))
        if not ok and new.path.exists():
            shutil.rmtree(new.path, ignore_errors=True)
    return True


def _uv_python(plan: BuildPlan, version: str) -> str:
    """Install CPython `version` with uv and return its interpreter."""
    try:
        runner.run([uv_bin(), "python", "install", version], log_path=plan.log_path)
        found = runner.run([uv_bin(), "python", "find", version], log_path=plan.log_path)
    except TorchsetupError as err:
        raise TorchsetupError(
            f"uv could not install Python {version}: {err.message}",
            hint=f"uv python install {version}",
            log_path=plan.log_path,
        ) from err
    return found.stdout.strip().splitlines()[-1]


def remove_venv(plan: BuildPlan) -> None:
    """Remove the venv this run created (never one that was there before)."""
    if plan.new_venv is not None and plan.new_venv.path.exists():
        shutil.rmtree(plan.new_venv.path, ignore_errors=True)
