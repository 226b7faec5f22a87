"""The program install/bytecode runs in the venv's own interpreter (Python 3.6+, stdlib only)."""

from __future__ import annotations

__all__ = ["CHILD"]

# argv: the closure list, the bytecode store.
#
# With the list: each file whose source hash matches the store gets its .pyc written (a
# timestamp header for this file, as the import writes); the rest are py_compiled in a process
# pool (py_compile.compile pickles by name, so any start method works). source_hash needs 3.7:
# 3.6 compiles everything.
#
# Without it (the first install of these builds): walk what `import torch, torch._dynamo`
# loads (any torch.optim optimizer pulls in torch._dynamo on 2.x) without importing it: each
# file reached is compiled in a pool worker, which writes its .pyc as the import would and reads
# from the module-level code (if/try blocks and class bodies too, not `if TYPE_CHECKING:`
# blocks) what running it would load:
#   - its imports, and the submodules named by `from pkg import name`;
#   - attribute chains on names it bound to modules (`np.fft` at module level runs numpy's lazy
#     `__getattr__`, which imports numpy.fft);
#   - in a module that calls importlib.import_module anywhere, its string constants that name
#     modules (torch/_dynamo/polyfills/loader.py imports a tuple of sibling names,
#     torch/_dynamo/trace_rules.py loads "torch.onnx.is_in_onnx_export"-style names);
#   - for an extension module, the dotted names of its own package in the binary (numpy's
#     _multiarray_umath imports numpy.dtypes and numpy._core._exceptions from C).
# Modules the interpreter loaded before the walk (a .pth file's) count too. The files reached
# are recorded (the closure) with their code and the source's hash, for the next install.
CHILD = r"""
import bisect, os, re, sys, dis
import importlib.util as iu
listed, store = sys.argv[1], sys.argv[2]
MAGIC = iu.MAGIC_NUMBER
HASHED = hasattr(iu, "source_hash")
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
    if entry is None or not HASHED:
        return False
    with open(path, "rb") as f:
        if iu.source_hash(f.read()) != entry[0]:
            return False
    put(iu.cache_from_source(path), MAGIC + bytes(4) + stamp(os.stat(path)) + entry[1])
    return True
def workers():
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return cpus or 1
if os.path.exists(listed):
    kept = load(store)
    with open(listed) as f:
        rels = [line.rstrip("\n") for line in f if line.strip()]
    rels = [r for r in rels if os.path.isfile(os.path.join(sys.prefix, r))]
    files = [os.path.join(sys.prefix, r) for r in rels if not restored(r, kept)]
    import py_compile
    if workers() < 2 or len(files) < 64:
        for p in files:
            py_compile.compile(p)
    else:
        from concurrent.futures import ProcessPoolExecutor
        with ProcessPoolExecutor(workers()) as pool:
            size = max(1, len(files) // (workers() * 8))
            list(pool.map(py_compile.compile, files, chunksize=size))
    sys.exit(0)
OP, V = dis.opmap, sys.version_info[:2]
LOADS = set(OP[n] for n in ("LOAD_CONST", "LOAD_SMALL_INT") if n in OP)
ATTRS = set(OP[n] for n in ("LOAD_ATTR", "LOAD_METHOD") if n in OP)
NAMES = set([OP["LOAD_NAME"], OP["LOAD_GLOBAL"]])
STORES = set([OP["STORE_NAME"], OP["STORE_GLOBAL"]])
IMPORT_FROM = OP["IMPORT_FROM"]
MOVES = set(OP[n] for n in ("SWAP", "ROT_TWO", "POP_TOP") if n in OP)
SKIP = set(OP[n] for n in ("CACHE", "EXTENDED_ARG", "TO_BOOL", "NOT_TAKEN") if n in OP)
GUARD = re.compile(r"^([ \t]*)if[ \t]+(?:typing\.|t\.)?TYPE_CHECKING[ \t]*:[ \t]*(#.*)?$", re.M)
DOTTED = re.compile(r"^\.?[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")
def guarded(text):
    # the source lines of `if TYPE_CHECKING:` blocks: what they import never runs
    lines, out = text.split("\n"), set()
    for m in GUARD.finditer(text):
        start = end = text.count("\n", 0, m.start()) + 1
        width = len(m.group(1).expandtabs())
        while end < len(lines):
            line = lines[end]
            if line.strip() and not line.lstrip().startswith("#"):
                if len(line.expandtabs()) - len(line.expandtabs().lstrip()) <= width:
                    break
            end += 1
        out.update(range(start, end + 1))
    return out
EXT = OP["EXTENDED_ARG"]
def unit(codes):
    # one instruction of these opcodes in a code's opcode string (co_code[0::2]: one byte per
    # instruction, so a regex there is aligned), with its EXTENDED_ARG prefixes and caches
    real = sorted(c for c in codes if c < 256)  # 3.12+ lists pseudo-ops (LOAD_METHOD) too
    one = b"[" + b"".join(re.escape(bytes([c])) for c in real) + b"]"
    return b"(?:" + re.escape(bytes([EXT])) + b")*" + one + b"\x00*"
IMPORTS = re.compile(re.escape(bytes([OP["IMPORT_NAME"]])))
CHAINS = re.compile(unit(NAMES) + b"(?:" + unit(ATTRS) + b")+")
class Code(object):
    # a code object's instructions, read where the regexes point instead of decoded in full
    def __init__(self, co, skip):
        raw = co.co_code
        self.ops, self.args = raw[0::2], raw[1::2]
        self.names, self.consts = co.co_names, co.co_consts
        starts = sorted(dis.findlinestarts(co), key=lambda s: s[0]) if skip else []
        self.offsets, self.lines = [s[0] for s in starts], [s[1] for s in starts]
    def arg(self, i):
        value, shift, j = self.args[i], 8, i - 1
        while j >= 0 and self.ops[j] == EXT:
            value, shift, j = value | self.args[j] << shift, shift + 8, j - 1
        return value
    def near(self, i, step):
        # the real instruction before (-1) or after (1) instruction i; -1 if none
        i += step
        while 0 <= i < len(self.ops) and self.ops[i] in SKIP:
            i += step
        return i if 0 <= i < len(self.ops) else -1
    def line(self, i):
        k = bisect.bisect_right(self.offsets, 2 * i) - 1
        return self.lines[k] if k >= 0 else None
def name(op, arg, names):
    wide = (op == OP["LOAD_GLOBAL"] and V >= (3, 11)) or (op == OP["LOAD_ATTR"] and V >= (3, 12))
    return names[arg >> 1 if wide else arg]
def strings(consts, out):
    for c in consts:
        if isinstance(c, str):
            out.append(c)
        elif isinstance(c, (tuple, frozenset)):
            strings(c, out)
def run_at_import(code):
    # the module's code, its class bodies and comprehensions (not functions, not lambdas)
    out, todo = [], [code]
    while todo:
        co = todo.pop()
        out.append(co)
        for c in co.co_consts:
            if hasattr(c, "co_code") and c.co_name != "<lambda>":
                if not c.co_flags & 1 or c.co_name.startswith("<"):  # 1: CO_OPTIMIZED
                    todo.append(c)
    return out
def calls_import_module(code):
    todo = [code]
    while todo:
        co = todo.pop()
        if "import_module" in co.co_names:
            return True
        todo.extend(c for c in co.co_consts if hasattr(c, "co_code"))
    return False
def absolute(mod, level, package):
    if not level:
        return mod
    base = package.split(".")
    return ".".join([p for p in base[: len(base) - level + 1] + [mod] if p])
def imported(c, i, package, out, bound):
    # the import at instruction i: what it loads (out) and the names it binds to modules (bound)
    level, fromlist, b = 0, None, c.near(i, -1)
    a = c.near(b, -1) if b >= 0 else -1
    if a >= 0 and c.ops[a] in LOADS and c.ops[b] in LOADS:
        level = c.consts[c.arg(a)] if c.ops[a] == OP["LOAD_CONST"] else c.arg(a)
        fromlist = c.consts[c.arg(b)] if c.ops[b] == OP["LOAD_CONST"] else None
    mod = absolute(c.names[c.arg(i)], level, package)
    out += [mod] + [mod + "." + n for n in fromlist or () if mod and n != "*"]
    j, moved = c.near(i, 1), False
    if not fromlist:  # import a / import a.b (binds a) / import a.b as c (binds a.b)
        while j >= 0 and (c.ops[j] in MOVES or c.ops[j] in ATTRS or c.ops[j] == IMPORT_FROM):
            j, moved = c.near(j, 1), True
        if j >= 0 and c.ops[j] in STORES:
            bound[c.names[c.arg(j)]] = mod if moved or "." not in mod else mod.split(".")[0]
        return
    while j >= 0 and c.ops[j] == IMPORT_FROM:  # from a import b as n (binds a.b)
        k = c.near(j, 1)
        if k < 0 or c.ops[k] not in STORES:
            return
        bound[c.names[c.arg(k)]] = mod + "." + c.names[c.arg(j)]
        j = c.near(k, 1)
def scan(code, package, skip):
    # what running this module's code loads: [dotted name], as in the comment above
    out, bound, chains = [], {}, []
    for co in run_at_import(code):
        c = Code(co, skip)
        for m in IMPORTS.finditer(c.ops):
            if not skip or c.line(m.start()) not in skip:
                imported(c, m.start(), package, out, bound)
        for m in CHAINS.finditer(c.ops):
            at = [k for k in range(m.start(), m.end()) if c.ops[k] not in SKIP]
            if not skip or c.line(at[0]) not in skip:
                chains.append([name(c.ops[k], c.arg(k), c.names) for k in at])
    out += [".".join([bound.get(chain[0], chain[0])] + chain[1:]) for chain in chains]
    if calls_import_module(code):
        found = []
        strings(code.co_consts, found)
        for s in found:
            if len(s) < 200 and DOTTED.match(s):
                out.append(package + "." + s.lstrip(".") if "." not in s.lstrip(".") or
                           s.startswith(".") else s)
    return out
def learn(path, package):
    # one file of the walk, in a worker: compile it, write its .pyc, say what it loads (a file
    # that cannot be read or written costs its own bytecode, not the walk)
    try:
        with open(path, "rb") as f:
            src = f.read()
    except OSError:
        return path, [], None
    if not path.endswith(".py"):
        found = re.findall(br"\x00(" + re.escape(package.split(".")[0].encode()) +
                           br"(?:\.\w+)+)\x00", src)
        return path, [m.decode() for m in set(found)], None
    try:
        code = compile(src, path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return path, [], None
    import marshal
    body = marshal.dumps(code)
    try:
        put(iu.cache_from_source(path),
            MAGIC + (bytes(4) if HASHED else b"") + stamp(os.stat(path)) + body)
    except OSError:
        pass
    text = src.decode("utf-8", "replace")
    skip = guarded(text) if "TYPE_CHECKING" in text else set()
    return path, scan(code, package, skip), ((iu.source_hash(src), body) if HASHED else None)
prefix = os.path.join(os.path.realpath(sys.prefix), "")
roots = [p for p in sys.path if p and os.path.realpath(p).startswith(prefix)]
SUFFIXES = tuple(__import__("importlib.machinery").machinery.EXTENSION_SUFFIXES)
found, listed_in, real = {}, {}, {}
def listing(folder):
    if folder not in listed_in:
        try:
            listed_in[folder] = set(os.listdir(folder))
        except OSError:
            listed_in[folder] = set()
    return listed_in[folder]
def inside(path):
    # not a link out of the venv (virtualenv's symlinked seed packages are not its to compile)
    folder = os.path.dirname(path)
    if folder not in real:
        real[folder] = os.path.realpath(folder).startswith(prefix)
    return real[folder] and not os.path.islink(path)
def locate(folders, part, package):
    # (path, its package) of module `part` of `package` in the first folder that has it
    for folder in folders:
        names = listing(folder)
        if part in names and "__init__.py" in listing(os.path.join(folder, part)):
            return os.path.join(folder, part, "__init__.py"), ".".join([package, part]).lstrip(".")
        if part + ".py" in names:
            return os.path.join(folder, part + ".py"), package
        for suffix in SUFFIXES:
            if part + suffix in names:
                return os.path.join(folder, part + suffix), package or part
    return None
def files(dotted):
    # the files `import dotted` runs, outermost first: (path, its package)
    if dotted not in found:
        head, _, last = dotted.rpartition(".")
        above = files(head) if head else []
        if head and (len(above) != head.count(".") + 1 or
                     not above[-1][0].endswith("__init__.py")):
            found[dotted] = above  # head is a module or missing: the rest are attributes
        else:
            hit = locate([os.path.dirname(above[-1][0])] if head else roots, last, head)
            found[dotted] = above + [hit] if hit and inside(hit[0]) else above
    return found[dotted]
def learn_all(batch):
    return [learn(path, package) for path, package in batch]
def walk(names, pool):
    # files go to the workers in batches (a task per file costs the pool's threads, locks and
    # pipes more than compiling it); results come back through a queue as each batch is done
    import queue
    seen, kept, done, todo, pending = set(), {}, queue.Queue(), [], [0]
    def add(mods):
        for path, package in [f for mod in mods for f in files(mod)]:
            if path not in seen:
                seen.add(path)
                todo.append((path, package))
    def flush():
        # two batches per worker in flight: each takes its share of what is waiting
        while todo and pending[0] < 2 * workers():
            size = min(64, -(-len(todo) // (2 * workers() - pending[0])))
            batch, todo[:] = todo[:size], todo[size:]
            pending[0] += 1
            if pool:
                pool.submit(learn_all, batch).add_done_callback(done.put)
            else:
                done.put(learn_all(batch))
    add(names)
    flush()
    while pending[0]:
        got = done.get()
        pending[0] -= 1
        for path, mods, entry in got.result() if pool else got:
            if entry is not None:
                kept[path] = entry
            add(mods)
        flush()
    return [p for p in seen if p.endswith(".py")], kept
early = [m.__name__ for m in list(sys.modules.values())
         if os.path.realpath(getattr(m, "__file__", None) or "/").startswith(prefix)]
pool = None
if workers() > 1 and hasattr(os, "fork"):
    # learn is defined here in __main__ (python -c): workers must be forked to know it
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    try:
        pool = ProcessPoolExecutor(workers(), mp_context=multiprocessing.get_context("fork"))
    except TypeError:  # 3.6: no mp_context, and fork is the default on POSIX
        pool = ProcessPoolExecutor(workers())
try:
    walked, kept = walk(["torch", "torch._dynamo"] + early, pool)
finally:
    if pool:
        pool.shutdown()
rel = dict((p, os.path.relpath(p, sys.prefix)) for p in walked)
put(listed, "".join(r + "\n" for r in sorted(rel.values())).encode())
if HASHED:
    import marshal
    put(store, marshal.dumps((MAGIC, dict((rel[p], kept[p]) for p in walked if p in kept))))
"""
