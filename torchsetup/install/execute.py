"""`torchsetup install`: plan (detect, gather sources, resolve), then act (venv, install, check)."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from torchsetup import paths, runner
from torchsetup.errors import (
    CommandFailed,
    Interrupted,
    RollbackFailed,
    TorchsetupError,
    UsageError,
)
from torchsetup.host.detect import detect_host
from torchsetup.host.interpreters import interpreter_at
from torchsetup.host.model import HostFacts, Interpreter
from torchsetup.install.backends import InstallCall, compile_argv, install_argv, uv_bin
from torchsetup.install.bytecode import closure_file, compile_imports
from torchsetup.install.for_host import load_host_file
from torchsetup.install.lock import Lock, lock_from_pylock, read_lock, requirements_text, write_lock
from torchsetup.install.model import Choice, InstallPlan, InstallRequest
from torchsetup.install.progress import Download, DownloadWatch
from torchsetup.install.releases import load_releases
from torchsetup.install.request_forms import parse_python_request
from torchsetup.install.resolve import ResolveContext, resolve
from torchsetup.install.sources import Prober, gather_sources
from torchsetup.install.verify import check_gpus
from torchsetup.state import SetupRecord, save_record
from torchsetup.venv import (
    Claim,
    activation_line,
    check_target,
    create_venv,
    default_root,
    installed_packages,
    venv_python,
    write_marker,
)

if TYPE_CHECKING:
    from torchsetup.envcheck import DoctorReport

__all__ = ["InstallResult", "execute", "plan_install"]

#: Called with (kind, text): kind is "step" for a new phase, "line" for installer output.
EventCallback = Callable[[str, str], None]
_RETRY = "torchsetup install --venv {}"  # the command a refused --venv path suggests instead


@dataclass(frozen=True)
class InstallResult:
    """What an install did, for the report and --json."""

    plan: InstallPlan
    python: str
    installed: dict[str, str]
    activate: str
    env_command: str
    lock_written: Path | None
    doctor_exit_code: int | None
    doctor: DoctorReport | None
    seconds: float
    log_path: Path
    rolled_back: tuple[str, ...] = ()  # builds that failed the GPU check first (install/attempts)


def plan_install(
    request: InstallRequest, env: Mapping[str, str] | None = None, host: HostFacts | None = None
) -> InstallPlan:
    """Detect the host (unless given), gather sources and resolve; nothing is written."""
    env = dict(os.environ if env is None else env)
    if request.venv is not None:
        check_target(request.venv, _RETRY)  # refused before any source is read
    _check_lock_output(request.lock)
    lock: Lock | None = read_lock(request.from_lock) if request.from_lock else None
    if lock is not None:
        python = ".".join(lock.python.split(".")[:2])
        torch = Version(lock.torch).public
        request = replace(
            request, torch=torch, variant=lock.variant, python=request.python or python
        )
    requested = _requested_interpreter(request)
    data = load_releases()
    if host is None:
        host = load_host_file(request.for_host) if request.for_host else detect_host(env)
    sources = gather_sources(request, env, data.pypi)
    prober = Prober(offline=request.offline)
    ctx = ResolveContext(
        host=host,
        data=data,
        sources=sources,
        probe=(lambda _url: None) if lock else prober,  # a lock carries its own URLs
        venv_root=default_root(),
        venv_python=lambda path: check_target(path, _RETRY).python,
        requested_python=requested,
    )
    if lock is None:
        return _explain_target(resolve(request, ctx))
    # The lock names every file: resolve only picks interpreter, venv and installer.
    plan = resolve(replace(request, offline=False), ctx)
    source = Choice("source", str(request.from_lock), "the exact files and sha256 in the lock")
    choices = tuple(source if c.what == "source" else c for c in plan.choices)
    plan = replace(plan, choices=choices, torch=lock.torch, offline=request.offline, notes=())
    return _explain_target(plan)


def _explain_target(plan: InstallPlan) -> InstallPlan:
    """Say in the plan that a half-made venv (an interrupted run's) will be made again."""
    if check_target(plan.venv, _RETRY).state != "half-made":
        return plan
    why = "half-made venv from an interrupted run: recreated"
    choices = tuple(
        replace(c, reason=c.reason.replace("new virtualenv", why, 1)) if c.what == "venv" else c
        for c in plan.choices
    )
    return replace(plan, choices=choices)


def _check_lock_output(lock: Path | None) -> None:
    """--lock FILE must be writable where it is asked for, before anything is installed."""
    if lock is None:
        return
    folder = lock.absolute().parent
    if lock.exists() and not lock.is_file():
        why = "is a directory" if lock.is_dir() else "is not a regular file"
    elif not folder.is_dir():
        why = f"cannot be written: {folder} is not a directory"
    else:
        return
    raise UsageError(f"--lock {lock} {why}", hint="torchsetup install --lock torch.lock")


def _requested_interpreter(request: InstallRequest) -> Interpreter | None:
    if request.python is None or parse_python_request(request.python) is not None:
        return None
    return interpreter_at(Path(request.python), hint="torchsetup install --python 3.11")


def execute(
    plan: InstallPlan,
    on_event: EventCallback | None = None,
    on_download: Callable[[Download], None] | None = None,
) -> InstallResult:
    """Create the venv, install, lock, check. A failure removes what this run made (recorded as
    it makes it), and puts a pre-existing venv's packages back; it never removes anything else.
    on_download gets the big downloads' bytes (install/progress) while uv fetches them."""
    emit = on_event or (lambda kind, text: None)
    log = paths.new_log_path("install")
    started = time.monotonic()
    claim = None if plan.venv_exists else Claim(plan.venv)
    before = installed_packages(plan.venv) if claim is None else None
    try:
        python = _interpreter_path(plan, emit, log)
        if claim is not None:
            emit(
                "step", f"creating {plan.venv} ({plan.venv_creator}, Python {plan.python_version})"
            )
            claim.take(_RETRY)  # the marker goes in first: an interrupted run is recognisable
            create_venv(plan.venv, python, plan.venv_creator, on_line=_lines(emit))
        with _watching(emit, on_download) as watched:
            made = _install(plan, watched, log)
        _check_torch(plan, log)
        check_gpus(plan)  # GpuNotCovered: rolled back below; install/attempts tries the next
        lock_written = _save_lock(made, plan.lock)  # only a lock whose build passed the check
        if claim is not None:
            write_marker(plan.venv, plan.torch, plan.variant)
        if plan.compile == "imports":  # before the check: its imports then load .pyc files
            _compile_imports(plan, emit, log)
        doctor, doctor_code = _doctor(plan, emit)
    except BaseException as err:
        if claim is not None:
            claim.release()
        elif before is not None:
            left = _restore(plan, before, log)
            # a failed rollback is said, with what is left (an internal bug keeps its crash log)
            if left is not None and isinstance(
                err, (TorchsetupError, KeyboardInterrupt, Interrupted)
            ):
                raise RollbackFailed(err, left, log) from err
        raise
    save_record(SetupRecord(str(plan.venv), str(venv_python(plan.venv)), plan.torch, plan.variant))
    return InstallResult(
        plan=plan,
        python=str(venv_python(plan.venv)),
        installed=installed_packages(plan.venv),
        activate=activation_line(plan.venv),
        env_command=f"torchsetup env --venv {plan.venv}",
        lock_written=lock_written,
        doctor_exit_code=doctor_code,
        doctor=doctor,
        seconds=time.monotonic() - started,
        log_path=log,
    )


@contextmanager
def _watching(
    emit: EventCallback, on_download: Callable[[Download], None] | None
) -> Iterator[EventCallback]:
    """emit, also feeding the installer's lines to a DownloadWatch when one is wanted."""
    if on_download is None:
        yield emit
        return

    def tee(kind: str, text: str) -> None:
        if kind == "line":
            watch.line(text)
        emit(kind, text)

    with DownloadWatch(on_download) as watch:
        yield tee


def _restore(plan: InstallPlan, before: dict[str, str], log: Path) -> str | None:
    """Put a pre-existing venv's packages back as they were (from uv's cache); None when done,
    else what is still different."""
    after = installed_packages(plan.venv)
    added = sorted(set(after) - set(before))
    changed = [f"{n}=={v}" for n, v in sorted(before.items()) if after.get(n) != v]
    python = ["--python", str(venv_python(plan.venv))]
    try:
        if added:
            runner.run([uv_bin(), "pip", "uninstall", *python, *added], log_path=log)
        if changed:
            call = replace(_call(plan, tuple(changed)), installer="uv")
            runner.run([*install_argv(call), "--no-deps"], log_path=log)
    except TorchsetupError:
        return _still_different(plan.venv, before)
    return None


def _still_different(venv: Path, before: dict[str, str]) -> str:
    """What a failed rollback left: each package that is not as it was before the run."""
    now = installed_packages(venv)
    parts = [
        f"{n} {now.get(n, 'missing')} (was {v})"
        for n, v in sorted(before.items())
        if now.get(n) != v
    ]
    parts += [f"{n} {now[n]} (added)" for n in sorted(set(now) - set(before))]
    return f"{venv} still has {', '.join(parts) or 'changes the log lists'}"


def _lines(emit: EventCallback) -> runner.LineCallback:
    return lambda _stream, line: emit("line", line)


def _interpreter_path(plan: InstallPlan, emit: EventCallback, log: Path) -> str:
    if plan.interpreter is not None:
        return plan.interpreter.path
    version = plan.python_version
    emit("step", f"installing Python {version} with uv (no installed interpreter fits)")
    _run_installer([uv_bin(), "python", "install", version], emit, log)
    found = runner.run([uv_bin(), "python", "find", version], log_path=log)
    return found.stdout.strip().splitlines()[-1]


def _call(plan: InstallPlan, requirements: tuple[str, ...] = ()) -> InstallCall:
    return InstallCall(
        installer=plan.installer,
        python=venv_python(plan.venv),
        requirements=requirements,
        offer=plan.offer,
        constraints=plan.constraints,
        offline=plan.offline,
        only_binary=("numpy",) if plan.numpy else (),
        compile_all=plan.compile == "all",
    )


def _install(plan: InstallPlan, emit: EventCallback, log: Path) -> Lock | None:
    """Install what the plan names; the lock to write when --lock asked for one."""
    if plan.from_lock is None and plan.lock is None:
        emit("step", f"installing {' '.join(plan.requirements)} with {plan.installer}")
        _run_installer(install_argv(_call(plan, requirements=plan.requirements)), emit, log)
        return None
    if plan.from_lock is not None:
        lock = read_lock(plan.from_lock)
    else:
        lock = _compile_lock(plan, emit, log)
    _install_locked(plan, lock, emit, log)
    return lock if plan.lock is not None else None


def _save_lock(lock: Lock | None, path: Path | None) -> Path | None:
    if lock is None or path is None:
        return None
    write_lock(lock, path)
    return path


def _compile_lock(plan: InstallPlan, emit: EventCallback, log: Path) -> Lock:
    emit("step", "resolving exact files and hashes (uv pip compile)")
    with tempfile.TemporaryDirectory(prefix="torchsetup-lock-") as tmp:
        out = Path(tmp) / "pylock.toml"  # uv insists on this name for the PEP 751 format
        argv = compile_argv(_call(plan), out)
        stdin = "\n".join(plan.requirements) + "\n"
        _run_installer(argv, emit, log, stdin=stdin)
        text = out.read_text(encoding="utf-8")
    return lock_from_pylock(text, plan.python_version, plan.torch, plan.variant)


def _run_installer(
    argv: list[str], emit: EventCallback, log: Path, stdin: str | None = None
) -> None:
    """Run uv/pip; a failure becomes one line saying why, with the log for the rest."""
    try:
        runner.run(argv, on_line=_lines(emit), log_path=log, stdin=stdin)
    except CommandFailed as err:
        raise TorchsetupError(
            f"{Path(argv[0]).name} failed: {err.why()}", hint=f"less {log}", log_path=log
        ) from err


def _install_locked(plan: InstallPlan, lock: Lock, emit: EventCallback, log: Path) -> None:
    emit("step", f"installing {len(lock.packages)} locked files with hash checking")
    reqs = plan.venv / ".torchsetup-locked.txt"
    reqs.write_text(requirements_text(lock), encoding="utf-8")
    call = InstallCall(
        plan.installer,
        venv_python(plan.venv),
        requirement_file=reqs,
        offline=plan.offline,
        locked=True,
        compile_all=plan.compile == "all",
    )
    try:
        runner.run(install_argv(call), on_line=_lines(emit), log_path=log)
    except CommandFailed as err:
        raise TorchsetupError(
            f"installing from the lock failed: {err.why()}",
            hint=f"less {log}    (a file that does not match its sha256 is refused)",
            log_path=log,
        ) from err
    finally:
        reqs.unlink(missing_ok=True)
    have = installed_packages(plan.venv)
    wrong = [p.name for p in lock.packages if have.get(canonicalize_name(p.name)) != p.version]
    if wrong:
        raise TorchsetupError(f"after installing the lock, these differ: {', '.join(wrong)}")


def _check_torch(plan: InstallPlan, log: Path) -> None:
    """The venv must hold the planned torch now: an install never says what it did not do."""
    have = installed_packages(plan.venv).get("torch")
    try:
        wanted = SpecifierSet(f"=={plan.torch}")
        ok = have is not None and wanted.contains(Version(have), prereleases=True)
    except (InvalidVersion, InvalidSpecifier):
        ok = False
    if not ok:
        raise TorchsetupError(
            f"torch {plan.torch} is not in {plan.venv} after installing "
            f"(found {'torch ' + have if have else 'no torch'})",
            hint=f"less {log}",
            log_path=log,
        )


def _doctor(plan: InstallPlan, emit: EventCallback) -> tuple[DoctorReport | None, int | None]:
    if not plan.doctor:
        return None, None
    from torchsetup.envcheck import DoctorRequest, run_doctor  # every check: only when run

    emit("step", "checking the new venv (torchsetup doctor, core checks)")
    request = DoctorRequest(
        python=venv_python(plan.venv), core_only=True, write_bytecode=plan.compile != "none"
    )
    report = run_doctor(request)
    return report, report.exit_code


def _compile_imports(plan: InstallPlan, emit: EventCallback, log: Path) -> None:
    """Byte-compile what `import torch` and the check import (install/bytecode): the check and
    every later import then load .pyc files (uv installs none; pip's full compile costs more).
    Left to the check's own imports, its two torch-importing groups compiled the same ~1600
    files at once, one file at a time each."""
    emit("step", "byte-compiling what `import torch` loads")
    closure = closure_file(plan.venv, plan.python_version)
    compile_imports(venv_python(plan.venv), closure, log)
