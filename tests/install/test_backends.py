"""uv and pip argv: byte-compilation flags and binary-only packages."""

from __future__ import annotations

from pathlib import Path

from torchsetup.install.backends import InstallCall, install_argv

PY = Path("/v/bin/python")


def test_uv_compiles_everything_only_when_asked() -> None:
    assert "--compile-bytecode" not in install_argv(InstallCall("uv", PY, ("torch",)))
    assert "--compile-bytecode" in install_argv(InstallCall("uv", PY, ("torch",), compile_all=True))


def test_pip_skips_its_full_compile_unless_asked() -> None:
    assert "--no-compile" in install_argv(InstallCall("pip", PY, ("torch",)))
    assert "--no-compile" not in install_argv(InstallCall("pip", PY, ("torch",), compile_all=True))


def test_only_binary_packages_are_passed_to_both_installers() -> None:
    for installer in ("uv", "pip"):
        argv = install_argv(InstallCall(installer, PY, ("numpy",), only_binary=("numpy",)))
        assert argv[argv.index("--only-binary") + 1] == "numpy"
