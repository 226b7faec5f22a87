"""The first install's walk (install/bytecode_child): without importing anything, it finds
what `import torch, torch._dynamo` loads, on every Python from 3.6, and writes their .pyc.

The tree is a stand-in `torch` holding each way a module gets loaded at import time (and two
that never run); the walk's closure is held against what a real import of it loads."""

from __future__ import annotations

import importlib.util
import marshal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.venvs import pyenv_python
from torchsetup.install.bytecode_child import CHILD

TREE = {
    # a .pth file's import runs before anything: it counts
    "early.pth": "import early_mod\n",
    "early_mod.py": "",
    "torch/__init__.py": (
        "import os\n"
        "from typing import TYPE_CHECKING\n"
        "if os.environ.get('WALK_MARK'):\n"
        "    open(os.environ['WALK_MARK'], 'w').close()\n"
        "from . import _tensor\n"
        "from .nn import functional\n"
        "import torch.jit as jit\n"
        "try:\n"
        "    import torch._optional\n"
        "except ImportError:\n"
        "    pass\n"
        "if TYPE_CHECKING:\n"
        "    import torch._typing_only\n"
        "import lazy_pkg as lp\n"
        "lp.fft.X\n"
        "class Tensor:\n"
        "    from torch import _in_class\n"
        "def later():\n"
        "    import torch._in_function\n"
    ),
    "torch/_tensor.py": "",
    "torch/nn/__init__.py": "",
    "torch/nn/functional.py": "",
    "torch/jit/__init__.py": "from torch.jit import _script\n",
    "torch/jit/_script.py": "",
    "torch/_optional.py": "",
    "torch/_typing_only.py": "",  # never run
    "torch/_in_class.py": "",
    "torch/_in_function.py": "",  # never run
    # numpy's pattern: `np.fft` runs the package's __getattr__, which imports numpy.fft
    "lazy_pkg/__init__.py": (
        "import sys\n"
        "if sys.version_info < (3, 7):  # no module __getattr__ before\n"
        "    from lazy_pkg import fft\n"
        "def __getattr__(name):\n"
        "    if name == 'fft':\n"
        "        import lazy_pkg.fft as fft\n"
        "        return fft\n"
        "    raise AttributeError(name)\n"
    ),
    "lazy_pkg/fft.py": "X = 1\n",
    "torch/_dynamo/__init__.py": "from .polyfills import loader\nfrom . import trace_rules\n",
    "torch/_dynamo/polyfills/__init__.py": "",
    # torch/_dynamo/polyfills/loader.py's pattern: a tuple of sibling names, imported by name
    "torch/_dynamo/polyfills/loader.py": (
        "import importlib\n"
        "from torch._dynamo import polyfills\n"
        "NAMES = ('builtins_like', 'itertools_like')\n"
        "MODS = tuple(importlib.import_module(f'.{n}', package=polyfills.__name__)"
        " for n in NAMES)\n"
    ),
    "torch/_dynamo/polyfills/builtins_like.py": "",
    "torch/_dynamo/polyfills/itertools_like.py": "",
    # torch/_dynamo/trace_rules.py's pattern: "module.attr" strings loaded by a function
    "torch/_dynamo/trace_rules.py": (
        "import importlib\n"
        "RULES = {'torch._by_string.fn': None}\n"
        "def _load(name):\n"
        "    module, _, attr = name.rpartition('.')\n"
        "    return getattr(importlib.import_module(module), attr)\n"
        "LOADED = [_load(k) for k in RULES]\n"
    ),
    "torch/_by_string.py": "def fn():\n    pass\n",
}

_LOADED = (
    "import os, sys\n"
    "import torch, torch._dynamo\n"
    "prefix = os.path.realpath(sys.prefix)\n"
    "for m in list(sys.modules.values()):\n"
    "    f = getattr(m, '__file__', None)\n"
    "    if f and f.endswith('.py') and os.path.realpath(f).startswith(prefix):\n"
    "        print(os.path.relpath(os.path.realpath(f), prefix))\n"
)


