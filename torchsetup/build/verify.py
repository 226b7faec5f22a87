"""After the install: import torch from a temporary directory (never the source tree),
compare what was imported with what was built, and record the setup for `torchsetup env`."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from torchsetup import runner, state
from torchsetup.build.cache import read_cache
from torchsetup.build.diagnose import FailureCollector, classify
from torchsetup.build.model import BuildFailed, BuildPlan, Check, Status
from torchsetup.build.run import fix_context, rerun_command

__all__ = ["ImportedTorch", "import_torch", "post_build_checks", "save_setup"]

_IMPORT = (
    "import json, torch; "
    "print(json.dumps({'version': torch.__version__, 'file': torch.__file__, "
    "'cuda': getattr(torch.version, 'cuda', None)}))"
)

ImportedTorch = dict[str, "str | None"]


def import_torch(plan: BuildPlan) -> ImportedTorch:
    """`import torch` in the target interpreter, run from an empty temporary directory."""
    with tempfile.TemporaryDirectory(prefix="torchsetup-verify-") as tmp:
        result = runner.run(
            [str(plan.python), "-c", _IMPORT],
            cwd=tmp,
            timeout=300,
            env={"PYTHONPATH": None},
            check=False,
            log_path=plan.log_path,
        )
    if not result.ok:
        seen = FailureCollector()
        for line in (result.stdout + result.stderr).splitlines():
            seen.feed(line)
        diagnosis = classify(seen, fix_context(plan), signal_name=result.signal_name)
        raise BuildFailed(
            diagnosis, log_path=plan.log_path, build_dir=plan.build_dir, step="verify"
        )
    data: ImportedTorch = json.loads(result.stdout.strip().splitlines()[-1])
    return data


def post_build_checks(plan: BuildPlan, imported: ImportedTorch) -> tuple[Check, ...]:
    """Is the imported torch the one just built, from site-packages, with cuDNN if asked?"""
    checks = []
    version, where = imported.get("version") or "?", Path(imported.get("file") or "")
    if plan.version and not version.startswith(plan.version):
        checks.append(
            Check(
                "verify.version",
                Status.FAIL,
                f"imported torch {version}, built "
                f"{plan.version}: another torch shadows it ({where})",
                f"{plan.python} -m pip list | grep torch",
            )
        )
    else:
        checks.append(Check("verify.version", Status.OK, f"torch {version} from {where.parent}"))
    if plan.source.path.resolve() in where.resolve().parents:
        checks.append(
            Check(
                "verify.location",
                Status.FAIL,
                f"torch was imported from the source tree {plan.source.path}, not the installed "
                "one (https://github.com/pytorch/pytorch/issues/4622)",
                "run Python outside the source tree",
            )
        )
    cache = read_cache(plan.build_dir) or {}
    if plan.cuda and cache.get("USE_CUDNN", "ON").upper() in ("OFF", "0", "FALSE"):
        checks.append(
            Check(
                "verify.cudnn",
                Status.FAIL,
                "the build turned cuDNN off: CMake printed `Could NOT find CUDNN`; install cuDNN "
                "and set CUDNN_INCLUDE_DIR and CUDNN_LIBRARY, or build without it on purpose",
                f"USE_CUDNN=0 {rerun_command(plan)}",
            )
        )
    return tuple(checks)


def save_setup(plan: BuildPlan, torch_version: str | None) -> Path:
    """Record the venv and, for CUDA builds, the toolkit dirs that `torchsetup env` exports."""
    cuda_home = plan.env_dict().get("CUDA_HOME") if plan.cuda else None
    venv = plan.venv or plan.python.parent.parent
    return state.save_record(
        state.SetupRecord(
            venv=str(venv),
            python=str(plan.python),
            torch=torch_version,
            variant="cuda" if plan.cuda else "cpu",
            command="build",
            path_dirs=(f"{cuda_home}/bin",) if cuda_home else (),
            ld_library_dirs=(f"{cuda_home}/lib64",) if cuda_home else (),
        )
    )
