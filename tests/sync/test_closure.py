"""Extra and missing packages from dist-info metadata alone (a venv laid out by hand)."""

from __future__ import annotations

import json
from pathlib import Path

from packaging.requirements import Requirement

from torchsetup.sync.closure import closure


def _venv(root: Path, dists: dict[str, list[str]], editable: tuple[str, ...] = ()) -> Path:
    """A venv for Python 3.11 whose site-packages holds `name: [Requires-Dist…]`."""
    (root / "bin").mkdir(parents=True)
    (root / "bin" / "python").touch()
    (root / "pyvenv.cfg").write_text("home = /usr/bin\nversion = 3.11.7\n")
    site = root / "lib" / "python3.11" / "site-packages"
    for name, requires in dists.items():
        info = site / f"{name}-1.0.dist-info"
        info.mkdir(parents=True)
        lines = ["Metadata-Version: 2.1", f"Name: {name}", "Version: 1.0"]
        lines += [f"Requires-Dist: {r}" for r in requires]
        (info / "METADATA").write_text("\n".join(lines) + "\n")
        if name in editable:
            url = {"url": "file:///src/app", "dir_info": {"editable": True}}
            (info / "direct_url.json").write_text(json.dumps(url))
    return root


def test_extra_is_what_nothing_the_config_names_needs(tmp_path: Path) -> None:
    venv = _venv(
        tmp_path / "v",
        {"torch": ["sympy"], "sympy": ["mpmath"], "mpmath": [], "einops": [], "pip": []},
    )
    found = closure(venv, [Requirement("torch")])
    assert found.extra == ("einops",)  # pip is the venv's own seed, never extra
    assert found.missing == ()


def test_missing_dependency_names_who_needs_it(tmp_path: Path) -> None:
    venv = _venv(tmp_path / "v", {"torch": ["sympy", "filelock"], "sympy": []})
    assert closure(venv, [Requirement("torch")]).missing == (("filelock", "torch"),)


def test_a_marker_for_another_python_is_not_needed(tmp_path: Path) -> None:
    venv = _venv(tmp_path / "v", {"app": ['tomli; python_version < "3.11"'], "tomli": []})
    found = closure(venv, [Requirement("app")])
    assert found.extra == ("tomli",)
    assert found.missing == ()


def test_extras_asked_for_pull_in_their_dependencies(tmp_path: Path) -> None:
    venv = _venv(tmp_path / "v", {"app": ['rich; extra == "pretty"'], "rich": []})
    assert closure(venv, [Requirement("app")]).extra == ("rich",)
    assert closure(venv, [Requirement("app[pretty]")]).extra == ()


def test_an_editable_project_and_its_needs_are_never_extra(tmp_path: Path) -> None:
    venv = _venv(
        tmp_path / "v",
        {"torch": [], "myapp": ["einops"], "einops": [], "junk": []},
        editable=("myapp",),
    )
    assert closure(venv, [Requirement("torch")]).extra == ("junk",)
