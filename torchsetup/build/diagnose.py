"""Why a build failed: collect the first `FAILED:` target and the error lines as they stream by,
then classify them against build.md's failure table (F1–F18; the ids stay internal, the user
reads the cause in words and the upstream issue). Pure, bounded memory."""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field

from torchsetup.build.model import Diagnosis
from torchsetup.host.distro import Distro, install_command

__all__ = ["RULES", "FailureCollector", "FixContext", "Rule", "classify"]

_ERRORISH = re.compile(
    r"error[: ]|fatal|Killed|No such file|not found|FAILED|Error \d|"
    r"Traceback|^\w*Error:",
    re.IGNORECASE,
)
_KEEP_ERRORS = 200
_BLOCK_LINES = 40


@dataclass(frozen=True)
class FixContext:
    """What a fix needs to name the exact next command."""

    jobs: int
    source: str
    python: str
    rerun: str  # the torchsetup command line to run again
    log: str = "the log"
    fresh: str = ""  # the same command without --venv (torchsetup makes a venv that fits)
    distro: Distro = field(default_factory=Distro)


@dataclass(frozen=True)
class Rule:
    """One row of the failure table: the message, what it means, the fix and the upstream
    issues that explain it."""

    id: str
    pattern: re.Pattern[str]
    title: str
    fix: str  # str.format fields: jobs, half, source, python, rerun, fresh, log, install_*
    links: tuple[str, ...] = ()


def _r(id: str, pattern: str, title: str, fix: str, *issues: str) -> Rule:
    links = tuple(
        i if "/" in i else f"https://github.com/pytorch/pytorch/issues/{i}" for i in issues
    )
    return Rule(id, re.compile(pattern), title, fix, links)


# Every fix is one command that runs as printed; what it means goes into the title.
RULES: tuple[Rule, ...] = (
    _r(
        "F8",
        r"Killed signal terminated program|internal compiler error: Killed|died due to signal 9"
        r"|virtual memory exhausted|out of memory allocating|[Cc]annot allocate memory",
        "a compiler was killed for lack of memory (too many parallel jobs); rerun with fewer "
        "jobs and the build resumes where it stopped",
        "{rerun} --jobs {half}",
        "49078",
        "20296",
    ),
    _r(
        "F3",
        r"unsupported GNU version! gcc versions later than (?P<gcc>\d+)",
        "the host gcc is too new for nvcc; an older g++ as CUDAHOSTCXX fixes it",
        "CUDAHOSTCXX=/usr/bin/g++-{gcc} {rerun}",
        "6094",
    ),
    _r(
        "F1",
        r"Could not find any of CMakeLists\.txt|Submodule initi?alization failed"
        r"|git submodule update --init --recursive",
        "git submodules are missing (a GitHub zip, or a clone without --recursive)",
        "git -C {source} submodule sync && git -C {source} submodule update --init --recursive",
        "13586",
    ),
    _r(
        "F7",
        r"module 'distutils' has no attribute 'version'",
        "setuptools 59.6 and newer no longer provide distutils.version, which this tree uses",
        "{python} -m pip install 'setuptools<59.6'",
        "69894",
    ),
    _r(
        "F14",
        r"Missing build dependency: Unable to `import yaml`",
        "pyyaml is missing from the build venv",
        "{python} -m pip install pyyaml",
    ),
    _r(
        "F2",
        r"no cmake or cmake3 with version|CMake [\d.]+ or higher is required",
        "cmake is missing or too old",
        "{python} -m pip install 'cmake>=3.18'",
    ),
    _r(
        "F9",
        r'namespace "thrust" has no member "host_vector"',
        "PyTorch 1.9 does not build with CUDA 11.4.2 or newer; build with CUDA 11.1",
        "CUDA_HOME=/usr/local/cuda-11.1 {rerun}",
        "64984",
    ),
    _r(
        "F10",
        r'namespace "cub" has no member "Debug"',
        "PyTorch 1.10 and older do not build with CUDA 11.5 or newer; build with CUDA 11.3",
        "CUDA_HOME=/usr/local/cuda-11.3 {rerun}",
        "70931",
    ),
    _r(
        "F4",
        r"CUDA 9\.0 is not compatible with std::tuple",
        "CUDA 9.0 needs gcc 5 or older as its host compiler",
        "CUDAHOSTCXX=/usr/bin/g++-5 {rerun}",
    ),
    _r(
        "F6",
        r"PyTorch requires (?:cuDNN 7|CUDA 9\.0) and above",
        "the CUDA toolkit or cuDNN is too old (CUDA 10.2 and cuDNN 7 at least)",
        "{install_cuda}",
    ),
    _r(
        "F11",
        r"no match for .operator!=. .*thread::id",
        "gcc 11 and newer cannot compile the old oneDNN; build without it (or with g++ 10)",
        "USE_MKLDNN=0 {rerun}",
        "73554",
    ),
    _r(
        "F12",
        r"invalid use of incomplete type .PyFrameObject.",
        "Python 3.11 and newer are too new for this tree's pybind11; a venv with an older Python "
        "builds it",
        "{fresh}",
        "pybind/pybind11#4464",
    ),
    _r("F13", r"too old version of GCC", "gcc is older than 5", "{install_cxx}"),
    _r(
        "F16",
        r"No space left on device",
        "the disk (or TMPDIR, where nvcc writes) is full: free 10 GB or point TMPDIR elsewhere",
        "df -h {source} /tmp",
        "2046",
    ),
    _r(
        "F15",
        r"file format not recognized",
        "a conda `ld` shadows the system linker (fixed in Python 3.6.10, 3.7.6, 3.8.1)",
        "{fresh}",
    ),
    _r(
        "F18",
        r"Failed to load PyTorch C extensions|No module named 'torch\._C'",
        "torch was imported from the source tree, not the installed one",
        "cd / && {python} -c 'import torch'",
        "4622",
    ),
    _r(
        "F5",
        r"Cannot find cuDNN library\. Turning the option off",
        "cuDNN was not found, so the build turned it off; build without it on purpose or "
        "install cuDNN and set CUDNN_INCLUDE_DIR and CUDNN_LIBRARY",
        "USE_CUDNN=0 {rerun}",
        "31186",
    ),
)


