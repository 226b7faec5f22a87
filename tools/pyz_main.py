"""torchsetup.pyz's entry point: unpack the payload once into the user cache, then run the CLI.

Stdlib only, and parseable by any Python 3 (no f-strings, no annotations), so that an old
interpreter gets a clear message instead of a SyntaxError. The payload is unpacked rather than
imported from the zip because the doctor runs its probe files with the *target* interpreter and
virtualenv runs its own helper scripts by path: both need real files (as shiv and pex do).
"""

import os
import shutil
import sys
import zipfile

BUILD_ID = "@BUILD_ID@"  # sha256 of the payload (names and bytes), filled in by the build
_PAYLOAD = "payload/"
_OLDEST = (3, 9)


def _fail(message, hint):
    sys.stderr.write("error: " + message + "\nhint: " + hint + "\n")
    sys.exit(2)


def _cache_root():
    configured = os.environ.get("TORCHSETUP_PYZ_CACHE")
    if configured:
        return configured
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "torchsetup", "pyz")


def _unpack(archive, target):
    """Extract beside the final name, then rename: a concurrent or interrupted run never sees a
    half-written tree (the loser of a race deletes its copy)."""
    parent = os.path.dirname(target)
    os.makedirs(parent, exist_ok=True)
    scratch = target + ".tmp-" + str(os.getpid())
    shutil.rmtree(scratch, ignore_errors=True)
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            if info.filename.startswith(_PAYLOAD) and not info.is_dir():
                zf.extract(info, scratch)
    import compileall

    # Byte-compiled once here, so no later start recompiles (PYTHONDONTWRITEBYTECODE or not).
    compileall.compile_dir(os.path.join(scratch, "payload"), quiet=2)
    try:
        os.rename(os.path.join(scratch, "payload"), target)
    except OSError:
        if not os.path.isdir(target):
            raise
    shutil.rmtree(scratch, ignore_errors=True)


def main():
    """Check the interpreter, unpack if needed, and hand over to torchsetup.cli.main."""
    if sys.version_info[:2] < _OLDEST:
        here = ".".join(str(p) for p in sys.version_info[:3])
        _fail(
            "torchsetup needs Python >= 3.9; this is Python " + here + " (" + sys.executable + ")",
            "python3.11 torchsetup.pyz --help    (any python3 >= 3.9: ls /usr/bin/python3*)",
        )
    archive = os.path.dirname(os.path.abspath(__file__))
    target = os.path.join(_cache_root(), BUILD_ID[:16])
    if not os.path.isdir(target):
        try:
            _unpack(archive, target)
        except OSError as err:
            _fail(
                "cannot unpack torchsetup.pyz into " + target + ": " + str(err),
                "TORCHSETUP_PYZ_CACHE=/tmp/torchsetup-pyz python3 " + archive + " --help",
            )
    sys.path[:] = [target] + [p for p in sys.path if os.path.abspath(p or ".") != archive]
    os.environ["TORCHSETUP_PYZ"] = archive
    from torchsetup.cli import main as cli_main

    cli_main()


if __name__ == "__main__":
    main()
