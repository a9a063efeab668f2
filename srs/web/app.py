"""The Starlette application of `srs serve`: the review page, its forms, the stats and plan pages, media
and assets.

Security, for a page that may be reachable from the local network (``--lan``):

* an access token (`srs serve` always gives one, on 127.0.0.1 as with ``--lan``, since other accounts
  of the machine reach the loopback address too): every request without it is refused with 403, reading
  ones as well (cards are private); it comes once in the URL (``?token=``), answered by a page that
  sets an HttpOnly, SameSite=Strict cookie named after the port (two servers on one host keep their
  own) and moves on to the same address without the token;
* a form token on every state-changing request (all POSTs), also on localhost, so that another site
  open in the same browser cannot rate or suspend cards;
* the Host header must name this server (no DNS rebinding);
* a Content-Security-Policy allowing scripts only from the server's own file (no inline script), and
  card text rendered with raw HTML escaped (a ``<script>`` in a card is shown as text);
* the media route serves only regular files inside the media folder (no ``..``, no symlink out), and
  only as inert types: a picture, sound or video by its first bytes (:mod:`srs.web.media`), anything
  else as a download; each with a policy of its own (``sandbox``, nothing may load), and the page's
  policy trusts scripts and stylesheets only from ``/static/``, never ``/media/``.

The store is opened and used in one thread of its own (SQLite connections belong to the thread that
opened them), so requests for the database run one at a time, in order.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from srs.errors import ConflictError, SrsError
from srs.scheduling.scheduler import Scheduler
from srs.store import Filter, Store
from srs.web.media import HEAD_BYTES, download_name, sniff
from srs.web.review import WebReview, random_seed

if TYPE_CHECKING:
    from jinja2 import Environment
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

HERE = Path(__file__).resolve().parent
COOKIE = "srs_token"
# The page's policy. Scripts and stylesheets come only from the server's own /static/ files, named by
# their full address: "'self'" would also trust /media/, where an imported deck may put anything.
CSP = (
    "default-src 'none'; script-src {origin}/static/app.js; style-src {origin}/static/ 'unsafe-inline'; "
    "img-src 'self' data:; media-src 'self'; connect-src 'self'; form-action 'self'; object-src 'none'; "
    "worker-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
# A page whose address cannot be written in a policy (never one `srs serve` gives) gets no script at all.
CSP_NO_ORIGIN = CSP.replace("{origin}/static/app.js", "'none'").replace("{origin}/static/", "'none'")
# Every media file: nothing in it may load, run or reach the app's origin, even when opened on its own.
MEDIA_CSP = "default-src 'none'; img-src 'self'; media-src 'self'; sandbox"
# The drawings a lab check writes in the lab folder, each served only as its own fixed type.
LAB_IMAGES = {
    "curves.svg": "image/svg+xml",
    "curves.png": "image/png",
    "feature_maps.png": "image/png",
    "diagnosis.svg": "image/svg+xml",
}
_ORIGIN = re.compile(r"[A-Za-z0-9.-]+(?::[0-9]{1,5})?")
T = TypeVar("T")


@dataclass(frozen=True)
class WebConfig:
    """What the server needs from the command line (nothing here reads the environment or the clock)."""

    open_store: Callable[[], AbstractContextManager[Store]]
    scheduler_for: Callable[[Store], Scheduler]
    now: Callable[[], int]
    work_dir: Path
    media_dir: Path
    flt: Filter = Filter()
    limit: int | None = None
    utc_offset: int = 0
    access_token: str | None = None
    allowed_hosts: frozenset[str] | None = None
    form_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    monotonic: Callable[[], float] = time.monotonic
    new_seed: Callable[[], int] = random_seed
    home: Path | None = None  # the learner's folder (labs in home/labs); None: no lab pages


def landing_page(target: str) -> str:
    """The page a valid ``?token=`` address answers with (the cookie set): it moves on to ``target``."""
    import html

    link = html.escape(target, quote=True)
    return (
        f'<!doctype html>\n<meta charset="utf-8">\n<meta http-equiv="refresh" content="0;url={link}">\n'
        f'<title>srs</title>\n<p><a href="{link}">Continue</a></p>\n'
    )


def same(given: str, secret: str) -> bool:
    """Constant-time comparison of a token from a request with the secret (any characters)."""
    return secrets.compare_digest(given.encode("utf-8", "replace"), secret.encode("utf-8"))


class Backend:
    """The store, the scheduler and the review, owned by one thread; every use goes through :meth:`call`."""

    def __init__(self, config: WebConfig) -> None:
        self.config = config
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="srs-store")
        self._stack = ExitStack()
        self._review: WebReview | None = None

    def _open(self) -> WebReview:
        if self._review is None:
            c = self.config
            store = self._stack.enter_context(c.open_store())
            self._review = WebReview(
                store,
                c.scheduler_for(store),
                c.now,
                c.work_dir,
                flt=c.flt,
                limit=c.limit,
                monotonic=c.monotonic,
                new_seed=c.new_seed,
            )
        return self._review

    def run(self, fn: Callable[[WebReview], T]) -> T:
        """Run ``fn(review)`` in the store's thread and wait for it (for callers outside the event loop)."""
        return self.executor.submit(lambda: fn(self._open())).result()

    async def call(self, fn: Callable[[WebReview], T]) -> T:
        """Run ``fn(review)`` in the store's thread without blocking the event loop."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, lambda: fn(self._open()))

    def close(self) -> None:
        """Close the store (in its own thread) and stop the thread."""
        self.executor.submit(self._stack.close).result()
        self.executor.shutdown()


class Guard:
    """ASGI middleware: Host check, the access token, security headers on every response."""

    def __init__(self, app: ASGIApp, *, token: str | None, hosts: frozenset[str] | None) -> None:
        self.app = app
        self.token = token
        self.hosts = hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":  # none is served: refused before anything else sees it
            await send({"type": "websocket.close", "code": 1008})
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        from starlette.requests import Request
        from starlette.responses import HTMLResponse, PlainTextResponse

        request = Request(scope)
        if self.hosts is not None and (request.url.hostname or "") not in self.hosts:
            await PlainTextResponse("Unknown host.", 400)(scope, receive, send)
            return
        set_cookie = False
        server = scope.get("server")
        cookie_name = f"{COOKIE}_{server[1]}" if server and server[1] else COOKIE
        if self.token is not None:
            given = request.query_params.get("token")
            if given is not None and same(given, self.token):
                set_cookie = True
                if scope["method"] == "GET":
                    # Keep the token out of the address bar and the history: the cookie carries it now.
                    # A page that moves on by itself, not a redirect: a browser sends a SameSite=Strict
                    # cookie on a redirect only if the navigation began on this site, and the address
                    # often comes from elsewhere (a local file with `--open`, a QR code).
                    from urllib.parse import quote, urlencode

                    rest = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
                    # One leading slash: "//host" would lead to another site.
                    target = "/" + quote(scope["path"].lstrip("/")) + (f"?{urlencode(rest)}" if rest else "")
                    landing = HTMLResponse(landing_page(target), headers={"cache-control": "no-store"})
                    landing.set_cookie(cookie_name, self.token, path="/", httponly=True, samesite="strict")
                    await landing(scope, receive, self._headers(send, None, request))
                    return
            else:
                if not same(request.cookies.get(cookie_name, ""), self.token):
                    response = PlainTextResponse(
                        "Forbidden: open the address with the token that `srs serve` printed.", 403
                    )
                    await response(scope, receive, send)
                    return
        new_cookie = f"{cookie_name}={self.token}" if set_cookie else None
        await self.app(scope, receive, self._headers(send, new_cookie, request))

    @staticmethod
    def _headers(send: Send, cookie: str | None, request: Request) -> Send:
        """``send`` adding the security headers (and the token cookie, when given) to the response; the
        page's Content-Security-Policy unless the response brings its own (media do)."""
        netloc = request.url.netloc
        csp = CSP.format(origin=f"http://{netloc}") if _ORIGIN.fullmatch(netloc) else CSP_NO_ORIGIN

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if not any(k.lower() == b"content-security-policy" for k, _ in headers):
                    headers.append((b"content-security-policy", csp.encode()))
                headers = [(k, v) for k, v in headers if k.lower() != b"x-content-type-options"]
                headers += [
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"x-frame-options", b"DENY"),
                ]
                if cookie is not None:
                    headers.append((b"set-cookie", f"{cookie}; Path=/; HttpOnly; SameSite=Strict".encode()))
                message["headers"] = headers
            await send(message)

        return send_with_headers


