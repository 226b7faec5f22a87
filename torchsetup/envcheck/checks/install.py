"""Install integrity: which torch is imported, duplicates, companion pins, numpy, conflicts."""

from __future__ import annotations

import os
import shlex
from typing import Any

from packaging.version import InvalidVersion, Version

from torchsetup.envcheck.checks.base import (
    Check,
    Context,
    Verdict,
    fail,
    lines,
    ok,
    pip_install,
    skip,
    warn,
)
from torchsetup.envcheck.checks.depends import companions_verdict, dependencies_verdict
from torchsetup.envcheck.model import CheckSpec, Fix
from torchsetup.envcheck.numpy_abi import numpy_requirement, torch_needs_numpy1

__all__ = ["INSTALL_CHECKS"]


def _under(path: str, folder: str) -> bool:
    path, folder = os.path.abspath(path), os.path.abspath(folder)
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _torch_dir(ctx: Context) -> str | None:
    """The torch package folder that `import torch` loads (or would load)."""
    imported = ctx.data("torch.import").get("file")
    spec = ctx.data("static.torch_spec").get("spec") or {}
    origin = imported or spec.get("origin")
    if origin:
        return os.path.dirname(str(origin))
    locations = spec.get("locations") or []
    return str(locations[0]) if locations else None


def _location_verdict(ctx: Context) -> Verdict:
    py = ctx.data("static.python")
    where = _torch_dir(ctx)
    if where is None:
        return skip("torch is not installed (see torch.import)")
    others = [
        os.path.dirname(c["path"])
        for c in ctx.data("static.torch_spec").get("candidates", [])
        if os.path.dirname(c["path"]) != where
    ]
    also = [f"another torch, shadowed by it: {o}" for o in others]
    shadow = _shadowing(ctx, where, others)
    if shadow is not None:
        summary, fix = shadow
        return fail(summary, *also, fix=fix)
    prefix = str(py.get("prefix"))
    if not _under(where, prefix) and prefix != py.get("base_prefix"):
        return warn(
            f"torch comes from outside the venv {prefix}: {where}",
            *also,
            fix=Fix("install torch into the venv itself", (pip_install(ctx, "torch"),)),
        )
    if others:
        return warn(
            f"torch from {where} shadows another copy",
            *also,
            fix=Fix("remove the shadowed copy so the two cannot swap places"),
        )
    return ok(f"torch is imported from the environment: {where}")


def _shadowing(ctx: Context, where: str, others: list[str]) -> tuple[str, Fix] | None:
    """Why `where` wins over the installed torch: the sys.path entry that holds it, and where
    that entry comes from (the cwd, PYTHONPATH, an empty PYTHONPATH entry, the user site)."""
    py = ctx.data("static.python")
    prefix, user_site = str(py.get("prefix")), py.get("user_site")
    real = others[0] if others else "the torch installed in the environment"
    cwd = str(py.get("cwd") or os.sep)
    entry = _entry_holding(ctx, where)
    host_env = ctx.data("static.host").get("env", {})
    pythonpath = str(host_env.get("PYTHONPATH") or "")
    parts = pythonpath.split(os.pathsep) if pythonpath else []
    if entry is not None and _full(entry, cwd) == cwd and not _under(where, prefix):
        # `python -c`, `-m` and the REPL put the cwd ('') first on sys.path; so does an empty
        # PYTHONPATH entry, for every script run from that directory
        away = "/" if cwd == os.path.normpath(str(host_env.get("HOME") or "~")) else "~"
        if "" in parts:
            fix = _pythonpath_fix(parts, "")
            also = (f"cd {away}",) if entry == "" else ()
            return (
                f"PYTHONPATH={pythonpath!r} has an empty entry, which means the current directory"
                f" ({cwd}): {where} is imported instead of {real}",
                Fix(fix.text, fix.commands + also),
            )
        if entry == "":
            return f"torch is imported from the current directory: {where}", Fix(
                f"run Python from another directory (a torch/ folder or torch.py in {cwd} shadows"
                " the installed torch), or rename it",
                (f"cd {away}",),
            )
    for part in (p for p in parts if p):
        if entry is not None and _full(part, cwd) == _full(entry, cwd):
            return (
                f"PYTHONPATH entry {part} shadows torch: {where} is imported instead of {real}",
                _pythonpath_fix(parts, part),
            )
    in_venv = prefix != py.get("base_prefix")
    if user_site and _under(where, str(user_site)) and (in_venv or others):
        return f"torch comes from the user site {where}, not from {real}", Fix(
            "stop the user site from shadowing the environment",
            ("export PYTHONNOUSERSITE=1", f"{ctx.python} -m pip uninstall --user torch"),
        )
    return None


def _full(entry: str, cwd: str) -> str:
    """A sys.path or PYTHONPATH entry as the absolute folder it means ('' is the cwd)."""
    return os.path.normpath(os.path.join(cwd, entry))


def _entry_holding(ctx: Context, where: str) -> str | None:
    """The sys.path entry (as written there) that the winning torch was found in."""
    for found in ctx.data("static.torch_spec").get("candidates", []):  # in sys.path order
        if os.path.dirname(str(found["path"])) == where:
            return str(found["sys_path_entry"])
    return None


