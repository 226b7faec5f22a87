"""torchsetup's own pre-flight exchange, on the rendezvous port, before torchrun starts there.

Why not the c10d TCPStore: stores of different torch versions do not speak to each other (run
here: a torch 1.9 client against a 2.13 TCPStore gets "Connection reset by peer", a 2.13 client
against a 1.9 store fails its validation handshake and retries until its timeout), so the one
difference this step must name would instead hang the rendezvous. So node 0 listens on the
rendezvous port itself (proving it is free and ours), every other node connects (proving it is
reachable) and sends one JSON line with its facts; node 0 answers each with one JSON line (go, or
the problems), closes, and only then torchrun binds the same port (SO_REUSEADDR on both sides).
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from torchsetup.cluster.model import Endpoint

__all__ = ["PROTOCOL", "JoinOutcome", "Reach", "ServeOutcome", "free_port", "join", "serve"]

PROTOCOL = "torchsetup-cluster-preflight/1"
_MAX_LINE = 1 << 20
Hello = dict[str, Any]


@dataclass(frozen=True)
class Reach:
    """Whether the endpoint worked from here, how long it took, and what went wrong."""

    ok: bool
    seconds: float
    summary: str
    cause: str | None = None  # unresolvable, not-local, in-use, refused, no-answer, no-reply


@dataclass(frozen=True)
class ServeOutcome:
    """Node 0's side: the hellos that came, who never came, what was wrong, what it answered."""

    reach: Reach
    hellos: dict[int, Hello] = field(default_factory=dict)
    missing: tuple[int, ...] = ()
    problems: tuple[str, ...] = ()
    reply: dict[str, Any] | None = None
    waited_s: float = 0.0


