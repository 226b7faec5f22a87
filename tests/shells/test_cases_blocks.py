"""shared/reference/shell.md §(c), rows about the block inside the file: 7, 8, 11-14, 17-19, 30."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.shells import apply_env, env_of
from torchsetup.shells import rcblock
from torchsetup.shells.rcblock import DamagedMarkers

PY = "/usr/bin"


def _put(home: Path, original: bytes) -> bytes:
    (home / ".bashrc").write_bytes(original)
    apply_env("bash", env_of(home), path=(PY,))
    return (home / ".bashrc").read_bytes()


def _remove(home: Path) -> bytes:
    apply_env("bash", env_of(home), mode="remove")
    return (home / ".bashrc").read_bytes()


def test_c07_crlf_file_gets_a_crlf_block(home: Path) -> None:
    after = _put(home, b"a=1\r\nb=2\r\n")
    block = after[len(b"a=1\r\nb=2\r\n") :]
    assert block.count(b"\n") == block.count(b"\r\n") > 3


def test_c08_missing_final_newline_is_ended_before_the_block(home: Path) -> None:
    after = _put(home, b"alias x=y")
    assert after.startswith(b"alias x=y\n# >>> torchsetup >>>\n")


def test_c11_hand_edited_block_is_refused_naming_file_and_lines(home: Path) -> None:
    # The header says "not by hand": an edited block is no longer provably torchsetup's, so it
    # is neither replaced nor removed (issue 9: marker pairs torchsetup did not write).
    clean = _put(home, b"before\n")
    edited = clean.replace(b"esac\n", b"esac\necho hand-made\n", 1) + b"after\n"
    (home / ".bashrc").write_bytes(edited)
    for mode in ("apply", "remove"):
        with pytest.raises(DamagedMarkers, match="did not write them") as info:
            apply_env("bash", env_of(home), path=(PY,), mode=mode)
        assert f"{home / '.bashrc'}:2: lines 2-9 " in info.value.message
        assert info.value.exit_code == 2
        assert (home / ".bashrc").read_bytes() == edited


DAMAGED = {
    "begin_without_end": (b"a\n# >>> torchsetup >>>\nb\n", "begin marker without an end", 2),
    "end_without_begin": (b"a\nb\n# <<< torchsetup <<<\n", "end marker without a begin", 3),
    "reversed": (b"# <<< torchsetup <<<\nx\n# >>> torchsetup >>>\n", "end marker before", 1),
    "duplicated": (
        b"# >>> torchsetup >>>\n# <<< torchsetup <<<\n# >>> torchsetup >>>\n# <<< torchsetup <<<\n",
        "duplicated begin marker",
        3,
    ),
}


@pytest.mark.parametrize("case", list(DAMAGED))
def test_c12_damaged_markers_are_refused_naming_file_and_line(home: Path, case: str) -> None:
    original, what, line = DAMAGED[case]
    (home / ".bashrc").write_bytes(original)
    with pytest.raises(DamagedMarkers, match=what) as info:
        apply_env("bash", env_of(home), path=(PY,))
    assert f"{home / '.bashrc'}:{line}:" in info.value.message
    assert (home / ".bashrc").read_bytes() == original
    assert not (home / ".profile").exists()  # the other file is not written either


def test_c13_marker_text_inside_a_line_is_not_a_marker(home: Path) -> None:
    original = b'echo "# >>> torchsetup >>>"\nx=1 # <<< torchsetup <<<\n'
    after = _put(home, original)
    assert after.startswith(original)
    assert rcblock.find_block(after) is not None
    assert _remove(home) == original


def test_c14_user_lines_about_torch_outside_the_block_are_untouched(home: Path) -> None:
    original = b"export LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH\n"
    after = _put(home, original)
    assert after.startswith(original)


def test_c17_second_run_is_byte_identical_and_reported_unchanged(home: Path) -> None:
    first = _put(home, b"x=1\n")
    result = apply_env("bash", env_of(home), path=(PY,))
    assert (home / ".bashrc").read_bytes() == first
    assert {f.action for f in result.files} == {"unchanged"}
    assert result.changed == ()


ORIGINALS = {
    "crlf": b"a=1\r\nb=2\r\n",
    "no_final_newline": b"a=1\nb=2",
    "crlf_no_final_newline": b"a=1\r\nb=2",
    "trailing_blank_lines": b"a=1\n\n\n\n",
    "empty": b"",
    "lone_cr_at_end": b"a=1\r",
}


@pytest.mark.parametrize("case", list(ORIGINALS))
def test_c18_remove_after_apply_gives_the_exact_original_bytes(home: Path, case: str) -> None:
    _put(home, ORIGINALS[case])
    assert _remove(home) == ORIGINALS[case]


def test_c18_remove_deletes_the_file_torchsetup_created(home: Path) -> None:
    apply_env("bash", env_of(home), path=(PY,))
    apply_env("bash", env_of(home), mode="remove")
    assert not (home / ".bashrc").exists()
    assert not (home / ".profile").exists()


def test_c19_remove_keeps_edits_made_outside_the_block_later(home: Path) -> None:
    after = _put(home, b"a=1")
    (home / ".bashrc").write_bytes(b"# new top line\n" + after + b"b=2\n")
    assert _remove(home) == b"# new top line\na=1\nb=2\n"


def test_c30_adjacent_conda_block_is_never_touched(home: Path) -> None:
    conda = (
        b"# >>> conda initialize >>>\n__conda_setup=x\n# <<< conda initialize <<<\n"
        b"# >>> mise:abc >>>\neval x\n# <<< mise:abc <<<\n"
    )
    after = _put(home, conda)
    assert after.startswith(conda)
    assert _remove(home) == conda
