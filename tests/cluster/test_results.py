"""What the ranks leave behind becomes rank states, exit codes, bandwidth rows and verdicts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from torchsetup.cluster.results import bandwidth_rows, exit_codes, rank_infos, read_outputs
from torchsetup.cluster.verdict import ranks_check
from torchsetup.envcheck.model import Status

# torchrun's failure summaries, as torch 1.9.0 and 2.13.0 printed them here (rank 1 got SIGKILL)
# ruff: noqa: E501  (log lines are quoted whole)
LOG_19 = """[ERROR] 2026-12-01 07:32:37,211 api: failed (exitcode: 1) local_rank: 0 (pid: 21824) of binary: /v/bin/python
Root Cause:
[0]:
  rank: 0 (local_rank: 0)
  exitcode: 1 (pid: 21824)
Other Failures:
[1]:
  rank: 1 (local_rank: 1)
  exitcode: -9 (pid: 21825)
  msg: "Signal 9 (SIGKILL) received by PID 21825"
"""
LOG_213 = """E1201 07:32:43.489000 21918 torch/distributed/elastic/multiprocessing/api.py:1002] failed (exitcode: -9) local_rank: 1 (pid: 21985) of binary: /v/bin/python
  rank      : 0 (local_rank: 0)
  exitcode  : -15 (pid: 21984)  (SIGTERM)
  rank      : 1 (local_rank: 1)
  exitcode  : -9 (pid: 21985)  (SIGKILL)
"""


@pytest.mark.parametrize(
    ("log", "codes"), [(LOG_19, {21824: 1, 21825: -9}), (LOG_213, {21984: -15, 21985: -9})]
)
def test_exit_codes_per_pid_come_from_torchrun_19_and_2x_summaries(
    log: str, codes: dict[int, int]
) -> None:
    assert exit_codes(log) == codes


def _events(out: Path, rank: int, *events: dict[str, object]) -> None:
    lines = [
        {"ev": "begin", "pid": 1000 + rank, "rank": rank, "local_rank": rank, "node": 0, "t": 0},
        *events,
    ]
    (out / f"rank{rank}.jsonl").write_text("".join(json.dumps(e) + "\n" for e in lines))


def test_a_rank_that_stops_mid_step_is_named_with_its_signal_and_step(tmp_path: Path) -> None:
    _events(
        tmp_path,
        0,
        {"ev": "start", "step": "all_reduce"},
        {
            "ev": "done",
            "step": "all_reduce",
            "ok": False,
            "error": "RuntimeError: Connection reset by peer",
        },
        {"ev": "end"},
    )
    _events(tmp_path, 1, {"ev": "start", "step": "all_reduce"})
    ranks = rank_infos(2, read_outputs(tmp_path), exit_codes(LOG_19.replace("21825", "1001")))
    assert [r.state for r in ranks] == ["finished", "was killed by SIGKILL during all_reduce"]
    verdict = ranks_check(ranks, Path("/v/bin/python"))
    assert verdict.status is Status.FAIL
    assert verdict.summary.startswith(
        "rank 1 (node 0, ?, pid 1001) was killed by SIGKILL during all_reduce"
    )


def test_a_rank_that_hit_its_deadline_says_so(tmp_path: Path) -> None:
    _events(tmp_path, 0, {"ev": "start", "step": "barrier"}, {"ev": "deadline", "budget": 9})
    assert rank_infos(1, read_outputs(tmp_path), {})[0].state == "hit its deadline during barrier"


def test_ranks_nobody_heard_of_are_missing(tmp_path: Path) -> None:
    _events(tmp_path, 0, {"ev": "end"})
    assert [r.state for r in rank_infos(3, read_outputs(tmp_path), {})] == [
        "finished",
        "missing",
        "missing",
    ]


def test_busbw_is_algbw_times_2_n_minus_1_over_n_from_the_slowest_rank(tmp_path: Path) -> None:
    summaries = {
        str(r): {
            "where": {"rank": r},
            "steps": [],
            "bandwidth": [{"bytes": 1 << 20, "iters": 5, "s": s}],
        }
        for r, s in ((0, 0.001), (1, 0.002), (2, 0.001), (3, 0.001))
    }
    (tmp_path / "world.json").write_text(json.dumps({"world_size": 4, "summaries": summaries}))
    (row,) = bandwidth_rows(read_outputs(tmp_path), 4)
    assert row.slowest_rank == 1
    assert row.algbw_gbs == pytest.approx((1 << 20) / 0.002 / 1e9)
    assert row.busbw_gbs == pytest.approx(row.algbw_gbs * 2 * 3 / 4)
    assert row.median_time_s == pytest.approx(0.001)
