"""`/map` in `srs serve`: the same figures as `srs map --json`, a node's cards, "review this"; and the page in
a real browser on a 390 px phone (Debian chromium; skipped when it is not installed)."""

from __future__ import annotations

import json
import re
import shutil
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("starlette", reason="the web extra (srs[web]) is not installed")
from click.testing import CliRunner  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402

from srs.cli.app import cli  # noqa: E402
from srs.store import open_store  # noqa: E402
from tests.test_map import DECK, NOW, _record_history  # noqa: E402
from tests.webutil import WebHome, field_of, write  # noqa: E402


@pytest.fixture
def web(home: Path, monkeypatch: pytest.MonkeyPatch) -> WebHome:
    monkeypatch.setenv("SRS_NO_BUILTIN", "1")
    monkeypatch.setenv("SRS_NOW", "2026-03-08T10:00:00Z")
    monkeypatch.setenv("TZ", "UTC")
    w = WebHome(home)
    w.clock.t = NOW
    write(home, "mine.md", DECK)
    assert CliRunner().invoke(cli, ["due"]).exit_code == 0  # synced
    with open_store(w.db) as store:
        _record_history(store)
    return w


@pytest.fixture
def client(web: WebHome) -> Iterator[TestClient]:
    with TestClient(web.app()) as c:
        yield c


def _rows(page: str) -> dict[str, list[str]]:
    rows = re.findall(r'<tr data-id="([^"]+)">(.*?)</tr>', page)
    return {i: [re.sub(r"<[^>]+>", "", td) for td in re.findall(r"<td>(.*?)</td>", body)] for i, body in rows}


def test_map_page_draws_svg_with_the_same_figures_as_srs_map_json(client: TestClient) -> None:
    response = client.get("/map")
    assert response.status_code == 200
    page = response.text
    assert '<svg class="chart map"' in page and "<script>" not in page
    data = json.loads(CliRunner().invoke(cli, ["map", "--json"]).stdout)
    rows = _rows(page)
    assert len(rows) == len(data["concepts"])
    for c in data["concepts"]:
        _name, day, core, recall, lapses, status = rows[c["id"]]
        assert core == f"{c['core_introduced']}/{c['core_cards']}"
        assert recall == (f"{c['recall'] * 100:.0f}%" if c["recall"] is not None else "–")
        assert lapses == str(c["lapses"]) and status.endswith(c["status"])
    assert 'href="/map?concept=calculus#concept"' in page  # each node is a link


def test_a_node_lists_its_cards_and_review_this_filters_the_review(client: TestClient) -> None:
    page = client.get("/map?concept=导数与梯度").text
    assert "m-calc1" in page and "m-calc2" in page and "Review this" in page
    assert "m-np1" not in page
    response = client.post(
        "/map/review", data={"csrf": field_of(page, "csrf"), "concept": "numpy"}, follow_redirects=False
    )
    assert response.status_code == 303
    review = client.get("/").text
    assert "Reviewing NumPy 与广播 NumPy and broadcasting and what it rests on" in review
    fronts = set(
        re.findall(r"\b(la one|la two|la depth|calc one|calc two|np one|np two|gradient check)\?", review)
    )
    assert fronts and fronts <= {"la one", "la two", "la depth", "np one", "np two"}
    forged = client.post("/map/review", data={"csrf": "wrong", "concept": "numpy"}, follow_redirects=False)
    assert forged.status_code == 403
    # ... and back to every card.
    page = client.get("/map").text
    assert "Review every card again" in page
    client.post("/map/review", data={"csrf": field_of(page, "csrf"), "concept": ""}, follow_redirects=False)
    assert "Reviewing every card again." in client.get("/").text
    assert "Review every card again" not in client.get("/map").text


# -- in a browser ----------------------------------------------------------------------------------------------
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium binary found: browser test skipped")
def test_map_on_a_390px_phone_fits_and_a_tap_on_a_node_shows_its_cards(web: WebHome, tmp_path: Path) -> None:
    playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    from tests.test_web_browser import Server

    server = Server(web.app(access_token="tok-map"))
    try:
        with playwright_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            context = browser.new_context(
                viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True
            )
            page = context.new_page()
            page.set_default_timeout(15000)
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(server.url + "/map?token=tok-map")
            page.wait_for_url(server.url + "/map")
            page.wait_for_selector("svg.map")
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            box = page.locator("svg.map").bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
            page.locator('a.node[href="/map?concept=calculus#concept"]').first.tap()
            page.wait_for_selector("#concept")
            assert "m-calc1" in page.locator("#concept").inner_text()
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            shot = tmp_path / "map-phone.png"
            page.screenshot(path=str(shot), full_page=True)
            width, height = struct.unpack(">II", shot.read_bytes()[16:24])
            ratio = page.evaluate("window.devicePixelRatio")
            assert width == round(390 * ratio) and height > 844 * ratio  # the whole graph, one phone wide
            assert shot.stat().st_size > 20_000
            assert errors == []
            context.close()
            browser.close()
    finally:
        server.stop()


def test_failing_a_card_in_the_browser_review_notes_a_weak_prerequisite(client: TestClient) -> None:
    from tests.webutil import field_of as value

    page = client.get("/map?concept=gradient-check").text
    client.post("/map/review", data={"csrf": value(page, "csrf"), "concept": "gradient-check"})
    notes = []
    for _ in range(6):
        page = client.get("/").text
        if 'name="nonce"' not in page:
            break
        client.post("/act/reveal", data={"csrf": value(page, "csrf"), "nonce": value(page, "nonce")})
        page = client.get("/").text
        client.post(
            "/act/rate",
            data={"csrf": value(page, "csrf"), "nonce": value(page, "nonce"), "rating": "1"},
            follow_redirects=False,
        )
        notes.append(client.get("/").text)
    assert any("Map: 梯度检验 Gradient checking lapsed" in n for n in notes)
