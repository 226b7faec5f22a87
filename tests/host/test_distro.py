"""/etc/os-release → the package manager and the install command for a missing tool."""

from __future__ import annotations

from pathlib import Path

import pytest

from torchsetup.host.distro import Distro, install_command, read_distro


@pytest.mark.parametrize(
    ("os_release", "manager"),
    [
        ('ID=debian\nVERSION_ID="12"\n', "apt"),
        ('ID=ubuntu\nID_LIKE=debian\nVERSION_ID="22.04"\n', "apt"),
        ('ID=linuxmint\nID_LIKE="ubuntu debian"\n', "apt"),
        ('ID="rocky"\nID_LIKE="rhel centos fedora"\n', "dnf"),
        ("ID=fedora\nVERSION_ID=40\n", "dnf"),
        ("ID=arch\n", None),
    ],
)
def test_distribution_family_from_os_release(
    tmp_path: Path, os_release: str, manager: str | None
) -> None:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "os-release").write_text(os_release)
    assert read_distro(tmp_path).manager == manager


def test_no_os_release_is_an_unknown_distribution(tmp_path: Path) -> None:
    assert read_distro(tmp_path) == Distro()


@pytest.mark.parametrize(
    ("distro", "need", "n", "command"),
    [
        (Distro("debian"), "gxx", "10", "sudo apt-get install -y g++-10"),
        (Distro("rhel"), "gxx", "10", "sudo dnf install -y gcc-toolset-10-gcc-c++"),
        (Distro("ubuntu"), "cuda", "11.1", "sudo apt-get install -y cuda-toolkit-11-1"),
        (Distro("fedora"), "cuda", "", "sudo dnf install -y cuda-toolkit"),
        (Distro("debian"), "python-dev", "3.9", "sudo apt-get install -y python3.9-dev"),
        (Distro("arch"), "cmake", "", "install cmake with your system's package manager"),
    ],
)
def test_install_command_names_the_package_for_the_distribution(
    distro: Distro, need: str, n: str, command: str
) -> None:
    assert install_command(distro, need, n) == command
