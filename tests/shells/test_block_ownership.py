"""Issue 9: marker lines torchsetup did not write are refused, never replaced or deleted.

The user's own lines between the markers (a heredoc), a block copied from another file, and a
block edited by hand all leave every byte as it was, with exit 2, the file and the line.
Blocks written before the header carried a checksum are still recognised and updated.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.shells import apply_env, env_of
from torchsetup.cli import run_cli
from torchsetup.shells import rcblock
from torchsetup.shells.base import Exports
from torchsetup.shells.posix import render_posix

HEREDOC = (
    b"x=1\n"
    b"provision() {\n"
    b"  cat >> \"$1/.bashrc\" <<'EOF'\n"
    b"# >>> torchsetup >>>\n"
    b"export PATH=/opt/site/bin:$PATH\n"
    b"# <<< torchsetup <<<\n"
    b"EOF\n"
    b"}\n"
)


def _env(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = run_cli(["env", "--shell", "bash", *args])
    return code, capsys.readouterr().err


@pytest.mark.parametrize(
    "args", [("--path", "/usr/bin"), ("--remove",), ("--dry-run", "--path", "/usr/bin")]
)
def test_markers_in_a_users_heredoc_are_refused_with_file_and_line(
    home: Path, capsys: pytest.CaptureFixture[str], args: tuple[str, ...]
) -> None:
    (home / ".bashrc").write_bytes(HEREDOC)
    code, err = _env(capsys, *args)
    error, hint = err.strip().splitlines()
    assert code == 2
    assert error.startswith(f"error: {home / '.bashrc'}:4: lines 4-6 ")
    assert "did not write them" in error
    assert hint.startswith('hint: "${EDITOR:-vi}" +4 ')
    assert (home / ".bashrc").read_bytes() == HEREDOC
    assert not (home / ".profile").exists()


def test_block_copied_from_another_file_is_refused_there(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    apply_env("bash", env_of(home), path=("/usr/bin",))
    copied = (home / ".bashrc").read_bytes()
    (home / ".zshrc").write_bytes(copied)
    code = run_cli(["env", "--shell", "zsh", "--remove"])
    err = capsys.readouterr().err
    assert code == 2
    assert "a torchsetup block written for .bashrc, not this file" in err
    assert (home / ".zshrc").read_bytes() == copied


def test_block_in_a_symlinked_file_is_its_own_under_either_name(home: Path) -> None:
    (home / ".profile").write_bytes(b"p=1\n")
    (home / ".bashrc").symlink_to(".profile")
    apply_env("bash", env_of(home), path=("/usr/bin",))  # written through the name .bashrc
    apply_env("sh", env_of(home), mode="remove")  # and taken out through .profile
    assert (home / ".profile").read_bytes() == b"p=1\n"


LEGACY_HEADER = b"# Managed by `torchsetup env`: edits between these markers are overwritten.\n"


def _legacy_block(body: list[str]) -> bytes:
    """A block exactly as torchsetup wrote it before the header carried a checksum."""
    lines = b"".join(line.encode() + b"\n" for line in body)
    return rcblock.BEGIN + b"\n" + LEGACY_HEADER + lines + rcblock.END + b"\n"


def test_block_written_by_the_previous_version_is_replaced_and_removed(home: Path) -> None:
    old = _legacy_block(render_posix(Exports(path=("/opt/old bin",), virtual_env="/opt/v")))
    original = b"a=1\n" + old + b"b=2\n"
    (home / ".bashrc").write_bytes(original)
    apply_env("bash", env_of(home), path=("/usr/bin",))
    new = (home / ".bashrc").read_bytes()
    assert new.startswith(b"a=1\n# >>> torchsetup >>>\n# Written by `torchsetup env` for .bashrc")
    assert new.endswith(b"# <<< torchsetup <<<\nb=2\n")
    assert b"/opt/old bin" not in new
    apply_env("bash", env_of(home), mode="remove")
    assert (home / ".bashrc").read_bytes() == b"a=1\nb=2\n"


def test_previous_versions_markers_around_other_text_are_refused(home: Path) -> None:
    body = [*render_posix(Exports(path=("/opt/x",))), "rm -rf ~/important"]
    original = b"a=1\n" + _legacy_block(body)
    (home / ".bashrc").write_bytes(original)
    for mode in ("apply", "remove"):
        with pytest.raises(rcblock.DamagedMarkers, match="did not write them"):
            apply_env("bash", env_of(home), path=("/usr/bin",), mode=mode)
    assert (home / ".bashrc").read_bytes() == original
