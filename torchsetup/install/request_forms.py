"""Pure: the forms an install request's fields may take (--torch 2.15.0+cu132, --python 3.11)."""

from __future__ import annotations

from dataclasses import replace

from packaging.version import InvalidVersion, Version

from torchsetup.errors import UnknownChoice
from torchsetup.install.model import InstallRequest

__all__ = ["parse_python_request", "split_local_version"]


def split_local_version(request: InstallRequest) -> InstallRequest:
    """--torch 2.15.0+cu132 → --torch 2.15.0 --variant cu132 (a conflicting --variant errs)."""
    if not request.torch or "+" not in request.torch:
        return request
    version, local = request.torch.split("+", 1)
    if request.variant not in ("auto", local):
        raise UnknownChoice(
            f"--torch {request.torch} names variant {local} but --variant says {request.variant}",
            hint=f"torchsetup install --torch {version} --variant {request.variant}",
        )
    return replace(request, torch=version, variant=local)


def parse_python_request(text: str) -> str | None:
    """'3.7' → '3.7'; a path → None (execute.py asks that interpreter); bad forms raise."""
    if "/" in text:
        return None
    try:
        version = Version(text)
    except InvalidVersion:
        raise UnknownChoice(
            f"--python {text}: give a version such as 3.11 or a path to an interpreter",
            hint="torchsetup install --python 3.11",
        ) from None
    if len(version.release) != 2:
        raise UnknownChoice(
            f"--python {text}: give major.minor (3.11)", hint="torchsetup install --python 3.11"
        )
    return text