class FailureCollector:
    """Keeps the first FAILED block, the lines any rule matches, and the last lines."""

    def __init__(self) -> None:
        self.failed_target: str | None = None
        self.block: list[str] = []
        self.matches: list[tuple[Rule, re.Match[str], str]] = []
        self.errors: list[str] = []
        self.tail: deque[str] = deque(maxlen=40)
        self._in_block = False

    def feed(self, line: str) -> None:
        """Look at one output line."""
        self.tail.append(line)
        if line.startswith("FAILED: ") and self.failed_target is None:
            self.failed_target, self._in_block = line[len("FAILED: ") :].strip(), True
        elif self._in_block and (
            re.match(r"^\[\d+/\d+\] ", line)
            or line.startswith("ninja: ")
            or len(self.block) >= _BLOCK_LINES
        ):
            self._in_block = False
        if self._in_block:
            self.block.append(line)
        for rule in RULES:
            match = rule.pattern.search(line)
            if match and len(self.matches) < _KEEP_ERRORS:
                self.matches.append((rule, match, line))
        if _ERRORISH.search(line) and len(self.errors) < _KEEP_ERRORS:
            self.errors.append(line)


def classify(
    seen: FailureCollector, ctx: FixContext, *, signal_name: str | None = None
) -> Diagnosis:
    """The most specific diagnosis for what the collector saw."""
    fields = {
        "jobs": ctx.jobs,
        "half": max(1, ctx.jobs // 2),
        "source": ctx.source,
        "python": ctx.python,
        "rerun": ctx.rerun,
        "fresh": ctx.fresh or ctx.rerun,
        "log": ctx.log,
        "install_cxx": install_command(ctx.distro, "cxx"),
        "install_cuda": install_command(ctx.distro, "cuda"),
    }
    excerpt = _excerpt(seen)
    for rule in RULES:
        hits = [(m, line) for r, m, line in seen.matches if r is rule]
        if hits:
            match, line = hits[0]
            evidence = tuple(dict.fromkeys([line, *excerpt]))[:10]
            fix = rule.fix.format(**fields, **match.groupdict())
            return Diagnosis(rule.id, rule.title, fix, seen.failed_target, evidence, rule.links)
    if signal_name:
        return Diagnosis(
            "signal",
            f"the build was killed by {signal_name} (the kernel's out-of-memory killer sends "
            "SIGKILL); rerun with fewer jobs and the build resumes",
            f"{ctx.rerun} --jobs {fields['half']}",
            seen.failed_target,
            excerpt,
        )
    if seen.failed_target:
        return Diagnosis(
            "compile",
            f"{seen.failed_target} failed to build; fix the error, then rerun: the build resumes",
            ctx.rerun,
            seen.failed_target,
            excerpt,
        )
    return Diagnosis(
        "unknown",
        "the build failed",
        f"less {ctx.log}",
        None,
        excerpt or tuple(seen.tail)[-10:],
    )


def _excerpt(seen: FailureCollector) -> tuple[str, ...]:
    """At most 10 lines: the FAILED line, then compiler error lines of its block, then others."""
    lines = []
    if seen.failed_target:
        lines.append(f"FAILED: {seen.failed_target}")
        lines += [ln for ln in seen.block if re.search(r"error|Killed|fatal", ln, re.I)]
    lines += [ln for ln in seen.errors if not ln.startswith("FAILED: ")]
    return tuple(dict.fromkeys(lines))[:10]
