"""torchsetup's own exchange on the rendezvous port, over real loopback sockets."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

from tests.helpers.cluster import free_port
from torchsetup.cluster.model import Endpoint
from torchsetup.cluster.preflight import PROTOCOL, ServeOutcome, join, serve


def _hello(me: int, participants: int = 2, torch: str = "2.13.0+cpu") -> dict[str, Any]:
    return {
        "protocol": PROTOCOL,
        "me": me,
        "participants": participants,
        "facts": {"torch": torch, "host": f"h{me}"},
    }


def _serve_in_thread(
    endpoint: Endpoint, participants: int, seconds: float
) -> tuple[threading.Thread, list[ServeOutcome]]:
    box: list[ServeOutcome] = []
    decide = lambda hellos: {"go": True, "nodes": sorted(hellos)}  # noqa: E731
    thread = threading.Thread(
        target=lambda: box.append(
            serve(
                endpoint, _hello(0, participants), participants, time.monotonic() + seconds, decide
            )
        )
    )
    thread.start()
    return thread, box


def test_every_node_gets_node_0s_answer_and_the_port_is_free_again_after() -> None:
    endpoint = Endpoint("127.0.0.1", free_port())
    thread, box = _serve_in_thread(endpoint, 2, 10)
    joined = join(endpoint, _hello(1), time.monotonic() + 10)
    thread.join()
    assert joined.reach.ok
    assert joined.reply == {"go": True, "nodes": [0, 1]}
    assert box[0].reach.ok
    assert box[0].missing == ()
    with socket.create_server(("", endpoint.port)):  # torchrun's store binds here next
        pass


def test_a_node_that_never_comes_is_missing_at_the_deadline() -> None:
    endpoint = Endpoint("127.0.0.1", free_port())
    started = time.monotonic()
    thread, box = _serve_in_thread(endpoint, 3, 1.5)
    joined = join(endpoint, _hello(1, 3), time.monotonic() + 5)
    thread.join()
    assert time.monotonic() - started < 4
    assert box[0].missing == (2,)
    assert joined.reply is not None
    assert joined.reply["go"] is False
    assert joined.reply["problems"][0].startswith(f"node 2 never connected to {endpoint} within 1.")


def test_two_nodes_claiming_one_rank_stop_the_run() -> None:
    endpoint = Endpoint("127.0.0.1", free_port())
    thread, box = _serve_in_thread(endpoint, 3, 10)
    first = threading.Thread(target=join, args=(endpoint, _hello(1, 3), time.monotonic() + 5))
    first.start()  # node 0 answers it only when it stops, so it waits in a thread of its own
    time.sleep(0.5)
    second = join(endpoint, _hello(1, 3), time.monotonic() + 5)
    thread.join()
    first.join()
    assert box[0].problems == ("two nodes claim node rank 1: h1 and h1",)
    assert second.reply is not None
    assert second.reply["kind"] == "world"


def test_a_node_expecting_another_world_size_stops_the_run() -> None:
    endpoint = Endpoint("127.0.0.1", free_port())
    thread, box = _serve_in_thread(endpoint, 2, 10)
    joined = join(endpoint, _hello(1, participants=3), time.monotonic() + 5)
    thread.join()
    assert box[0].problems == ("node 1 (h1) expects 3 nodes, node 0 expects 2",)
    assert joined.reply is not None
    assert joined.reply["go"] is False


def test_a_port_nobody_listens_on_is_refused_until_the_deadline() -> None:
    endpoint = Endpoint("127.0.0.1", free_port())
    started = time.monotonic()
    joined = join(endpoint, _hello(1), started + 1.0)
    assert not joined.reach.ok
    assert joined.reach.cause == "refused"
    assert 0.9 < time.monotonic() - started < 3
    assert joined.reach.summary.startswith(f"{endpoint} refused every connection for 1.")


def test_a_port_another_program_holds_is_not_ours() -> None:
    with socket.create_server(("127.0.0.1", 0)) as other:
        endpoint = Endpoint("127.0.0.1", other.getsockname()[1])
        outcome = serve(endpoint, _hello(0, 1), 1, time.monotonic() + 2, lambda h: {"go": True})
    assert outcome.reach.cause == "in-use"
    assert (
        outcome.reach.summary
        == f"port {endpoint.port} on this machine is taken (Address already in use)"
    )


def test_an_address_of_another_machine_is_not_ours_to_listen_on() -> None:
    outcome = serve(
        Endpoint("192.0.2.1", free_port()),
        _hello(0, 1),
        1,
        time.monotonic() + 2,
        lambda h: {"go": True},
    )
    assert outcome.reach.cause == "not-local"


def test_a_stranger_on_the_port_is_ignored() -> None:
    endpoint = Endpoint("127.0.0.1", free_port())
    thread, _ = _serve_in_thread(endpoint, 2, 10)
    time.sleep(0.3)
    with socket.create_connection(("127.0.0.1", endpoint.port)) as stranger:
        stranger.sendall(b"GET / HTTP/1.0\r\n\r\n")
    joined = join(endpoint, _hello(1), time.monotonic() + 5)
    thread.join()
    assert joined.reply is not None
    assert joined.reply["go"] is True
