"""`srs serve` in a real headless browser (Debian's chromium driven by Playwright): review, keys, maths,
quiz, exercise, phone layout, the --lan token, escaping, the stats and plan charts. Skipped only when no chromium is installed."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("starlette", reason="the web extra (srs[web]) is not installed")
playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (dev extra)")

from srs import exercises, quiz  # noqa: E402
from tests.webutil import (  # noqa: E402
    DECK,
    HOSTILE_MEDIA,
    SEED,
    WebHome,
    course,
    hostile_deck,
    png,
    write,
)

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium binary found (apt-get install chromium): browser tests skipped"
)
QUIZ = "## cq\nkind: quiz\nquiz: conv_output_shape\nparams: W=8..16\n"


class Server:
    """uvicorn serving the app in a thread on a free localhost port."""

    def __init__(self, app: Any) -> None:
        import uvicorn

        from srs.web.server import bind

        self.sock = bind("127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)
        self.thread.start()
        while not self.server.started:
            self.thread.join(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()


@pytest.fixture
def web(home: Path, monkeypatch: pytest.MonkeyPatch) -> WebHome:
    monkeypatch.setenv("SRS_NO_BUILTIN", "1")
    monkeypatch.setenv("SRS_NOW", "2026-03-02T10:00:00Z")
    return WebHome(home)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-dev-shm-usage",
            ],
        )
        yield b
        b.close()


@pytest.fixture
def serve(web: WebHome, browser: Any) -> Iterator[Any]:
    servers: list[Server] = []
    contexts: list[Any] = []

    def start(
        deck: str = DECK, *, viewport: dict[str, int] | None = None, touch: bool = False, **kw: Any
    ) -> tuple[Server, Any]:
        write(web.home, "d.md", deck)
        server = Server(web.app(**kw))
        servers.append(server)
        context = browser.new_context(
            viewport=viewport or {"width": 1000, "height": 800}, has_touch=touch, is_mobile=touch
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        return server, page

    yield start
    for c in contexts:
        c.close()
    for s in servers:
        s.stop()


def test_reveal_press_3_stores_exactly_one_review(serve: Any, web: WebHome) -> None:
    server, page = serve()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server.url + "/")
    assert page.locator("#progress").inner_text().startswith("0/2")
    page.keyboard.press("Space")
    page.wait_for_selector(".back")
    assert page.locator(".ratings button").count() == 4
    page.keyboard.press("3")
    page.wait_for_selector("text=1/3")
    assert [(c, r) for c, r, _ in web.reviews()] == [("basic", 3)]
    page.keyboard.press("u")  # undo, by key
    page.wait_for_selector("text=Undone: basic")
    assert web.reviews() == []
    assert errors == []  # no script error, nothing blocked by the Content-Security-Policy


def test_formula_is_rendered_as_mathml(serve: Any) -> None:
    server, page = serve()
    page.goto(server.url + "/")
    math = page.locator(".front math").first
    assert math.count() == 1
    box = math.bounding_box()
    assert box is not None and box["width"] > 20 and box["height"] > 10
    assert page.locator(".front math mfrac").count() == 1


def test_a_script_in_a_card_is_shown_as_text(serve: Any) -> None:
    server, page = serve("## evil" + DECK.split("## evil")[1])
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(server.url + "/")
    assert "<script>alert(1)</script>" in page.locator(".front").inner_text()
    page.keyboard.press("Enter")
    page.wait_for_selector(".back")
    assert "<b>text</b>" in page.locator(".back").inner_text()
    assert dialogs == [] and page.locator(".card script").count() == 0


def test_a_quiz_answered_with_the_keyboard(serve: Any, web: WebHome) -> None:
    inst = quiz.generate("conv_output_shape", SEED, "W=8..16")
    server, page = serve(QUIZ)
    page.goto(server.url + "/")
    page.fill("input[name=text]", inst.answer)
    page.keyboard.press("Enter")
    page.wait_for_selector(".solution")
    assert "Rating:" in page.content()
    page.keyboard.press("Enter")  # accept the derived rating
    page.wait_for_selector("text=Reviewed 1")
    [(cid, rating, signals)] = web.reviews()
    assert cid == "cq" and rating == 4 and signals["correct"] is True and signals["seed"] == SEED


def test_an_exercise_run_in_the_browser(serve: Any, web: WebHome) -> None:
    server, page = serve("## ex\nkind: exercise\nexercise: stable_softmax\n")
    page.goto(server.url + "/")
    area = page.locator("textarea[name=code]")
    assert "def " in area.input_value()  # the starter
    area.fill(exercises.get("stable_softmax").reference)
    page.click("button[data-key=run]")
    page.wait_for_selector(".checks", timeout=120000)
    assert page.locator(".checks li.bad").count() == 0 and page.locator(".checks li.good").count() > 0
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Reviewed 1")
    [(cid, _rating, signals)] = web.reviews()
    assert cid == "ex" and signals["correct"] is True and signals["attempts"] == 1


def test_keys_typed_in_a_burst_are_each_taken_in_order(serve: Any, web: WebHome) -> None:
    """Space then 3 typed at once (issue: the 3 was lost in 2 of 3 tries while the answer page loaded),
    and space after the answer rates Good, as in the terminal."""
    deck = "".join(f"## b{i}\nQ: question {i}\nA: answer {i}\n\n" for i in range(4))
    server, page = serve(deck)
    page.goto(server.url + "/")
    for done in (1, 2, 3):
        page.keyboard.press("Space")
        page.keyboard.press("3")  # no wait: the answer page is still on its way
        page.wait_for_selector(f"text={done}/")
        assert [r for _c, r, _ in web.reviews()] == [3] * done
    page.keyboard.press("Space")
    page.wait_for_selector(".back")
    page.keyboard.press("Space")  # the answer is shown: space rates Good
    page.wait_for_selector("text=4/")
    assert [r for _c, r, _ in web.reviews()] == [3, 3, 3, 3]


def test_phone_viewport_fits_and_screenshot(serve: Any, tmp_path: Path, web: WebHome) -> None:
    server, page = serve(viewport={"width": 390, "height": 844}, touch=True)
    page.goto(server.url + "/")
    page.tap("button[data-key=reveal]")
    page.wait_for_selector(".back")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    box = page.locator(".ratings").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    shot = tmp_path / "phone.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 1000
    page.tap(".ratings button[data-key='4']")  # a tap on a button rates, as a key does
    page.wait_for_selector("text=1/2")
    assert [(c, r) for c, r, _ in web.reviews()] == [("basic", 4)]


def test_lan_mode_refuses_requests_without_the_token(serve: Any) -> None:
    server, page = serve(access_token="tok-123")
    response = page.goto(server.url + "/")
    assert response is not None and response.status == 403
    response = page.goto(server.url + "/?token=tok-123")
    assert response is not None and response.status == 200
    page.wait_for_url(server.url + "/")  # the token left the address bar for a cookie
    assert page.locator(".card").count() == 1
    page.keyboard.press("Space")  # the form post and the stylesheet go with the cookie
    page.wait_for_selector(".back")
    assert page.evaluate("getComputedStyle(document.body).margin") == "0px"


def test_stats_fits_a_phone(serve: Any, web: WebHome, tmp_path: Path) -> None:
    """/stats on a 390 px phone, with long deck names and card texts in its tables (issue: 515 px wide)."""
    long_deck = "A very long deck name::with a sub-deck whose name goes on and on and on"
    deck = f"---\ndeck: {long_deck}\n---\n" + "".join(
        f"## n{i}\nQ: {'a rather long question text without a break ' * 3}{i}\nA: answer {i}\n\n"
        for i in range(6)
    )
    server, page = serve(deck, viewport={"width": 390, "height": 844}, touch=True)
    page.goto(server.url + "/")
    for _ in range(6):  # learn them, so that the memory table lists them
        page.tap("button[data-key=reveal]")
        page.tap(".ratings button[data-key='1']")
        page.wait_for_selector(".card, .done")
    page.goto(server.url + "/stats")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot = tmp_path / "stats-phone.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 1000


def test_stats_page_has_svg_charts(serve: Any) -> None:
    server, page = serve()
    page.goto(server.url + "/stats")
    assert page.locator("svg.chart").count() == 4


def test_plan_page_draws_its_svg_chart(serve: Any, web: WebHome) -> None:
    from click.testing import CliRunner

    from srs.cli import cli

    course(web.home)
    server, page = serve()
    result = CliRunner().invoke(cli, ["plan", "start", "--deck", "Course", "--days", "4"])
    assert result.exit_code == 0, result.output
    page.goto(server.url + "/")
    page.click("header a[href='/plan']")  # from the review page's header
    page.wait_for_selector("svg.chart")
    chart = page.locator("svg.chart")
    assert chart.count() == 1
    box = chart.bounding_box()
    assert box is not None and box["width"] > 200 and box["height"] > 50
    assert chart.locator("rect.new").count() == 4 and chart.locator("rect.reviews").count() == 4
    tall = chart.locator("rect.new").first.bounding_box()
    assert tall is not None and tall["height"] > 5  # day 1's new cards drawn as a bar
    assert page.locator(".today-line").inner_text().startswith("today: Day 1 of 4 - Topic <1>: 4 new, ")
    assert page.locator("table.plan tr").count() == 5


def test_an_image_from_the_media_folder_is_shown(serve: Any, web: WebHome) -> None:
    (web.home / "media").mkdir()
    (web.home / "media" / "cell.png").write_bytes(png(4, 3))
    server, page = serve("## img\nQ: Which cell is this? ![a cell](../../media/cell.png)\nA: An LSTM cell.\n")
    page.goto(server.url + "/")
    img = page.locator(".front img")
    assert img.get_attribute("src") == "/media/cell.png"
    page.wait_for_function("document.querySelector('.front img').complete")
    assert img.evaluate("i => [i.naturalWidth, i.naturalHeight]") == [4, 3]


def suspended(web: WebHome) -> list[str]:
    import sqlite3

    conn = sqlite3.connect(web.db)
    try:
        return [r[0] for r in conn.execute("SELECT id FROM cards WHERE suspended = 1")]
    finally:
        conn.close()


def test_opening_hostile_media_runs_no_script(serve: Any, web: WebHome) -> None:
    """Each file's script would suspend the card on screen if it ran in the app's origin: a click on
    each link of an imported card only downloads the file, and the page's policy refuses to load one as a
    script, a stylesheet or a frame."""
    server, page = serve(hostile_deck(web.home))
    page.goto(server.url + "/")
    assert page.locator(".card").get_attribute("data-card") == "hostile"
    for name in HOSTILE_MEDIA:
        with page.expect_download() as download:
            page.click(f".front a[href='/media/{name}']")
        assert download.value.suggested_filename == name
        assert page.url == server.url + "/"  # the page stayed; nothing was rendered in its place
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    page.evaluate(
        """() => {
        const s = document.createElement('script'); s.src = '/media/app.js'; document.body.append(s);
        const l = document.createElement('link'); l.rel = 'stylesheet'; l.href = '/media/style.css';
        document.head.append(l);
        const f = document.createElement('iframe'); f.src = '/media/lesson.html'; document.body.append(f);
        }"""
    )
    page.wait_for_function("() => true")
    page.wait_for_timeout(1500)  # time for any of them to have run its fetch and post
    assert any("/media/app.js" in m for m in refused) and any("/media/lesson.html" in m for m in refused)
    assert any("/media/style.css" in m for m in refused)
    assert suspended(web) == [] and web.reviews() == []
    page.reload()
    assert page.locator(".card").get_attribute("data-card") == "hostile"  # still the card on screen


def test_an_image_opened_on_its_own_is_shown_not_downloaded(serve: Any, web: WebHome) -> None:
    (web.home / "media").mkdir()
    (web.home / "media" / "cell.png").write_bytes(png(5, 2))
    server, page = serve()
    response = page.goto(server.url + "/media/cell.png")
    assert response is not None and response.headers["content-type"] == "image/png"
    page.wait_for_function("document.images.length === 1 && document.images[0].complete")
    assert page.evaluate("[document.images[0].naturalWidth, document.images[0].naturalHeight]") == [5, 2]


def test_the_page_that_open_hands_the_browser_leads_to_the_review(
    serve: Any, web: WebHome, tmp_path: Path
) -> None:
    from srs.web.server import launch_page

    server, page = serve(access_token="tok-" + "z" * 20)
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    launcher = launch_page(server.url + "/?token=tok-" + "z" * 20, private)
    page.goto(launcher.as_uri())
    page.wait_for_url(server.url + "/")  # the token went into the cookie and out of the address
    assert page.locator(".card").count() == 1
