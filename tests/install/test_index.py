"""The simple-API client: JSON and HTML pages, the HTTP cache, unreachable and offline sources."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.simple_index import SimpleIndex, serve_index
from tests.helpers.wheels import make_wheel
from torchsetup.install.index import IndexClient

CLOSED = "http://127.0.0.1:9/simple/torch/"  # the discard port: nothing listens there
TAG = "cp311-cp311-manylinux_2_28_x86_64"


@pytest.fixture
def index(tmp_path: Path) -> Iterator[SimpleIndex]:
    served = SimpleIndex()
    served.add(make_wheel(tmp_path / "w", "torch", "2.15.0+cpu", tag=TAG), ">=3.11")
    with serve_index(served) as running:
        yield running


def test_json_page_gives_hashes_sizes_and_requires_python(index: SimpleIndex, tmp_path: Path):
    page = IndexClient(cache=tmp_path / "c").page(f"{index.url}/torch/")
    [item] = page.files
    assert (page.origin, item.requires_python) == ("network", ">=3.11")
    assert item.size
    assert item.sha256
    assert len(item.sha256) == 64


def test_html_page_is_read_when_json_is_not_served(tmp_path: Path) -> None:
    folder = tmp_path / "torch"
    folder.mkdir()
    (folder / "index.html").write_text(
        '<a href="torch-2.16.0-py3-none-any.whl#sha256=ab" data-requires-python="&gt;=3.11" '
        'data-dist-info-metadata="true">t</a>'
    )
    [item] = IndexClient(cache=tmp_path / "c").page(folder.as_uri()).files
    assert (item.filename, item.sha256, item.requires_python, item.metadata) == (
        "torch-2.16.0-py3-none-any.whl",
        "ab",
        ">=3.11",
        True,
    )


def test_warm_cache_makes_no_request_within_the_ttl(index: SimpleIndex, tmp_path: Path) -> None:
    IndexClient(cache=tmp_path / "c").page(f"{index.url}/torch/")
    before = len(index.requests)
    page = IndexClient(cache=tmp_path / "c").page(f"{index.url}/torch/")
    assert (page.origin, len(index.requests)) == ("cache", before)


def test_stale_cache_revalidates_with_etag(index: SimpleIndex, tmp_path: Path) -> None:
    IndexClient(cache=tmp_path / "c").page(f"{index.url}/torch/")
    page = IndexClient(cache=tmp_path / "c", ttl_s=0).page(f"{index.url}/torch/")
    assert (page.origin, len(page.files)) == ("network", 1)


def test_new_release_appears_after_the_ttl(index: SimpleIndex, tmp_path: Path) -> None:
    IndexClient(cache=tmp_path / "c").page(f"{index.url}/torch/")
    index.add(make_wheel(tmp_path / "w", "torch", "2.16.0+cpu", tag=TAG), ">=3.11")
    page = IndexClient(cache=tmp_path / "c", ttl_s=0).page(f"{index.url}/torch/")
    assert sorted(f.filename.split("-")[1] for f in page.files) == ["2.15.0+cpu", "2.16.0+cpu"]


def test_offline_makes_no_request_and_answers_from_the_cache(
    index: SimpleIndex, tmp_path: Path
) -> None:
    IndexClient(cache=tmp_path / "c").page(f"{index.url}/torch/")
    before = len(index.requests)
    offline = IndexClient(offline=True, cache=tmp_path / "c", ttl_s=0)
    page = offline.page(f"{index.url}/torch/")
    assert (page.origin, len(page.files), len(index.requests)) == ("cache", 1, before)
    assert offline.requests == 0


def test_offline_without_cache_is_unreachable_and_says_why(tmp_path: Path) -> None:
    page = IndexClient(offline=True, cache=tmp_path / "c").page(CLOSED)
    assert (page.origin, page.error) == ("unreachable", "--offline and not in the cache")


def test_unreachable_index_without_cache_says_why(tmp_path: Path) -> None:
    page = IndexClient(cache=tmp_path / "c").page(CLOSED)
    assert page.origin == "unreachable"
    assert page.error
    assert "refused" in page.error.lower()


def test_unreachable_index_with_cache_uses_it_and_says_so(tmp_path: Path) -> None:
    served = SimpleIndex()
    served.add(make_wheel(tmp_path / "w", "torch", "2.15.0+cpu", tag=TAG))
    with serve_index(served) as running:
        url = f"{running.url}/torch/"
        IndexClient(cache=tmp_path / "c").page(url)
    page = IndexClient(cache=tmp_path / "c", ttl_s=0).page(url)
    assert (page.origin, len(page.files)) == ("cache", 1)
    assert page.error
    assert page.age_s is not None


def test_pages_are_fetched_concurrently_and_all_answer(index: SimpleIndex, tmp_path: Path):
    urls = [f"{index.url}/torch/", f"{index.url}/torchvision/", CLOSED]
    pages = IndexClient(cache=tmp_path / "c").pages(urls)
    assert [pages[u].origin for u in urls] == ["network", "unreachable", "unreachable"]
    assert pages[urls[1]].error == "HTTP 404"


def test_a_failure_is_remembered_for_a_minute_and_still_named(tmp_path: Path) -> None:
    IndexClient(cache=tmp_path / "c").page(CLOSED)
    again = IndexClient(cache=tmp_path / "c")
    page = again.page(CLOSED)
    assert (page.origin, again.requests) == ("unreachable", 0)
    assert page.error
    assert "refused" in page.error.lower()


def test_warm_page_is_answered_from_the_parsed_file_list(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    served = SimpleIndex()
    served.add(make_wheel(tmp_path / "w", "torch", "2.16.0+cpu", tag=TAG), ">=3.11")
    with serve_index(served):
        url = f"{served.url}/torch/"
        cold = IndexClient(cache=tmp_path / "c").page(url)

        def no_parsing(*_args: object) -> None:
            raise AssertionError("a warm run parsed the page again")

        monkeypatch.setattr("torchsetup.install.index._parse", no_parsing)
        warm = IndexClient(cache=tmp_path / "c").page(url)
    assert (warm.origin, warm.files) == ("cache", cold.files)


def test_warm_page_with_keep_gives_only_the_kept_files_in_page_order(tmp_path: Path) -> None:
    served = SimpleIndex()
    for version in ("2.16.0+cpu", "2.14.0+cpu", "2.16.0+cu130", "2.15.0+cpu"):
        served.add(make_wheel(tmp_path / "w", "torch", version, tag=TAG), ">=3.11")
    with serve_index(served):
        url = f"{served.url}/torch/"
        cold = IndexClient(cache=tmp_path / "c").page(url)
        warm = IndexClient(cache=tmp_path / "c").page(url, keep=lambda key: "2.16.0" in key)
    assert warm.origin == "cache"
    assert warm.files == tuple(f for f in cold.files if "-2.16.0+" in f.filename)
    assert [f.filename.split("-")[1] for f in warm.files] == ["2.16.0+cpu", "2.16.0+cu130"]


def test_page_read_with_keep_is_cached_whole(index: SimpleIndex, tmp_path: Path) -> None:
    probed = IndexClient(cache=tmp_path / "c").page(f"{index.url}/torch/", keep=lambda _k: False)
    warm = IndexClient(cache=tmp_path / "c")
    page = warm.page(f"{index.url}/torch/")
    assert (probed.origin, probed.files, warm.requests) == ("network", (), 0)
    assert [f.filename for f in page.files] == [f"torch-2.15.0+cpu-{TAG}.whl"]
