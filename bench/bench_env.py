"""`torchsetup env` cost against the anchors measured in the same run; prints ratios.

Anchors: the tutorial's `echo 'export …' >> ~/.bashrc` (one O_APPEND write) and conda's
in-place rewrite (read text, open "w", write). torchsetup does more on purpose (lock, temp file,
fsync, rename, re-read), so the ratio says what that safety costs per run.

    python bench/bench_env.py [--repeat 50]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from torchsetup.shellenv import EnvRequest, run_env

LINE = "export LD_LIBRARY_PATH=/opt/lib:$LD_LIBRARY_PATH\n"


def _median_ms(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=50)
    repeat = parser.parse_args().repeat
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        environ = {**os.environ, "HOME": tmp, "XDG_STATE_HOME": f"{tmp}/state"}
        rc = home / ".bashrc"
        for size_kib in (4, 1024):
            original = ("# user line\n" * (size_kib * 1024 // 12)).encode()
            rc.write_bytes(original)
            (home / ".profile").write_bytes(original)

            def append() -> None:
                with rc.open("a") as f:
                    f.write(LINE)

            def conda_like() -> None:
                text = rc.read_text()
                with rc.open("w") as f:
                    f.write(text)

            def apply() -> None:
                request = EnvRequest(shell="bash", ld_library_path=("/usr/lib",))
                run_env(request, environ)

            def apply_remove() -> None:
                apply()
                run_env(EnvRequest(shell="bash", mode="remove"), environ)

            anchor = _median_ms(append, repeat)
            rc.write_bytes(original)
            conda = _median_ms(conda_like, repeat)
            rc.write_bytes(original)
            apply()
            again = _median_ms(apply, repeat)  # block present: "no change"
            rc.write_bytes(original)
            (home / ".profile").write_bytes(original)
            cycle = _median_ms(apply_remove, repeat)
            print(f"rc file {size_kib} KiB, median of {repeat}:")
            print(f"  anchor `>> ~/.bashrc`        {anchor:8.3f} ms  1.0x")
            print(f"  conda-style rewrite in place {conda:8.3f} ms  {conda / anchor:6.1f}x")
            print(f"  torchsetup env, no change    {again:8.3f} ms  {again / anchor:6.1f}x")
            print(
                f"  torchsetup env + --remove    {cycle:8.3f} ms  {cycle / anchor:6.1f}x"
                "  (2 files each, lock + fsync + rename)"
            )


if __name__ == "__main__":
    main()