def _pythonpath_fix(parts: list[str], drop: str) -> Fix:
    """Remove one entry (or the empty ones) from PYTHONPATH: the export without it, or unset."""
    rest = [p for p in parts if p != drop and p]
    what = f"remove {drop} from PYTHONPATH" if drop else "remove the empty entry from PYTHONPATH"
    command = (
        f"export PYTHONPATH={shlex.quote(os.pathsep.join(rest))}" if rest else "unset PYTHONPATH"
    )
    return Fix(f"{what} (or unset it) for this environment", (command,))


def _torch_dists(ctx: Context) -> list[dict[str, Any]]:
    dists = ctx.data("static.dists").get("dists", [])
    return [d for d in dists if str(d.get("name", "")).lower() == "torch"]


def _duplicates_verdict(ctx: Context) -> Verdict:
    found = _torch_dists(ctx)
    where = _torch_dir(ctx)
    if not found and where:
        return warn(
            f"torch at {where} has no distribution metadata (copied in, or a source tree):"
            " pip cannot see, upgrade or uninstall it",
            fix=Fix("remove the folder and install torch properly", (pip_install(ctx, "torch"),)),
        )
    if not found:
        return skip("no torch distribution installed (see torch.import)")
    rows = [f"torch {d.get('version')} in {d.get('location')}" for d in found]
    if len(found) == 1:
        return ok(rows[0])
    return fail(
        f"{len(found)} torch distributions on sys.path; the first one wins",
        *rows,
        fix=Fix(
            "uninstall the copies outside the environment, then reinstall torch",
            (f"{shlex.quote(str(ctx.python))} -m pip uninstall torch",),
        ),
    )


def _numpy_verdict(ctx: Context) -> Verdict:
    numpy = next(
        (
            d
            for d in ctx.data("static.dists").get("dists", [])
            if str(d.get("name", "")).lower() == "numpy"
        ),
        None,
    )
    torch_version = ctx.torch_version or next(
        (str(d.get("version")) for d in _torch_dists(ctx)), None
    )
    if torch_version is None and _torch_dir(ctx) is None:
        return skip("torch is not installed (see torch.import)")
    old_torch = torch_needs_numpy1(torch_version)
    pin = numpy_requirement(torch_version)
    if numpy is None:
        return warn(
            "numpy is not installed: tensor.numpy() and torch.from_numpy() will fail",
            fix=Fix("install numpy", (pip_install(ctx, pin),)),
        )
    version = str(numpy.get("version"))
    if old_torch and not _older_than(version, "2"):
        return fail(
            f"numpy {version} with torch {torch_version}: torch < 2.3 was built against "
            "numpy 1.x and cannot use numpy 2 (ABI mismatch)",
            fix=Fix(
                "install a numpy 1.x (or upgrade torch to 2.3 or newer)",
                (pip_install(ctx, pin),),
            ),
        )
    return _numpy_runtime(ctx, version, pin)


def _numpy_runtime(ctx: Context, version: str, pin: str) -> Verdict:
    """What the probe saw when it used numpy with torch."""
    probe = ctx.outcome("install.numpy")
    if probe is not None and probe.error:
        return fail(
            f"numpy {version} is installed, but the probe that uses it with torch failed:"
            f" {probe.error}",
            *probe.stderr_tail[-4:],
            fix=Fix("reinstall numpy", (pip_install(ctx, "--force-reinstall", pin),)),
        )
    runtime = ctx.data("install.numpy")
    if runtime.get("round_trip_error") or runtime.get("import_error"):
        error = runtime.get("round_trip_error") or runtime.get("import_error")
        return fail(
            f"numpy {version} is installed but does not work with torch: {error}",
            *lines([f"warning: {w}" for w in runtime.get("warnings", [])]),
            fix=Fix("reinstall numpy", (pip_install(ctx, "--force-reinstall", pin),)),
        )
    if runtime.get("round_trip") == [0, 1, 2]:
        return ok(f"numpy {version}: torch.from_numpy(...).numpy() round trip works")
    return fail(
        f"numpy {version}: torch.from_numpy(np.arange(3)).numpy() gave"
        f" {runtime.get('round_trip')!r}, not [0, 1, 2]",
        fix=Fix("reinstall numpy", (pip_install(ctx, "--force-reinstall", pin),)),
    )


def _older_than(version: str | None, floor: str) -> bool:
    if not version:
        return False
    try:
        return Version(version).release < Version(floor).release
    except InvalidVersion:
        return False


def _spec(check_id: str, title: str) -> CheckSpec:
    return CheckSpec(check_id, title, "install", True)


INSTALL_CHECKS: tuple[Check, ...] = (
    Check(
        _spec("install.torch_location", "Where torch is imported from"),
        ("static.python", "static.torch_spec", "static.host"),
        _location_verdict,
    ),
    Check(
        _spec("install.torch_distributions", "One torch distribution on sys.path"),
        ("static.dists", "static.torch_spec"),
        _duplicates_verdict,
    ),
    Check(
        _spec("install.companions", "torchvision / torchaudio match torch"),
        ("static.dists",),
        companions_verdict,
    ),
    Check(
        _spec("install.numpy", "numpy present and ABI-compatible"),
        ("static.dists", "static.torch_spec", "install.numpy"),
        _numpy_verdict,
        handles=("install.numpy",),
    ),
    Check(
        _spec("install.dependencies", "No dependency conflicts (pip check)"),
        ("static.python", "static.dists"),
        dependencies_verdict,
    ),
)
