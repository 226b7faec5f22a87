"""From nothing to an importable torch: the run makes the build venv with a Python that fits,
installs the build dependencies, applies the remedies, resumes after a failure, and never
touches torchsetup's own interpreter (real uv, venvs, cmake, ninja, g++; a 1.9 stand-in)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.helpers.build import deps_wheelhouse, fake_gxx, write_pytorch_tree
from torchsetup.build import BuildFailed, BuildRequest, Event, ProgressChanged, execute, prepare
from torchsetup.build.cache import read_cache
from torchsetup.build.tools import probe_tools
from torchsetup.venv import default_root, installed_packages

_PY39 = Path(os.environ.get("PYENV_ROOT", "/root/.pyenv")) / "versions/3.9.18/bin/python3.9"
pytestmark = pytest.mark.skipif(not _PY39.exists(), reason="pyenv's Python 3.9.18 is missing")


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """1.9's build dependencies for Python 3.9, offline."""
    return deps_wheelhouse(tmp_path_factory.mktemp("wheelhouse"))


@pytest.fixture
def tree19(tmp_path: Path) -> Path:
    return write_pytorch_tree(tmp_path / "pytorch", version="1.9.0a0", tag="v1.9.0", n=3)


def _request(tree: Path, wheelhouse: Path, **kw: object) -> BuildRequest:
    return BuildRequest(  # type: ignore[arg-type]
        source=tree, cuda=False, doctor=False, offline=True, find_links=(str(wheelhouse),), **kw
    )


def _own_site() -> list[tuple[str, int]]:
    """What torchsetup's own site-packages holds (names and change times)."""
    site = Path(sysconfig.get_paths()["purelib"])
    return sorted((p.name, p.stat().st_mtime_ns) for p in site.iterdir())


def _tree_state(tree: Path) -> dict[str, str]:
    return {
        str(p.relative_to(tree)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in tree.rglob("*")
        if p.is_file()
    }


def _import_elsewhere(venv: Path, cwd: Path) -> str:
    code = "import sys, torch; print('%d.%d' % sys.version_info[:2], torch.__version__)"
    done = subprocess.run(
        [str(venv / "bin" / "python"), "-c", code], cwd=cwd, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_from_nothing_to_an_importable_19_in_a_39_venv_the_run_made(
    tmp_path: Path, tree19: Path, wheelhouse: Path
) -> None:
    own = _own_site()
    plan = prepare(_request(tree19, wheelhouse))
    venv = default_root() / "torch-1.9.0-src-py3.9"
    assert plan.new_venv is not None
    assert plan.new_venv.path == venv
    assert not venv.exists()  # planning made nothing
    result = execute(plan, lambda e: None)
    assert result.torch_version == "1.9.0"
    assert _import_elsewhere(venv, tmp_path) == "3.9 1.9.0"
    assert installed_packages(venv)["setuptools"].startswith("58.")
    assert result.wheel == tree19 / "dist" / "torch-1.9.0-py3-none-any.whl"
    assert result.wheel_bytes == result.wheel.stat().st_size
    assert _own_site() == own


@pytest.mark.skipif(
    int((probe_tools(os.environ).cxx.version or "0").split(".")[0]) < 11,
    reason="the default g++ is older than 11: no oneDNN remedy here",
)
def test_gcc_11_or_newer_builds_19_without_onednn(tree19: Path, wheelhouse: Path) -> None:
    plan = prepare(_request(tree19, wheelhouse))
    assert plan.env_dict()["USE_MKLDNN"] == "0"
    execute(plan, lambda e: None)
    assert (read_cache(tree19 / "build") or {})["USE_MKLDNN"] == "0"


def test_an_installed_gxx_10_compiles_19_instead(
    tmp_path: Path, tree19: Path, wheelhouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gxx = fake_gxx(tmp_path / "bin", 10)
    monkeypatch.setenv("PATH", f"{gxx.parent}:{os.environ['PATH']}")
    plan = prepare(_request(tree19, wheelhouse))
    assert plan.env_dict()["CXX"] == str(gxx)
    assert "USE_MKLDNN" not in plan.env_dict()
    execute(plan, lambda e: None)
    assert (read_cache(tree19 / "build") or {})["CMAKE_CXX_COMPILER"] == str(gxx)


def test_a_given_venv_that_lacks_the_dependencies_gets_them(
    tmp_path: Path, tree19: Path, wheelhouse: Path
) -> None:
    venv = tmp_path / "mine"
    subprocess.run(["uv", "venv", "-q", "--python", str(_PY39), str(venv)], check=True)
    plan = prepare(_request(tree19, wheelhouse, venv=venv))
    assert plan.new_venv is None
    assert plan.deps is not None
    assert plan.deps.requirements == (
        "numpy<2",
        "pyyaml",
        "typing_extensions",
        "setuptools<59.6",
        "wheel",
    )
    assert execute(plan, lambda e: None).torch_version == "1.9.0"
    assert _import_elsewhere(venv, tmp_path) == "3.9 1.9.0"


def test_unreachable_index_fails_clearly_removes_the_new_venv_and_leaves_the_tree(
    tmp_path: Path, tree19: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UV_HTTP_RETRIES", "0")
    empty = tmp_path / "empty"
    empty.mkdir()
    own, before = _own_site(), _tree_state(tree19)
    request = BuildRequest(
        source=tree19,
        cuda=False,
        doctor=False,
        index_url="http://127.0.0.1:9/",
        find_links=(str(empty),),
    )
    plan = prepare(request)
    with pytest.raises(BuildFailed) as info:
        execute(plan, lambda e: None)
    assert info.value.step == "deps"
    assert "could not install the build dependencies from http://127.0.0.1:9/" in info.value.message
    assert "Connection refused" in info.value.message
    assert plan.new_venv is not None
    assert not plan.new_venv.path.exists()
    assert _tree_state(tree19) == before
    assert _own_site() == own


def test_a_second_run_after_a_failed_compile_resumes(tree19: Path, wheelhouse: Path) -> None:
    broken = tree19 / "src" / "broken.cpp"
    broken.write_text("int broken() { return nope; }\n")
    with pytest.raises(BuildFailed) as info:
        execute(prepare(_request(tree19, wheelhouse)), lambda e: None)
    assert info.value.step == "build"
    broken.write_text("int broken() { return 0; }\n")
    plan = prepare(_request(tree19, wheelhouse))
    assert (plan.new_venv, plan.deps, plan.reconfigure) == (None, None, ())
    assert "--cmake" not in plan.steps[0].argv
    events: list[Event] = []
    assert execute(plan, events.append).torch_version == "1.9.0"
    built = {
        e.progress.target
        for e in events
        if isinstance(e, ProgressChanged) and e.progress.phase == "compile" and e.progress.target
    }
    assert any("broken.cpp" in t for t in built)
    assert not any("unit000.cpp" in t for t in built)


def test_torchsetups_own_environment_is_refused_as_a_build_venv(tree19: Path) -> None:
    from torchsetup.errors import UsageError

    if not (Path(sys.prefix) / "bin" / "python").exists():
        pytest.skip("torchsetup's environment has no bin/python")
    with pytest.raises(UsageError) as info:
        prepare(BuildRequest(source=tree19, venv=Path(sys.prefix), cuda=False))
    assert info.value.hint == f"torchsetup build --source {tree19} --no-cuda"