def _venv(python: Path, tmp: Path) -> tuple[Path, Path]:
    """A bare venv of `python` with TREE in its site-packages: (its python, site-packages)."""
    subprocess.run([str(python), "-m", "venv", "--without-pip", str(tmp / "v")], check=True)
    site = next((tmp / "v/lib").glob("python*/site-packages"))
    for rel, text in TREE.items():
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_text(text)
    return tmp / "v/bin/python", site


def _walk(python: Path, tmp: Path, **env: str) -> list[str]:
    closure, store = tmp / "closure.txt", tmp / "closure.bytecode"
    run_env = {"PATH": "/usr/bin:/bin", **env}
    subprocess.run([str(python), "-c", CHILD, str(closure), str(store)], check=True, env=run_env)
    return closure.read_text().splitlines()


def _imported(python: Path) -> set[str]:
    done = subprocess.run([str(python), "-c", _LOADED], capture_output=True, text=True, check=True)
    return set(done.stdout.splitlines())


def _pyc_is_used(source: Path) -> bool:
    """Python would load this .pyc: the magic of its interpreter, its source's mtime and size."""
    pyc = next((source.parent / "__pycache__").glob(source.stem + ".*.pyc"), None)
    if pyc is None:
        return False
    head, st = pyc.read_bytes()[:16], source.stat()
    stamp = (int(st.st_mtime) & 0xFFFFFFFF).to_bytes(4, "little")
    stamp += (st.st_size & 0xFFFFFFFF).to_bytes(4, "little")
    return stamp in head[4:16]


@pytest.mark.parametrize(
    "minor", ["3.6", "3.7", "3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "3.14"]
)
def test_walk_finds_what_the_import_loads_without_running_it(minor: str, tmp_path: Path) -> None:
    python, _ = _venv(pyenv_python(minor), tmp_path)
    mark = tmp_path / "ran"
    walked = _walk(python, tmp_path, WALK_MARK=str(mark))
    assert not mark.exists()  # nothing was imported
    assert set(walked) == _imported(python)
    assert f"lib/python{minor}/site-packages/torch/_typing_only.py" not in walked
    assert all(_pyc_is_used(tmp_path / "v" / rel) for rel in walked)


def test_walk_writes_the_store_of_each_file_it_compiled(tmp_path: Path) -> None:
    python, _ = _venv(Path(sys.executable), tmp_path)
    walked = _walk(python, tmp_path)
    magic, kept = marshal.loads((tmp_path / "closure.bytecode").read_bytes())
    assert magic == importlib.util.MAGIC_NUMBER
    assert set(kept) == set(walked)
    code = marshal.loads(kept[next(r for r in walked if r.endswith("trace_rules.py"))][1])
    assert "_load" in code.co_names


def test_walk_follows_the_module_names_an_extension_module_imports(tmp_path: Path) -> None:
    python, site = _venv(Path(sys.executable), tmp_path)
    # never loaded, only read: numpy's _multiarray_umath imports numpy.dtypes this way
    (site / "torch/_C.so").write_bytes(b"\x7fELF\x00torch._from_c\x00other.name\x00")
    (site / "torch/_from_c.py").write_text("")
    (site / "torch/__init__.py").write_text("from torch import _C\n")
    walked = _walk(python, tmp_path)
    assert any(r.endswith("site-packages/torch/_from_c.py") for r in walked)


def test_walk_goes_on_past_a_folder_it_cannot_write(tmp_path: Path) -> None:
    python, site = _venv(Path(sys.executable), tmp_path)
    (site / "torch/nn/__pycache__").write_text("a file where the folder would go")
    walked = _walk(python, tmp_path)
    assert any(r.endswith("site-packages/torch/nn/functional.py") for r in walked)
    assert _pyc_is_used(site / "torch/_dynamo/trace_rules.py")
