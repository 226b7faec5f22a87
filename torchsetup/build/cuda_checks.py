"""The CUDA prerequisites: toolkit version, nvcc's host-compiler ceiling, cuDNN, arch list."""

from __future__ import annotations

from typing import TYPE_CHECKING

from packaging.version import Version

from torchsetup.build.model import Check, Status
from torchsetup.build.tools import Tool
from torchsetup.build.versions import BuildNeeds, cuda_problem, max_gcc_for_cuda
from torchsetup.host.distro import Distro, install_command

if TYPE_CHECKING:
    from torchsetup.build.prereqs import PrereqInputs

__all__ = ["arch_list", "cuda_toolkit", "cudnn", "host_compiler"]


def cuda_toolkit(inputs: PrereqInputs, needs: BuildNeeds) -> Check | None:
    if not inputs.cuda:
        return None
    tk = inputs.host.cuda_toolkit
    wanted = needs.cuda_ok[-1] if needs.cuda_ok else ""
    if tk.nvcc is None or tk.version is None:
        return Check(
            "cuda.toolkit",
            Status.FAIL,
            "--cuda: no CUDA toolkit (nvcc) found"
            + (
                f"; PyTorch {inputs.torch.base_version} builds with CUDA {wanted}" if wanted else ""
            ),
            install_command(inputs.distro, "cuda", wanted),
        )
    problem = cuda_problem(inputs.torch, tk.version)
    if problem:
        return Check(
            "cuda.toolkit",
            Status.FAIL,
            problem,
            f"export CUDA_HOME=/usr/local/cuda-{needs.cuda_ok[-1]}",
        )
    return Check("cuda.toolkit", Status.OK, f"nvcc {tk.version} ({tk.nvcc})")


def host_compiler(inputs: PrereqInputs, needs: BuildNeeds) -> Check | None:
    if not inputs.cuda or inputs.host.cuda_toolkit.version is None:
        return None
    host = inputs.tools.host_cxx or inputs.tools.cxx
    if host.path is None or host.version is None or host.name != "gcc":
        return None
    nvcc = inputs.host.cuda_toolkit.version
    bad_toolkit = cuda_problem(inputs.torch, nvcc) is not None
    toolkits = needs.cuda_ok if bad_toolkit and needs.cuda_ok else (nvcc,)
    ceiling = max((max_gcc_for_cuda(t) or 0) for t in toolkits)
    major = int(host.version.split(".")[0])
    if major <= ceiling:
        return Check("cuda.host_compiler", Status.OK, f"gcc {major} is accepted by nvcc {nvcc}")
    which = "/".join(toolkits)
    limits = ", ".join(f"{t} ≤ gcc {max_gcc_for_cuda(t)}" for t in toolkits)
    return Check(
        "cuda.host_compiler",
        Status.FAIL,
        f"gcc {major} is too new for CUDA {which} builds of {inputs.torch.base_version} "
        f"(nvcc {limits}: `#error -- unsupported GNU version!`)",
        _host_fix(inputs.tools.alt_gcc, ceiling, inputs.distro),
    )


def _host_fix(alts: tuple[Tool, ...], ceiling: int, distro: Distro) -> str:
    for alt in sorted(alts, key=lambda t: t.version or "", reverse=True):
        if alt.version and int(alt.version.split(".")[0]) <= ceiling:
            return f"export CUDAHOSTCXX={alt.path}"
    return install_command(distro, "gxx", str(ceiling))


def cudnn(inputs: PrereqInputs, needs: BuildNeeds) -> Check | None:
    if not inputs.cuda:
        return None
    if not inputs.cudnn_wanted:
        return Check("cuda.cudnn", Status.SKIP, "USE_CUDNN=0 in your environment")
    if inputs.cudnn_header is None:
        return Check(
            "cuda.cudnn",
            Status.FAIL,
            "cuDNN not found: the build would silently turn USE_CUDNN off and torch would run "
            "convolutions without it; install cuDNN and set CUDNN_INCLUDE_DIR and CUDNN_LIBRARY, "
            "or build without it",
            "export USE_CUDNN=0",
        )
    return Check("cuda.cudnn", Status.OK, f"cuDNN header {inputs.cudnn_header}")


def arch_list(inputs: PrereqInputs, needs: BuildNeeds) -> Check | None:
    if not inputs.cuda or not needs.max_arch:
        return None
    top = Version(needs.max_arch)
    unknown = [a for a in inputs.arch_list if Version(a.removesuffix("+PTX")) > top]
    if unknown:
        return Check(
            "cuda.arch_list",
            Status.FAIL,
            f"PyTorch {inputs.torch.base_version} does "
            f"not know compute capability {', '.join(unknown)} (newest: {top})",
            f"export TORCH_CUDA_ARCH_LIST='{top}+PTX'",
        )
    return None
