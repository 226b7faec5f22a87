"""shared/reference/shell.md §(c) rows 5, 15 and 16: read-only, concurrency, a failing write."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.shells import apply_env, env_of
from torchsetup.shells import rcblock
from torchsetup.shells.rcfile import RcFileError, edit_file

ROOT = Path(__file__).resolve().parents[2]
CHILD = """
import os, resource, signal, sys
from torchsetup.shellenv import EnvRequest, run_env
if sys.argv[1] != "none":
    # Python ignores SIGXFSZ (write() then fails with EFBIG); "kill:" restores the default
    # action, which kills the process inside write().
    kill = sys.argv[1].startswith("kill:")
    signal.signal(signal.SIGXFSZ, signal.SIG_DFL if kill else signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[1].removeprefix("kill:")),) * 2)
if len(sys.argv) > 2:  # fill the disk first
    try:
        with open(sys.argv[2], "wb") as f:
            while True:
                f.write(b"x" * 4096); f.flush()
    except OSError:
        pass
try:
    run_env(EnvRequest(shell="sh", ld_library_path=("/usr/lib",)), dict(os.environ))
except Exception as err:
    print(type(err).__name__, err)
    sys.exit(1)
"""
ORIGINAL = b"# my profile\n" + b"export A=1\n" * 3000


def _child(
    home: Path, *args: str, wrapper: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    env = env_of(home, PYTHONPATH=str(ROOT), XDG_STATE_HOME=str(home.parent / "state"))
    return subprocess.run(
        [*wrapper, sys.executable, "-B", "-c", CHILD, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_c16_write_failing_midway_leaves_the_original_intact(home: Path) -> None:
    (home / ".profile").write_bytes(ORIGINAL)
    proc = _child(home, str(len(ORIGINAL) + 100))
    assert proc.returncode == 1
    assert "cannot write" in proc.stdout
    assert (home / ".profile").read_bytes() == ORIGINAL
    assert sorted(p.name for p in home.iterdir()) == [".profile"]  # no temp file left


def test_c16_process_killed_mid_write_leaves_original_and_next_run_works(home: Path) -> None:
    (home / ".profile").write_bytes(ORIGINAL)
    # SIGXFSZ's default action kills the process inside write(), like kill -9 would.
    proc = _child(home, f"kill:{len(ORIGINAL) + 100}")
    assert proc.returncode == -25  # SIGXFSZ
    assert (home / ".profile").read_bytes() == ORIGINAL
    leftovers = [p.name for p in home.iterdir() if p.name.endswith(".tmp")]
    assert len(leftovers) == 1  # killed with the temp file half written: ignorable
    assert _child(home, "none").returncode == 0
    assert (home / ".profile").read_bytes().startswith(ORIGINAL + b"# >>> torchsetup >>>")


def _tmpfs_wrapper(disk: Path) -> tuple[str, ...]:
    """Run a command in a new user+mount namespace with a 256 KiB tmpfs on disk (or skip)."""
    unshare = shutil.which("unshare")
    script = f'mount -t tmpfs -o size=256k tmpfs {disk} && mkdir {disk}/home && exec "$@"'
    wrapper = (unshare or "unshare", "-rm", "sh", "-c", script, "sh")
    if unshare is None or subprocess.run([*wrapper, "true"], check=False).returncode != 0:
        pytest.skip("cannot mount a tmpfs here (no unshare or no user namespaces)")
    return wrapper


def test_c16_full_disk_leaves_the_original_intact(home: Path, tmp_path: Path) -> None:
    disk = tmp_path / "disk"
    disk.mkdir()
    wrapper = _tmpfs_wrapper(disk)
    fake_home = disk / "home"
    seed_and_check = (
        f"import sys; p = {str(fake_home / '.profile')!r}; data = {ORIGINAL[:20000]!r}\n"
        "if sys.argv[1] == 'seed': open(p, 'wb').write(data)\n"
        "else: print('intact' if open(p, 'rb').read() == data else 'DAMAGED')\n"
    )
    helper = tmp_path / "seed.py"
    helper.write_text(seed_and_check, encoding="utf-8")
    child = tmp_path / "child.py"
    child.write_text(CHILD, encoding="utf-8")
    py = sys.executable
    steps = (
        f"{py} -B {helper} seed && {py} -B {child} none {fake_home}/fill; echo rc=$?; "
        f"rm -f {fake_home}/fill; {py} -B {helper} check; ls -A {fake_home}"
    )
    env = env_of(fake_home, PYTHONPATH=str(ROOT), XDG_STATE_HOME=str(tmp_path / "state"))
    run = subprocess.run(
        [*wrapper, "sh", "-c", steps],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "rc=1" in run.stdout, run.stdout + run.stderr
    assert "the disk is full" in run.stdout
    assert run.stdout.split()[-2:] == ["intact", ".profile"]


def test_c05_read_only_file_is_refused_and_unchanged(home: Path) -> None:
    rc = home / ".bashrc"
    rc.write_bytes(b"x=1\n")
    rc.chmod(0o444)
    with pytest.raises(RcFileError, match="read-only"):
        apply_env("bash", env_of(home), ld_library_path=("/usr/lib",))
    assert rc.read_bytes() == b"x=1\n"
    assert not (home / ".profile").exists()


def test_c05_read_only_second_file_means_the_first_is_not_written_either(home: Path) -> None:
    (home / ".bashrc").write_bytes(b"x=1\n")
    (home / ".profile").write_bytes(b"y=2\n")
    (home / ".profile").chmod(0o444)
    with pytest.raises(RcFileError, match=r"\.profile is read-only"):
        apply_env("bash", env_of(home), ld_library_path=("/usr/lib",))
    assert (home / ".bashrc").read_bytes() == b"x=1\n"


def test_c05_read_only_directory_is_refused_and_unchanged(home: Path) -> None:
    conf = home / ".config" / "fish" / "conf.d"
    conf.mkdir(parents=True)
    (conf / "torchsetup.fish").write_bytes(b"# old\n")
    conf.chmod(0o555)
    try:
        with pytest.raises(RcFileError, match=r"directory .* is read-only"):
            apply_env("fish", env_of(home), ld_library_path=("/usr/lib",))
    finally:
        conf.chmod(0o755)
    assert [p.name for p in conf.iterdir()] == ["torchsetup.fish"]
    assert (conf / "torchsetup.fish").read_bytes() == b"# old\n"


def test_c15_concurrent_runs_write_exactly_one_block(home: Path) -> None:
    env = env_of(home, PYTHONPATH=str(ROOT))
    argv = [sys.executable, "-m", "torchsetup", "env", "--shell", "bash", "--path", "/usr/bin"]
    procs = [subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL) for _ in range(4)]
    assert [p.wait(timeout=60) for p in procs] == [0, 0, 0, 0]
    for name in (".bashrc", ".profile"):
        assert (home / name).read_bytes().count(rcblock.BEGIN) == 1


def test_c15_append_by_another_tool_during_the_edit_is_kept(home: Path) -> None:
    rc = home / ".bashrc"
    rc.write_bytes(b"x=1\n")
    calls = []

    def transform(data: bytes | None) -> bytes | None:
        if not calls:  # another tool's `echo … >> ~/.bashrc` lands after our read
            with rc.open("ab") as f:
                f.write(b"export FROM_OTHER_TOOL=1\n")
        calls.append(data)
        return rcblock.apply_block(data, ["true"])

    edit_file(rc, transform)
    data = rc.read_bytes()
    assert data.startswith(b"x=1\nexport FROM_OTHER_TOOL=1\n# >>> torchsetup >>>")
    assert len(calls) == 2
