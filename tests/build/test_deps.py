"""The build dependencies per version, what a venv lacks, and the install command (pip's own
configuration honoured, the command line on top)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from packaging.version import Version

from torchsetup.build.deps import DepsInputs, install_call, plan_deps
from torchsetup.build.model import Status
from torchsetup.build.versions import needs_for
from torchsetup.install.backends import install_argv

_ALL_19 = {
    "numpy": "1.21.6",
    "PyYAML": "6.0",
    "typing_extensions": "4.7.1",
    "setuptools": "59.5.0",
    "wheel": "0.37.1",
}


def _inputs(
    torch: str = "1.9.0",
    installed: dict[str, str] | None = None,
    *,
    python: str = "3.9.18",
    tree: Path = Path("/src/pytorch"),
    exists: bool = True,
    env: dict[str, str] | None = None,
    **kw: object,
) -> DepsInputs:
    return DepsInputs(
        Version(torch),
        needs_for(Version(torch)),
        tree,
        exists,
        Path("/venv/bin/python"),
        python,
        installed,
        str(kw.get("installer", "uv")),
        kw.get("index_url"),  # type: ignore[arg-type]
        tuple(kw.get("find_links", ())),  # type: ignore[arg-type]
        bool(kw.get("offline", False)),
        env if env is not None else {"PIP_CONFIG_FILE": "/dev/null"},
    )


def test_a_new_venv_for_19_gets_the_pinned_old_tree_set_with_wheel() -> None:
    deps, check = plan_deps(_inputs())
    assert check is None
    assert deps is not None
    assert deps.requirements == (
        "pip",  # the venv torchsetup makes is bare
        "numpy<2",
        "pyyaml",
        "typing_extensions",
        "setuptools<59.6",
        "wheel",
    )


def test_python_36_also_gets_dataclasses_as_19_requires() -> None:
    deps, _ = plan_deps(_inputs(python="3.6.15"))
    assert deps is not None
    assert 'dataclasses; python_version < "3.7"' in deps.requirements


def test_a_venv_with_everything_installs_nothing() -> None:
    deps, check = plan_deps(_inputs(installed=_ALL_19))
    assert deps is None
    assert check is not None
    assert check.status is Status.OK


def test_a_missing_wheel_is_named_so_one_install_is_enough() -> None:
    installed = {k: v for k, v in _ALL_19.items() if k != "wheel"}
    deps, _ = plan_deps(_inputs(installed=installed))
    assert deps is not None
    assert (deps.requirements, deps.reasons) == (("wheel",), ("missing: wheel",))


def test_setuptools_596_is_replaced_and_the_reason_is_in_words() -> None:
    deps, _ = plan_deps(_inputs(installed={**_ALL_19, "setuptools": "65.5.0"}))
    assert deps is not None
    assert deps.requirements == ("setuptools<59.6",)
    assert "no longer has distutils.version" in deps.reasons[0]
    assert "https://github.com/pytorch/pytorch/issues/69894" in deps.reasons[0]


def test_numpy_2_is_replaced_for_torch_before_23() -> None:
    deps, _ = plan_deps(_inputs(installed={**_ALL_19, "numpy": "2.0.2"}))
    assert deps is not None
    assert deps.requirements == ("numpy<2",)


def test_a_2x_tree_installs_its_requirements_and_build_system(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text(
        "# comment\nastunparse\n-r other.txt\npyyaml  # inline\n--index-url x\n"
    )
    (tmp_path / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=70.1.0", "cmake>=3.27"]\n'
    )
    deps, _ = plan_deps(_inputs("2.6.0", tree=tmp_path, python="3.11.7"))
    assert deps is not None
    assert deps.requirements == (
        "pip",
        "astunparse",
        "pyyaml",
        "setuptools>=70.1.0",
        "cmake>=3.27",
        "wheel",
    )


def test_a_tree_not_cloned_yet_installs_its_requirements_file_after_the_clone() -> None:
    deps, _ = plan_deps(_inputs("2.2.0", exists=False, python="3.11.7"))
    assert deps is not None
    assert deps.requirement_file == Path("/src/pytorch/requirements.txt")
    assert deps.requirements == ("pip", "numpy<2", "wheel")


def test_pip_configuration_is_honoured_and_the_command_line_wins(tmp_path: Path) -> None:
    conf = tmp_path / "pip.conf"
    conf.write_text("[global]\nindex-url = http://mirror/simple\nfind-links = /wheels\n")
    inputs = _inputs(env={"PIP_CONFIG_FILE": str(conf)})
    deps, _ = plan_deps(inputs)
    assert deps is not None
    argv = install_argv(install_call(inputs, deps))
    assert argv[argv.index("--index-url") + 1] == "http://mirror/simple"
    assert "/wheels" in argv
    ours = replace(inputs, index_url="http://127.0.0.1:9/", offline=True)
    argv = install_argv(install_call(ours, deps))
    assert argv[argv.index("--index-url") + 1] == "http://127.0.0.1:9/"
    assert "--offline" in argv


def test_python_36_installs_with_pip() -> None:
    inputs = _inputs(python="3.6.15", installer="pip")
    deps, _ = plan_deps(inputs)
    assert deps is not None
    argv = install_argv(install_call(inputs, deps))
    assert argv[:4] == ["/venv/bin/python", "-m", "pip", "install"]
