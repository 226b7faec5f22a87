"""Byte-compile exactly what `import torch` (and the check's torch._dynamo) loads, cheaply.

uv installs no .pyc; under PYTHONDONTWRITEBYTECODE=1 every later `import torch` would compile
its ~1600 modules again. Importing once with bytecode on writes them, but one process compiles
them one by one (~8 s here; a forked helper compiling ahead along the static imports makes that
~6 s on 2 cores). So that import also records which files it loaded (the closure)
and their code, kept per set of installed distributions in torchsetup's cache (as uv keeps
wheels): a later install of the same builds writes the .pyc of each file whose source hash
matches, compiles the rest of the list with one worker per CPU, and imports nothing.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from platformdirs import user_cache_path

from torchsetup import runner
from torchsetup.envcheck.execute import BYTECODE_ON

__all__ = ["closure_file", "compile_imports"]

# Run by the venv's own interpreter: Python 3.6+ and stdlib only. argv: the closure list, the
# bytecode store. Without the list: import what the check imports (any torch.optim optimizer
# pulls in torch._dynamo on 2.x) with bytecode on, then record the .py files loaded from inside
# the venv, and their code (the .pyc minus its header) with the source's hash. With the list:
# each file whose source hash matches the store gets its .pyc written (a timestamp header for
# this file, as the import writes); the rest are py_compiled in a process pool (py_compile.compile
# pickles by name, so any start method works). source_hash needs 3.7: 3.6 compiles everything.
_CHILD = r"""
import os, sys
import importlib.util as iu
listed, store = sys.argv[1], sys.argv[2]
MAGIC = iu.MAGIC_NUMBER
def load(path):
    try:
        import marshal
        with open(path, "rb") as f:
            magic, kept = marshal.load(f)
        return kept if magic == MAGIC else {}
    except Exception:
        return {}
def put(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".tmp%d" % os.getpid(), "wb") as f:
        f.write(data)
    os.replace(path + ".tmp%d" % os.getpid(), path)
def stamp(st):
    return (int(st.st_mtime) & 0xFFFFFFFF).to_bytes(4, "little") + (
        st.st_size & 0xFFFFFFFF).to_bytes(4, "little")
def restored(rel, kept):
    path, entry = os.path.join(sys.prefix, rel), kept.get(rel)
    if entry is None or not hasattr(iu, "source_hash"):
        return False
    with open(path, "rb") as f:
        if iu.source_hash(f.read()) != entry[0]:
            return False
    put(iu.cache_from_source(path), MAGIC + bytes(4) + stamp(os.stat(path)) + entry[1])
    return True
