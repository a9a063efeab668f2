"""`srs lab` through click's CliRunner: list, start (and --rebuild), check (live progress, a recorded
review), show, bad input; lab cards stay out of `srs review`; a malformed lab.toml of a learner's own
deck is reported as `file:line: reason` while the other labs are still listed."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from srs.cli import cli
from srs.labs import catalog
from srs.model import Kind, State
from srs.review.session import Session
from srs.scheduling.scheduler import Scheduler
from srs.scheduling.settings import Settings
from srs.store import open_store
from tests.conftest import write_deck

NOW = "2026-03-02T10:00:00Z"
LAB = "d1-lab-mlp-scratch"
DECK = f"""---
deck: Mine
---
## my-card
Q: What is a logit?
A: An unnormalised score.

## my-lab
kind: lab
lab: {LAB}
"""


@pytest.fixture
def env(home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SRS_NO_BUILTIN", "1")
    monkeypatch.setenv("SRS_NOW", NOW)
    monkeypatch.setenv("SRS_LAB_SMALL_DATA", "1")
    write_deck(home / "decks", "mine.md", DECK)
    return home


def run(*args: str, **env: str) -> Result:
    return CliRunner().invoke(cli, list(args), env=env or None, catch_exceptions=False)


def test_list_shows_the_builtin_lab_with_its_state(env: Path) -> None:
    result = run("lab", "list")
    assert result.exit_code == 0, result.output
    assert LAB in result.output and "not started" in result.output and "90 min" in result.output
    data = json.loads(run("lab", "list", "--json").stdout)
    row = next(r for r in data["labs"] if r["id"] == LAB)
    assert row["card"] == "my-lab" and row["state"] == "not started" and data["errors"] == []


def test_a_malformed_own_lab_is_named_and_the_others_still_listed(env: Path) -> None:
    own = env / "decks" / "mylab"
    own.mkdir()
    (own / "lab.toml").write_text(
        'id = "my-own"\nday = 2\ntitle = "x"\n[[runs]]\nname = "a"\n', encoding="utf-8"
    )
    write_deck(env / "decks", "own.md", "---\ndeck: Own\n---\n## own-lab\nkind: lab\nlab: ./mylab\n")
    result = run("lab", "list")
    assert result.exit_code == 0
    assert LAB in result.stdout
    assert f"Warning: {own / 'lab.toml'}:1: missing 'goal'" in result.stderr


def test_start_writes_starter_readme_and_the_learners_own_solution(env: Path) -> None:
    lab = catalog.catalog().get(LAB)
    result = run("lab", "start", LAB)
    assert result.exit_code == 0, result.output
    folder = env / "labs" / LAB
    assert (folder / "train.py").read_bytes() == lab.starter().read_bytes()
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert lab.title in readme and "包含多种激活函数" in readme and "No solution of yours" in readme
    # started again: the learner's work is left alone
    (folder / "train.py").write_text("# mine\n", encoding="utf-8")
    assert "already started" in run("lab", "start", LAB).output
    assert (folder / "train.py").read_text() == "# mine\n"
    # a rebuild keeps the old folder aside and wires in the exercise solution srs keeps for the learner
    write_deck(
        env / "decks",
        "ex.md",
        "---\ndeck: Ex\n---\n## my-softmax\nkind: exercise\nexercise: stable_softmax\n",
    )
    (env / "work").mkdir()
    (env / "work" / "my-softmax.py").write_text("def softmax(x):\n    return x\n", encoding="utf-8")
    result = run("lab", "start", LAB, "--rebuild", "--json")
    data = json.loads(result.stdout)
    assert data["moved_to"] == str(env / "labs" / f"{LAB}.1") and data["solutions"] == ["stable_softmax"]
    assert (env / "labs" / f"{LAB}.1" / "train.py").read_text() == "# mine\n"
    assert (folder / "solutions" / "stable_softmax.py").read_text().startswith("def softmax")
    assert (folder / "train.py").read_bytes() == lab.starter().read_bytes()


def test_check_passes_the_reference_and_records_one_review(env: Path) -> None:
    lab = catalog.catalog().get(LAB)
    run("lab", "start", LAB)
    folder = env / "labs" / LAB
    (folder / "train.py").write_bytes(lab.reference.read_bytes())
    later = "2026-03-02T11:00:00Z"  # an hour after the start: within the 90-minute estimate
    result = run("lab", "check", LAB, SRS_NOW=later)
    assert result.exit_code == 0, result.output
    assert "relu         epoch 6/6" in result.stderr and "val acc" in result.stderr
    assert "✓ accuracy (relu)" in result.stdout and "PASSED" in result.stdout
    chart = result.stdout.split("Training loss per epoch:\n", 1)[1].splitlines()
    assert "└" in chart[8] and all(name in chart[9] for name in ("relu", "sigmoid", "tanh")), chart[:10]
    assert (folder / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Recorded as a review (Good)" in result.stdout
    assert (folder / "curves.svg").is_file() and (folder / "last_check.json").is_file()
    with open_store(env / "srs.db") as store:
        card = store.get_card("my-lab")
        assert card.memory.state is State.REVIEW and card.memory.last_review is not None
        reviews = store.execute("SELECT rating FROM reviews WHERE card_id = 'my-lab'").fetchall()
    assert reviews == [(3,)]
    # the same build checked again records nothing more
    again = json.loads(run("lab", "check", LAB, "--json", SRS_NOW=later).stdout)
    assert again["status"] == "passed" and again["review"]["rating"] is None
    shown = json.loads(run("lab", "show", LAB, "--json").stdout)
    assert shown["last_check"]["status"] == "passed" and shown["goal_zh"]
    assert "passed" in run("lab", "list").stdout


def test_failed_check_exits_non_zero_without_a_review(env: Path) -> None:
    run("lab", "start", LAB)
    result = run("lab", "check", LAB)
    assert result.exit_code == 1
    assert "NotImplementedError" in result.stdout and "Recorded" not in result.stdout
    with open_store(env / "srs.db") as store:
        assert store.get_card("my-lab").memory.state is State.NEW


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["lab", "check", LAB], f"Error: {LAB} is not started: run `srs lab start {LAB}` first"),
        (["lab", "start", "no-such-lab"], "Error: unknown lab 'no-such-lab'; known labs: "),
        (["lab", "show", "../etc"], "Error: unknown lab '../etc'"),
    ],
)
def test_bad_input_is_one_line(env: Path, args: list[str], message: str) -> None:
    result = run(*args)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr.startswith(message) and result.stderr.count("\n") == 1


def test_data_import_of_a_folder_without_the_files_is_one_line(env: Path, tmp_path: Path) -> None:
    result = run("lab", "data", "import", str(tmp_path))
    assert result.exit_code == 1 and result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"Error: {tmp_path}: missing train-images-idx3-ubyte.gz, ")
    assert not (env / "data").exists()


def test_lab_cards_are_not_served_in_a_review(env: Path) -> None:
    run("lab", "list")  # syncs the deck
    when = int(datetime(2026, 3, 2, 10, 0, tzinfo=UTC).timestamp())
    with open_store(env / "srs.db") as store:
        assert store.get_card("my-lab").spec.kind is Kind.LAB
        session = Session(store, Scheduler(Settings(enable_fuzzing=False)), when)
        shown = []
        while (card := session.next(when)) is not None:
            shown.append(card.id)
            session.rate(card.id, 3, when)
    assert shown and "my-lab" not in shown


def test_due_counts_no_lab_among_the_new_cards(env: Path) -> None:
    data = json.loads(run("due", "--json").stdout)
    assert [(d["deck"], d["new"]) for d in data["decks"]] == [("Mine", 1)]  # the basic card, not the lab
    assert data["new_today"] == 1 and data["labs_due"] == []


def test_lab_notes_of_one_template_are_not_near_duplicates(env: Path) -> None:
    note = (
        "---\ndeck: Labs\n---\n## {id}\nkind: lab\nlab: {lab}\nsource: the plan\n"
        "Q: Lab (afternoon): build the network, train it on digits, check it.\n"
        "A: `srs lab start {lab}`, fill in train.py, then `srs lab check {lab}`.\n"
    )
    labs = ((1, LAB), (2, "d3-lab-cnn-mnist"))
    for n, lab in labs:
        write_deck(env / "decks", f"lab{n}.md", note.format(id=f"lab-{n}", lab=lab))
    result = run("deck", "check", str(env / "decks"), "--strict")
    assert result.exit_code == 0 and "near-duplicate" not in result.output, result.output
    # the same two notes as basic cards are near-duplicates
    for n, lab in labs:
        basic = note.format(id=f"lab-{n}", lab=lab).replace("kind: lab\n", "").replace("lab: ", "tags: ")
        write_deck(env / "decks", f"lab{n}.md", basic)
    assert "near-duplicate" in run("deck", "check", str(env / "decks"), "--strict").output
