"""Running the web application with uvicorn on a socket bound beforehand (so the URL can be printed first)."""

from __future__ import annotations

import contextlib
import socket
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
    sock.listen(128)
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


def run(app: Any, sock: socket.socket) -> None:
    """Serve ``app`` on ``sock`` until interrupted (Ctrl+C), then return."""
    import uvicorn

    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
    with contextlib.suppress(KeyboardInterrupt):  # uvicorn shuts down cleanly, then passes the signal on
        uvicorn.Server(config).run(sockets=[sock])