@dataclass(frozen=True)
class JoinOutcome:
    """Another node's side: how the connection went and node 0's answer (None: no answer)."""

    reach: Reach
    reply: dict[str, Any] | None = None


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on right now (the kernel's pick)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def _is_local(host: str) -> tuple[bool, list[str]]:
    """Whether host names an address of this machine (one we can bind), and what it resolves to."""
    infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    addresses = sorted({str(info[4][0]) for info in infos})
    for family, _, _, _, address in infos:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            try:
                probe.bind((address[0], 0))
                return True, addresses
            except OSError:
                continue
    return False, addresses


def _listen(endpoint: Endpoint) -> tuple[socket.socket | None, Reach]:
    started = time.monotonic()
    try:
        local, addresses = _is_local(endpoint.host)
    except socket.gaierror as err:
        took = time.monotonic() - started
        return None, Reach(False, took, f"{endpoint.host} does not resolve ({err})", "unresolvable")
    if not local:
        where = ", ".join(addresses)
        summary = f"{endpoint.host} resolves to {where}, which is not an address of this machine"
        return None, Reach(False, time.monotonic() - started, summary, "not-local")
    try:
        if socket.has_dualstack_ipv6():
            server = socket.create_server(
                ("", endpoint.port), family=socket.AF_INET6, dualstack_ipv6=True
            )
        else:
            server = socket.create_server(("", endpoint.port))
    except OSError as err:
        took = time.monotonic() - started
        why = os.strerror(err.errno) if err.errno else str(err)
        summary = f"port {endpoint.port} on this machine is taken ({why})"
        return None, Reach(False, took, summary, "in-use")
    took = time.monotonic() - started
    summary = f"{endpoint} resolves here and port {endpoint.port} is ours to listen on"
    return server, Reach(True, took, f"{summary} ({took * 1000:.1f} ms)")


def _send(conn: socket.socket, message: dict[str, Any]) -> None:
    with contextlib.suppress(OSError):  # that peer is gone; its own side reports it
        conn.sendall((json.dumps(message) + "\n").encode())


def _read_line(conn: socket.socket, seconds: float) -> dict[str, Any] | None:
    """One JSON object on one line within `seconds`, or None (silence, EOF, garbage)."""
    deadline = time.monotonic() + seconds
    data = b""
    while b"\n" not in data and len(data) < _MAX_LINE:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        conn.settimeout(left)
        try:
            chunk = conn.recv(65536)
        except (TimeoutError, OSError):
            return None
        if not chunk:
            break
        data += chunk
    try:
        found = json.loads(data.split(b"\n", 1)[0].decode())
    except (ValueError, UnicodeDecodeError):
        return None
    return found if isinstance(found, dict) else None


def _admit(hello: Hello, hellos: dict[int, Hello], participants: int, noun: str) -> str | None:
    """Why this hello cannot join (another world size, a rank out of range or taken), or None."""
    me, theirs = hello.get("me"), hello.get("participants")
    host = hello.get("facts", {}).get("host", "?")
    if not isinstance(me, int):
        return f"a {noun} at {hello.get('addr')} sent no {noun} rank"
    if theirs != participants:
        return f"{noun} {me} ({host}) expects {theirs} {noun}s, {noun} 0 expects {participants}"
    if not 0 <= me < participants:
        return f"{noun} {me} ({host}) is outside 0…{participants - 1}"
    if me in hellos:
        first = hellos[me].get("facts", {}).get("host", "?")
        return f"two {noun}s claim {noun} rank {me}: {first} and {host}"
    return None


def serve(
    endpoint: Endpoint,
    hello: Hello,
    participants: int,
    deadline: float,
    decide: Callable[[dict[int, Hello]], dict[str, Any]],
    noun: str = "node",
) -> ServeOutcome:
    """Listen on the endpoint until every participant said hello (or the deadline); answer all."""
    started = time.monotonic()
    server, reach = _listen(endpoint)
    if server is None:
        return ServeOutcome(reach)
    hellos: dict[int, Hello] = {0: hello}
    conns: list[socket.socket] = []
    problems: list[str] = []
    with server:
        while len(hellos) < participants and not problems and time.monotonic() < deadline:
            conn = _accept(server, deadline)
            if conn is None:
                continue
            found = _read_line(conn, min(5.0, max(0.1, deadline - time.monotonic())))
            if found is None or found.get("protocol") != PROTOCOL:
                conn.close()  # not a torchsetup pre-flight (a port scan, a stray client)
                continue
            conns.append(conn)
            problem = _admit(found, hellos, participants, noun)
            if problem:
                problems.append(problem)
            else:
                hellos[int(found["me"])] = found
        waited = time.monotonic() - started
        missing = tuple(i for i in range(participants) if i not in hellos)
        if problems:
            reply: dict[str, Any] = {"go": False, "kind": "world", "problems": problems}
        elif missing:
            names = ", ".join(str(i) for i in missing)
            late = f"{noun} {names} never connected to {endpoint} within {waited:.1f}s"
            reply = {"go": False, "kind": "nodes", "problems": [late]}
        else:
            reply = decide(hellos)
        for conn in conns:
            _send(conn, reply)
        _close_after_peers(conns)
    return ServeOutcome(reach, hellos, missing, tuple(problems), reply, waited)


def _accept(server: socket.socket, deadline: float) -> socket.socket | None:
    server.settimeout(max(0.05, min(0.5, deadline - time.monotonic())))
    try:
        conn, _ = server.accept()
    except (TimeoutError, OSError):
        return None
    return conn


def _close_after_peers(conns: list[socket.socket]) -> None:
    """Let each peer close first, so TIME_WAIT stays on its side and not on node 0's port."""
    for conn in conns:
        _read_line(conn, 1.0)  # returns at the peer's EOF
        conn.close()


def join(endpoint: Endpoint, hello: Hello, deadline: float) -> JoinOutcome:
    """Connect to node 0 (retrying while it is not up yet), say hello, wait for its answer."""
    started = time.monotonic()
    try:
        socket.getaddrinfo(endpoint.host, endpoint.port, type=socket.SOCK_STREAM)
    except socket.gaierror as err:
        took = time.monotonic() - started
        return JoinOutcome(
            Reach(False, took, f"{endpoint.host} does not resolve ({err})", "unresolvable")
        )
    resolved = time.monotonic() - started
    conn, attempts, last = None, 0, "no-answer"
    connect_s = 0.0
    while conn is None and time.monotonic() < deadline:
        attempts += 1
        tried = time.monotonic()
        try:
            conn = socket.create_connection(
                (endpoint.host, endpoint.port), timeout=max(0.1, min(2.0, deadline - tried))
            )
            connect_s = time.monotonic() - tried
        except ConnectionRefusedError:
            last = "refused"
            time.sleep(min(0.25, max(0.0, deadline - time.monotonic())))
        except (TimeoutError, OSError):
            last = "no-answer"
            time.sleep(min(0.25, max(0.0, deadline - time.monotonic())))
    waited = time.monotonic() - started
    if conn is None:
        return JoinOutcome(
            Reach(False, waited, _unreachable(endpoint, last, waited, attempts), last)
        )
    with conn:
        summary = (
            f"{endpoint} resolved in {resolved * 1000:.1f} ms and accepted TCP in "
            f"{connect_s * 1000:.1f} ms (attempt {attempts}, {waited:.1f}s after start)"
        )
        _send(conn, {**hello, "protocol": PROTOCOL})
        reply = _read_line(conn, max(0.1, deadline - time.monotonic()))
    return JoinOutcome(Reach(True, connect_s, summary), reply)


def _unreachable(endpoint: Endpoint, cause: str, waited: float, attempts: int) -> str:
    if cause == "refused":
        return f"{endpoint} refused every connection for {waited:.1f}s ({attempts} attempts)"
    return f"{endpoint} never answered in {waited:.1f}s ({attempts} attempts)"
