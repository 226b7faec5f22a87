"""Which Linux distribution this is (/etc/os-release) and the command that installs a system
package there: `sudo apt-get install …` on Debian/Ubuntu, `sudo dnf install …` on Fedora/RHEL."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["Distro", "install_command", "parse_os_release", "read_distro"]

_APT = ("debian", "ubuntu")
_DNF = ("fedora", "rhel", "centos", "rocky", "almalinux")
# What each need is called per package manager. `{n}` is a version (gcc major, CUDA major-minor,
# Python major.minor). gcc-toolset is RHEL's way to get an older gcc beside the default one;
# cuda-toolkit-X-Y comes from NVIDIA's CUDA repository (it is not in the distributions' own).
_PACKAGES: dict[str, dict[str, str]] = {
    "cxx": {"apt": "g++", "dnf": "gcc-c++"},
    "gxx": {"apt": "g++-{n}", "dnf": "gcc-toolset-{n}-gcc-c++"},
    "cmake": {"apt": "cmake", "dnf": "cmake"},
    "ninja": {"apt": "ninja-build", "dnf": "ninja-build"},
    "ccache": {"apt": "ccache", "dnf": "ccache"},
    "git": {"apt": "git", "dnf": "git"},
    "cuda": {"apt": "cuda-toolkit-{n}", "dnf": "cuda-toolkit-{n}"},
    "python-dev": {"apt": "python{n}-dev", "dnf": "python3-devel"},
}
_WORDS = {
    "cxx": "a C++ compiler (g++)",
    "gxx": "g++ {n}",
    "cmake": "cmake",
    "ninja": "ninja",
    "ccache": "ccache",
    "git": "git",
    "cuda": "the CUDA toolkit {n}",
    "python-dev": "the Python {n} headers",
}


def parse_os_release(text: str) -> dict[str, str]:
    """KEY=value lines of /etc/os-release (quotes stripped)."""
    out = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            out[key.strip()] = value.strip().strip("\"'")
    return out


@dataclass(frozen=True)
class Distro:
    """ID, ID_LIKE and VERSION_ID of /etc/os-release ("" when unknown)."""

    id: str = ""
    like: tuple[str, ...] = ()
    version: str | None = None

    @property
    def manager(self) -> str | None:
        """apt, dnf, or None for a distribution torchsetup has no package names for."""
        family = (self.id, *self.like)
        if any(name in _APT for name in family):
            return "apt"
        if any(name in _DNF for name in family):
            return "dnf"
        return None


def read_distro(root: Path = Path("/")) -> Distro:
    """The distribution of the system under root (etc/os-release, else usr/lib/os-release)."""
    for name in ("etc/os-release", "usr/lib/os-release"):
        try:
            text = (root / name).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        fields = parse_os_release(text)
        return Distro(
            fields.get("ID", "").lower(),
            tuple(fields.get("ID_LIKE", "").lower().split()),
            fields.get("VERSION_ID"),
        )
    return Distro()


def install_command(distro: Distro, need: str, n: str = "") -> str:
    """The command that installs `need` (a key of the table above) on this distribution."""
    n = n.replace(".", "-") if need == "cuda" else n
    manager = distro.manager
    if manager is None:
        what = _WORDS[need].format(n=n).strip()
        return f"install {what} with your system's package manager"
    package = _PACKAGES[need][manager].format(n=n).rstrip("-")
    tool = "apt-get" if manager == "apt" else "dnf"
    return f"sudo {tool} install -y {package}"
