"""`srs serve`: today's review as a local web page (the optional extra ``srs[web]``)."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING

import click

from srs.cli.common import App, checked_filter, filter_options, now, scheduler_for, utc_offset
from srs.errors import SrsError

if TYPE_CHECKING:
    from srs.store import Filter


def qr_code(url: str) -> str | None:
    """The URL as a QR code drawn with text, or None when ``segno`` is not installed."""
    try:
        import segno
    except ImportError:
        return None
    import io

    out = io.StringIO()
    segno.make(url, error="l").terminal(out=out, compact=True, border=2)
    return out.getvalue()


@click.command()
@filter_options
@click.option(
    "--port", "-p", type=click.IntRange(0, 65535), default=8765, show_default=True, help="Port to listen on."
)
@click.option("--open", "open_browser", is_flag=True, help="Open the page in the default browser.")
@click.option(
    "--lan",
    is_flag=True,
    help="Listen on the local network address (for a phone on the same network) instead of 127.0.0.1.",
)
@click.option("--limit", "-n", type=click.IntRange(min=0), help="Stop after this many cards.")
@click.pass_obj
def serve(app: App, flt: Filter, port: int, open_browser: bool, lan: bool, limit: int | None) -> None:
    """Review in a web browser: typeset maths, images, code exercises, stats as charts.

    Listens on 127.0.0.1 only, unless --lan is given: then on this machine's local network address
    (scan the QR code with a phone). Either way every request must carry the random token in the
    printed address (other accounts of this machine reach 127.0.0.1 too); after the first visit the
    browser keeps it in a cookie. The terminal review can run at the same time on the same database.
    Ctrl+C stops it.

    \b
    Example:  srs serve --open
              srs serve --lan --deck "DL Week::Day 3"
    """
    from srs.web import missing

    lacking = missing()
    if lacking:
        raise SrsError(
            f"srs serve needs the web extra ({', '.join(lacking)} missing): pip install 'srs[web]'"
        )
    import secrets

    from srs.cli.paths import home, work_dir
    from srs.web.app import WebConfig, create_app
    from srs.web.server import bind, lan_address, launch_page, run

    with app.store() as store:  # sync the decks and check the filter once, before listening
        flt = checked_filter(store, flt)
    host = lan_address() if lan else "127.0.0.1"
    token = secrets.token_urlsafe(16)  # on 127.0.0.1 too: other local accounts can connect there
    sock = bind(host, port)
    bound = sock.getsockname()[1]
    hosts = {host, "localhost"} if not lan else {host}
    config = WebConfig(
        open_store=lambda: app.store(warn=False),
        scheduler_for=scheduler_for,
        now=now,
        work_dir=work_dir(),
        media_dir=home() / "media",
        flt=flt,
        limit=limit,
        utc_offset=utc_offset(),
        access_token=token,
        allowed_hosts=frozenset(hosts),
        home=home(),
    )
    url = f"http://{host}:{bound}/?token={token}"
    click.echo(f"Reviewing at {url}")
    if lan:
        qr = qr_code(url)
        click.echo(qr if qr else "(install segno to see a QR code of this address)")
        click.echo("Anyone on this network with the address above can review your cards; Ctrl+C stops it.")
    else:
        click.echo(
            "Only this machine can open it, with the token above (use --lan for a phone). Ctrl+C stops it."
        )
    with contextlib.ExitStack() as stack:
        if open_browser:
            import tempfile
            import webbrowser

            private = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="srs-open-")))
            webbrowser.open(launch_page(url, private).as_uri())  # no token on the browser's command line
        run(create_app(config), sock)
    click.echo("Stopped; every rating was saved as it was given.")
