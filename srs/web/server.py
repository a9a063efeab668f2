"""Running the web application with uvicorn on a socket bound beforehand (so the URL can be printed first).

The server bounds what a client can hold (:class:`Limits`): open connections per client address and
in all, kept well below the process's open-file limit, and the time a connection may take to send
the headers of each request. A connection over a bound is closed as soon as it is accepted, one that
is too slow when its time is up, so a client that opens many connections and sends a request
slowly ("slowloris") neither exhausts the file descriptors nor keeps others out for long, and the
server is whole again as soon as it stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from srs.errors import SrsError


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (port 0: any free port); a clear error when it is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP named explicitly: asyncio turns Nagle off (TCP_NODELAY) only on sockets that say so,
    # and with Nagle on, a response written in two parts waits for the browser's delayed ACK (40 ms).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise SrsError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc} (try another --port)"
        ) from None
    sock.listen(ACCEPT_BATCH)
    return sock


def lan_address() -> str:
    """This machine's address on the local network (the one its default route leaves from).

    Nothing is sent: connecting a UDP socket only picks the outgoing interface."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: never routed anywhere
            address = str(probe.getsockname()[0])
        except OSError:
            address = ""
    if not address or address.startswith("127.") or address == "0.0.0.0":
        raise SrsError("no local network address found (is this machine on a network?)")
    return address


ACCEPT_BATCH = 64
"""Connections accepted in one go (and the listening queue's length). asyncio accepts as many as this
before the refused ones are closed, and on running out of descriptors it retries once per connection
of the batch (uvicorn's default of 2,048 turned 1,100 connections into a storm of retries)."""


@dataclass(frozen=True)
class Limits:
    """What one server lets its clients hold."""

    per_client: int = 32
    """Open connections from one address (a browser opens at most 6 to one server)."""
    total: int = 256
    """Open connections in all (lowered to fit the open-file limit, see :meth:`fitted`)."""
    header_timeout: float = 10.0
    """Seconds a connection has to send a request's headers, from its opening or the previous response."""

    def fitted(self, open_files: int) -> Limits:
        """These limits with ``total`` leaving room, within ``open_files`` descriptors, for one batch of
        connections accepted at once (:data:`ACCEPT_BATCH`) and 64 more for the rest."""
        return replace(self, total=max(1, min(self.total, open_files - 64 - ACCEPT_BATCH)))


def open_file_limit() -> int:
    """The process's soft limit of open files."""
    import resource

    return int(resource.getrlimit(resource.RLIMIT_NOFILE)[0])


def bounded_protocol(limits: Limits) -> type[asyncio.Protocol]:
    """uvicorn's HTTP/1.1 protocol (h11) holding to ``limits``: one class per server (it counts the
    server's connections)."""
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    by_client: dict[str, int] = {}
    total = [0]

    class BoundedH11(H11Protocol):
        """A connection counted against its client's and the server's bounds, closed when a request's
        headers take longer than the header timeout."""

        _counted_as: str | None = None
        _deadline: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            peer = transport.get_extra_info("peername")
            address = str(peer[0]) if peer else ""
            if total[0] >= limits.total or by_client.get(address, 0) >= limits.per_client:
                transport.abort()  # the descriptor is free again at once; uvicorn never sees it
                return
            by_client[address] = by_client.get(address, 0) + 1
            total[0] += 1
            self._counted_as = address
            super().connection_made(transport)
            self._start_clock()

        def connection_lost(self, exc: Exception | None) -> None:
            address = self._counted_as
            if address is None:  # refused above
                return
            self._counted_as = None
            total[0] -= 1
            if by_client[address] <= 1:
                del by_client[address]
            else:
                by_client[address] -= 1
            self._stop_clock()
            super().connection_lost(exc)

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self.conn.their_state is not h11.IDLE:  # a request's headers are complete
                self._stop_clock()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
                self._start_clock()  # the next request's headers get the same time

        def _start_clock(self) -> None:
            self._stop_clock()
            self._deadline = self.loop.call_later(limits.header_timeout, self._too_slow)

        def _stop_clock(self) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
                self._deadline = None

        def _too_slow(self) -> None:
            self._deadline = None
            if not self.transport.is_closing():
                self.transport.close()

    return BoundedH11


def uvicorn_config(app: Any, limits: Limits) -> Any:
    """The uvicorn configuration `srs serve` runs ``app`` with (HTTP/1.1 only, no websockets)."""
    import uvicorn

    return uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        lifespan="on",
        http=bounded_protocol(limits),
        ws="none",
        backlog=ACCEPT_BATCH,
        timeout_keep_alive=5,
        h11_max_incomplete_event_size=16 * 1024,  # the largest request head: 16 KiB
    )


def launch_page(url: str, folder: Path) -> Path:
    """A page in ``folder`` (which only this account may open) that sends the browser on to ``url``.

    `srs serve --open` hands the browser this file rather than ``url``: a program's command line can be
    read by every account of the machine, and ``url`` carries the access token."""
    import html

    path = folder / "open-srs.html"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        link = html.escape(url, quote=True)
        f.write(
            f'<!doctype html>\n<meta charset="utf-8">\n<meta http-equiv="refresh" content="0;url={link}">\n'
            f'<title>srs</title>\n<p><a href="{link}">Open the review</a></p>\n'
        )
    return path


def run(app: Any, sock: socket.socket, limits: Limits | None = None) -> None:
    """Serve ``app`` on ``sock`` until interrupted (Ctrl+C), then return."""
    import uvicorn

    fitted = (limits or Limits()).fitted(open_file_limit())
    with contextlib.suppress(KeyboardInterrupt):  # uvicorn shuts down cleanly, then passes the signal on
        uvicorn.Server(uvicorn_config(app, fitted)).run(sockets=[sock])
