"""The byte-level block editor: properties over arbitrary file bytes, and the marker rules."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from torchsetup.shells import rcblock
from torchsetup.shells.rcfile import edit_file

BODY = ["case x in *) ;; esac", "export VIRTUAL_ENV='/opt/v'"]
# Bytes that look like rc files: line endings, CR, markers' neighbours, non-UTF-8.
file_bytes = st.one_of(
    st.binary(max_size=300),
    st.lists(
        st.sampled_from(
            [b"a=1", b"\n", b"\r\n", b"\r", b"", b"\xff\xfe", b"# >>> conda >>>", b" "]
        ),
        max_size=30,
    ).map(b"".join),
)
body_lines = st.lists(
    st.text(st.characters(blacklist_characters="\r\n", blacklist_categories=("Cs",))), max_size=5
)


def _no_markers(data: bytes) -> bool:
    return rcblock.BEGIN not in data and rcblock.END not in data


@given(data=file_bytes, body=body_lines)
def test_apply_then_remove_gives_the_original_bytes(data: bytes, body: list[str]) -> None:
    assume(_no_markers(data))
    assert rcblock.remove_block(rcblock.apply_block(data, body)) == data


@given(data=file_bytes, body=body_lines)
def test_apply_twice_equals_apply_once(data: bytes, body: list[str]) -> None:
    assume(_no_markers(data))
    once = rcblock.apply_block(data, body)
    assert rcblock.apply_block(once, body) == once


@given(data=file_bytes, old=body_lines, new=body_lines)
def test_new_body_replaces_the_old_in_place(data: bytes, old: list[str], new: list[str]) -> None:
    assume(_no_markers(data))
    replaced = rcblock.apply_block(rcblock.apply_block(data, old), new)
    assert replaced == rcblock.apply_block(data, new)


@settings(max_examples=40, deadline=None)
@given(data=file_bytes)
def test_file_round_trip_through_the_atomic_writer(data: bytes) -> None:
    assume(_no_markers(data))
    with tempfile.TemporaryDirectory() as tmp:
        rc = Path(tmp) / ".bashrc"
        rc.write_bytes(data)
        edit_file(rc, lambda old: rcblock.apply_block(old, BODY))
        edit_file(rc, lambda old: rcblock.apply_block(old, BODY))
        edit_file(rc, rcblock.remove_block)
        assert rc.read_bytes() == data


def test_missing_file_gets_a_block_and_remove_means_no_file() -> None:
    assert rcblock.remove_block(rcblock.apply_block(None, BODY)) is None


def test_indented_markers_of_its_own_block_still_count() -> None:
    block = rcblock.render_block(BODY, name=b".bashrc")
    begin, rest = block.split(b"\n", 1)
    data = b"  " + begin + b"\n" + rest.replace(rcblock.END, b"\t" + rcblock.END)
    assert rcblock.find_block(data) == rcblock.Block(0, len(data), b"\n", "plain")


def test_marker_with_trailing_text_is_not_a_marker() -> None:
    assert rcblock.find_block(b"# >>> torchsetup >>> (old)\n") is None