def compile_all(files):
    import py_compile
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if (cpus or 1) < 2 or len(files) < 64:
        for p in files:
            py_compile.compile(p)
        return
    from concurrent.futures import ProcessPoolExecutor
    with ProcessPoolExecutor(cpus) as pool:
        list(pool.map(py_compile.compile, files, chunksize=max(1, len(files) // (cpus * 8))))
def entry(path):
    with open(iu.cache_from_source(path), "rb") as f:
        pyc = f.read()
    with open(path, "rb") as f:
        digest = iu.source_hash(f.read())
    if pyc[:4] == MAGIC and pyc[4:8] == bytes(4) and pyc[8:16] == stamp(os.stat(path)):
        return digest, pyc[16:]
    return None
if os.path.exists(listed):
    kept = load(store)
    with open(listed) as f:
        rels = [line.rstrip("\n") for line in f if line.strip()]
    rels = [r for r in rels if os.path.isfile(os.path.join(sys.prefix, r))]
    compile_all([os.path.join(sys.prefix, r) for r in rels if not restored(r, kept)])
    sys.exit(0)
def prefetch(names):
    # Ahead of the import, in a forked helper: compile depth first, in source order (the order
    # Python runs them), the modules each module imports at its top level, so the import finds
    # most .pyc ready (~8.5 s -> ~6.3 s here on 2 cores).
    import py_compile, re, signal
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))  # never mid-write: no temp files
    found = re.compile(r"^(?:from[ \t]+(\.*)([\w.]*)[ \t]+import[ \t]+\(?([\w, \t]*)"
                       r"|import[ \t]+([\w., \t]+))", re.M)
    roots = [p for p in sys.path if p and os.path.realpath(p).startswith(prefix)]
    def files(dotted):
        parts, out = dotted.split("."), []
        for i in range(1, len(parts) + 1):
            for root in roots:
                rel = os.path.join(root, *parts[:i])
                if os.path.isfile(os.path.join(rel, "__init__.py")):
                    out.append((os.path.join(rel, "__init__.py"), ".".join(parts[:i])))
                    break
                if i == len(parts) and os.path.isfile(rel + ".py"):
                    out.append((rel + ".py", ".".join(parts[:i - 1])))
                    break
        return out
    stack, seen = [], set()
    for name in reversed(names):
        stack.extend(reversed(files(name)))
    while stack and not stop:
        path, package = stack.pop()
        if path in seen:
            continue
        seen.add(path)
        try:
            with open(path, "rb") as f:
                text = f.read()
            with open(iu.cache_from_source(path), "rb") as f:
                ready = f.read(16) == MAGIC + bytes(4) + stamp(os.stat(path))
        except OSError:
            ready = False
        try:
            if not ready:
                py_compile.compile(path)
        except OSError:  # the import wrote it at the same moment
            pass
        later = []
        for dots, mod, names, plain in found.findall(text.decode("utf-8", "replace")):
            if plain:
                for one in plain.split(","):
                    later += files(one.strip().split(" ")[0])
                continue
            if dots:
                base = package.split(".")[: len(package.split(".")) - len(dots) + 1]
                mod = ".".join([p for p in base + [mod] if p])
            later += files(mod)
            for name in names.split(","):
                name = name.strip().split(" ")[0]
                if name and mod:
                    later += files(mod + "." + name)
        stack.extend(reversed(later))
prefix = os.path.join(os.path.realpath(sys.prefix), "")
helper = 0
cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
if (cpus or 1) > 1 and hasattr(os, "fork"):
    helper = os.fork()  # before torch starts any thread
    if helper == 0:
        try:
            prefetch(["torch", "torch._dynamo"])
        finally:
            os._exit(0)
sys.dont_write_bytecode = False
try:
    import torch
    try:
        import torch._dynamo
    except ImportError:
        pass
finally:  # a failed import stops the helper too
    if helper:
        import signal
        os.kill(helper, signal.SIGTERM)
        os.waitpid(helper, 0)
loaded = set()
for module in list(sys.modules.values()):
    path = getattr(module, "__file__", None)
    if path and path.endswith(".py") and os.path.realpath(path).startswith(prefix):
        loaded.add(os.path.relpath(os.path.realpath(path), prefix[:-1]))
put(listed, "".join(p + "\n" for p in sorted(loaded)).encode())
if hasattr(iu, "source_hash"):
    import marshal
    kept = {}
    for rel in loaded:
        try:
            got = entry(os.path.join(sys.prefix, rel))
        except OSError:
            got = None
        if got is not None:
            kept[rel] = got
    put(store, marshal.dumps((MAGIC, kept)))
"""

_KEEP = 4  # stores of this many sets of builds (~45 MB each for torch + numpy) stay


def closure_file(venv: Path, python_version: str) -> Path:
    """Where the closure of this venv's exact distributions (and Python X.Y) is recorded."""
    x_y = ".".join(python_version.split(".")[:2])
    dists = sorted(p.name for p in venv.glob("lib/python*/site-packages/*.dist-info"))
    key = hashlib.sha256("\n".join([x_y, *dists]).encode()).hexdigest()[:20]
    return user_cache_path("torchsetup", appauthor=False) / "closures" / f"{key}.txt"


def compile_imports(python: Path, closure: Path, log: Path) -> None:
    """Byte-compile the import closure into the venv; a failure only costs later imports time."""
    store = closure.with_suffix(".bytecode")
    argv = [str(python), "-c", _CHILD, str(closure), str(store)]
    runner.run(argv, env=BYTECODE_ON, log_path=log, check=False, timeout=600)
    _prune(closure.parent)


def _prune(folder: Path) -> None:
    """Keep the newest stores only; another install may be removing the same files."""
    dated = []
    for path in folder.glob("*.bytecode"):
        try:
            dated.append((path.stat().st_mtime, path))
        except FileNotFoundError:
            continue
    for _, old in sorted(dated)[:-_KEEP]:
        old.unlink(missing_ok=True)