def templates() -> Environment:
    """The Jinja2 templates shipped in the package (autoescaped)."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    return Environment(
        loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True)
    )


def media_file(media_dir: Path, name: str) -> Path | None:
    """The regular file ``name`` inside ``media_dir``, or None (outside it, missing, or not a plain name)."""
    if not name or "\x00" in name or "\\" in name or name.startswith("/"):
        return None
    root = media_dir.resolve()
    try:
        path = (root / name).resolve()
    except (OSError, RuntimeError):
        return None
    if not path.is_relative_to(root) or path == root or not path.is_file():
        return None
    return path


def create_app(config: WebConfig) -> Starlette:
    """The web application over one database (the store opens on the first request)."""
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, RedirectResponse
    from starlette.routing import Mount, Route
    from starlette.staticfiles import StaticFiles

    backend = Backend(config)
    env = templates()

    def html(name: str, ctx: dict[str, Any], status: int = 200) -> HTMLResponse:
        body = env.get_template(name).render(csrf=config.form_token, **ctx)
        return HTMLResponse(body, status, headers={"cache-control": "no-store"})

    async def page(template: str, gather: Callable[[WebReview], dict[str, Any]]) -> Response:
        """The page ``template`` over what ``gather`` reads from the store (the error page if it fails)."""
        try:
            ctx = await backend.call(gather)
        except SrsError as exc:
            return html("error.html", {"message": str(exc)}, 500)
        return html(template, ctx)

    def review_page(review: WebReview) -> dict[str, Any]:
        return review.page()

    async def index(request: Request) -> Response:
        return await page("review.html", review_page)

    async def act(request: Request) -> Response:
        action = request.path_params["action"]
        form = await request.form()
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        if not same(fields.get("csrf", ""), config.form_token):
            return PlainTextResponse("Forbidden: this form has no valid token; reload the page.", 403)

        def do(review: WebReview) -> int:
            try:
                review.act(action, fields)
            except ConflictError as exc:
                review.messages.append(("warn", review.renderer.plain(str(exc))))
                return 409
            except SrsError as exc:
                review.messages.append(("bad", review.renderer.plain(str(exc))))
                return 400
            return 200

        status = await backend.call(do)
        if request.headers.get("accept", "").startswith("application/json"):
            from starlette.responses import JSONResponse

            return JSONResponse({"status": status})
        return RedirectResponse("/", 303)

    async def stats_page(request: Request) -> Response:
        from srs.stats import collect
        from srs.web import charts

        def gather(review: WebReview) -> dict[str, Any]:
            sched = review.scheduler
            data = collect(
                review.store,
                config.now(),
                settings=sched.settings,
                parameters=sched.parameters,
                utc_offset=config.utc_offset,
                flt=config.flt,
            )
            return {
                "data": data.to_dict(),
                "forecast_svg": charts.forecast_svg(data.forecast),
                "retention_svg": charts.retention_svg(data.retention, data.desired_retention),
                "heatmap_svg": charts.heatmap_svg(data.heatmap),
                "progress_svg": charts.progress_svg(data.progress),
            }

        return await page("stats.html", gather)

    async def plan_page(request: Request) -> Response:
        from srs.scheduling import plan_status as core
        from srs.scheduling.plan import history
        from srs.web import charts

        def gather(review: WebReview) -> dict[str, Any]:
            from srs.labs import catalog

            info = {lab.id: (lab.title, lab.minutes) for lab in catalog.catalog().labs}
            st = core.status(review.store, review.scheduler, config.now(), lab_info=info)
            if st is None:
                past = [p.to_dict() for p in history(review.store)]
                return {"data": None, "history": past}
            return {
                "data": st.to_dict(),
                "label": st.plan.label,
                "first_day": core.date_label(st.plan.start),
                "last_day": core.date_label(st.plan.end),
                "today_line": core.today_line(st),
                "respread_note": core.respread_note(st),
                "exam_note": core.exam_note(st),
                "tail_note": core.tail_note(st),
                "budget_note": core.budget_note(st),
                "basis_note": core.basis_note(st),
                "plan_svg": charts.plan_svg(st.days),
            }

        return await page("plan.html", gather)

    async def map_page(request: Request) -> Response:
        from srs.conceptmap import STATUSES, concept_cards, knowledge_map, review_ids
        from srs.web.mapview import SYMBOL, map_svg

        wanted = request.query_params.get("concept")

        def gather(review: WebReview) -> dict[str, Any]:
            now = config.now()
            kmap = knowledge_map(review.store, review.scheduler, now)
            data = kmap.to_dict()
            ctx: dict[str, Any] = {
                "data": data,
                "symbols": SYMBOL,
                "counts": [(s, sum(1 for n in kmap.nodes if n.status == s)) for s in STATUSES],
                "concept": None,
                "focused": review.flt.ids is not None,
            }
            concept = kmap.graph.find(wanted) if wanted else None
            if concept is not None:
                ctx["concept"] = kmap.node(concept.id).to_dict()
                ctx["prerequisites"] = [kmap.node(r).to_dict() for r in concept.requires]
                ctx["cards"] = [
                    c.to_dict() for c in concept_cards(review.store, review.scheduler, now, kmap, concept)
                ]
                ctx["review_count"] = len(review_ids(review.store, kmap, [concept.id, *concept.requires]))
            ctx["map_svg"] = map_svg(kmap, concept.id if concept is not None else None)
            return ctx

        return await page("map.html", gather)

    async def map_review(request: Request) -> Response:
        form = await request.form()
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        if not same(fields.get("csrf", ""), config.form_token):
            return PlainTextResponse("Forbidden: this form has no valid token; reload the page.", 403)

        def focus(review: WebReview) -> None:
            review.focus(fields.get("concept", ""), config.flt)

        try:
            await backend.call(focus)
        except SrsError as exc:
            return html("error.html", {"message": str(exc)}, 400)
        return RedirectResponse("/", 303)

    async def media(request: Request) -> Response:
        name = request.path_params["name"]
        path = media_file(config.media_dir, name)
        if path is None:
            return PlainTextResponse("Not found.", 404)
        try:
            with path.open("rb") as f:
                kind = sniff(f.read(HEAD_BYTES))
        except OSError:
            return PlainTextResponse("Not found.", 404)
        headers = {"content-security-policy": MEDIA_CSP, "x-content-type-options": "nosniff"}
        if kind is None:  # not a picture, sound or video by its content: a download, never a page
            kind = "application/octet-stream"
            headers["content-disposition"] = f'attachment; filename="{download_name(name)}"'
        return FileResponse(path, media_type=kind, headers=headers)

    async def lab_page(request: Request) -> Response:
        from srs.labs import catalog, runner
        from srs.review.labs import lab_rows

        lab_id = request.path_params["lab_id"]
        if config.home is None:
            return PlainTextResponse("Not found.", 404)
        home = config.home

        def gather(review: WebReview) -> dict[str, Any]:
            chosen = catalog.catalog().get(lab_id)
            at = config.now()
            clock = review.scheduler.clock
            row = lab_rows(review.store, (chosen,), home, at, clock.start(clock.day(at) + 1))[0]
            folder = catalog.lab_folder(home, chosen.id)
            last = runner.last_result(folder)
            images = [name for name in LAB_IMAGES if (folder / name).is_file()]
            return {
                "lab": chosen,
                "row": row.to_dict(),
                "goal_html": review.renderer.markdown(chosen.goal),
                "goal_zh_html": review.renderer.markdown(chosen.goal_zh) if chosen.goal_zh else "",
                "last": last[0].to_dict() if last else None,
                "images": images,
            }

        return await page("lab.html", gather)

    async def lab_image(request: Request) -> Response:
        from srs.labs import catalog

        lab_id, name = request.path_params["lab_id"], request.path_params["name"]
        if config.home is None or name not in LAB_IMAGES or not catalog.ID_RE.match(lab_id):
            return PlainTextResponse("Not found.", 404)
        path = catalog.lab_folder(config.home, lab_id) / name
        if path.is_symlink() or not path.is_file():
            return PlainTextResponse("Not found.", 404)
        kind = LAB_IMAGES[name]
        if kind != "image/svg+xml":
            try:
                with path.open("rb") as f:
                    if sniff(f.read(HEAD_BYTES)) != kind:
                        return PlainTextResponse("Not found.", 404)
            except OSError:
                return PlainTextResponse("Not found.", 404)
        # a fixed type, and the media policy: an SVG drawn by srs, shown as a picture, can run nothing
        headers = {"content-security-policy": MEDIA_CSP, "x-content-type-options": "nosniff"}
        return FileResponse(path, media_type=kind, headers=headers)

    async def shutdown() -> None:
        backend.close()

    routes = [
        Route("/", index),
        Route("/act/{action}", act, methods=["POST"]),
        Route("/stats", stats_page),
        Route("/plan", plan_page),
        Route("/map", map_page),
        Route("/map/review", map_review, methods=["POST"]),
        Route("/media/{name:path}", media),
        Route("/lab/{lab_id}", lab_page),
        Route("/lab/{lab_id}/{name}", lab_image),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> Any:
        yield
        await shutdown()

    app = Starlette(
        routes=routes,
        middleware=[Middleware(Guard, token=config.access_token, hosts=config.allowed_hosts)],
        lifespan=lifespan,
    )
    app.state.backend = backend
    return app
