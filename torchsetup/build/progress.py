"""Turn build output into progress: ninja's `[k/N]`, make's `[ 73%]`, configure and install
phases (build.md §4 "Progress output for the bar"). Pure: lines in, Progress out."""

from __future__ import annotations

import re

from torchsetup.build.model import Progress

__all__ = ["ProgressTracker", "eta_seconds", "fraction"]

_NINJA = re.compile(r"^\[(\d+)/(\d+)\] (.*)$")
_MAKE = re.compile(r"^\[\s*(\d+)%\] (.*)$")
_ACTION = re.compile(
    r"^(?:Building|Linking) (?:CXX|C|CUDA|ASM)\w* (?:object|shared library|static "
    r"library|executable) (.*)$"
)
_INSTALL = ("Install the project", "-- Install configuration:", "-- Installing:", "-- Up-to-date:")
_PACKAGE = (
    "running build_py",
    "running build_ext",
    "running bdist_wheel",
    "running install",
    "creating '",
    "Building wheel torch",
)


class ProgressTracker:
    """Feed it every output line; it answers the new Progress when something moved."""

    def __init__(self) -> None:
        self.current = Progress(phase="configure")

    def feed(self, line: str) -> Progress | None:
        """The progress after `line`, or None when the line changes nothing."""
        new = self._parse(line.strip())
        if new is None or new == self.current:
            return None
        self.current = new
        return new

    def _parse(self, line: str) -> Progress | None:
        cur = self.current
        ninja = _NINJA.match(line)
        if ninja:
            done, total, text = int(ninja.group(1)), int(ninja.group(2)), ninja.group(3)
            if text.startswith("Re-running CMake"):
                # The total will change once CMake has regenerated build.ninja (observed locally).
                return Progress("configure", done, total, None, "Re-running CMake")
            phase = "install" if text.startswith("Install the project") else "compile"
            return Progress(phase, done, total, None, _target(text))
        make = _MAKE.match(line)
        if make:
            return Progress("compile", None, None, float(make.group(1)), _target(make.group(2)))
        if line.startswith(_INSTALL):
            return Progress(
                "install", cur.done, cur.total, cur.percent, line.split(":", 1)[-1].strip() or None
            )
        if line.startswith(_PACKAGE) and cur.phase != "configure":
            return Progress("package", cur.done, cur.total, cur.percent, line)
        if line == "ninja: no work to do.":
            return Progress("compile", 0, 0, None, "nothing to rebuild")
        return None


def _target(text: str) -> str:
    """'Building CXX object caffe2/CMakeFiles/x.dir/a.cpp.o' → 'caffe2/CMakeFiles/x.dir/a.cpp.o'."""
    match = _ACTION.match(text)
    return match.group(1) if match else text


def fraction(progress: Progress) -> float | None:
    """0.0–1.0 through the compile, or None before there is a total."""
    if progress.total:
        return min(1.0, (progress.done or 0) / progress.total)
    if progress.percent is not None:
        return progress.percent / 100
    return None


def eta_seconds(progress: Progress, elapsed_s: float) -> float | None:
    """Seconds left at the average rate so far (None until something finished)."""
    done = fraction(progress)
    if not done or elapsed_s <= 0:
        return None
    return elapsed_s * (1 - done) / done
