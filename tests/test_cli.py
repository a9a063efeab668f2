"""The command line, as a learner uses it: add, review, list, show, due, decks, config, and bad input."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from srs.cli import cli
from srs.store.migrations import SCHEMA_VERSION
from tests.conftest import fail_among as fail
from tests.conftest import modules_loaded_by, write_deck

NOW = "2026-03-02T10:00:00Z"


@pytest.fixture
def env(home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A learner with no built-in curriculum (small, controlled decks) and a pinned clock."""
    monkeypatch.setenv("SRS_NO_BUILTIN", "1")
    monkeypatch.setenv("SRS_NOW", NOW)
    return home


def run(*args: str, input: str | None = None, **env: str) -> Result:
    return CliRunner().invoke(cli, list(args), input=input, env=env or None, catch_exceptions=False)


def test_add_basic_writes_a_plain_text_deck_and_prints_the_id(env: Path) -> None:
    result = run(
        "add",
        "--deck",
        "My notes",
        "--front",
        "What is a logit?",
        "--back",
        "An unnormalised score",
        "--tag",
        "terms",
        "--source",
        "CS231n",
    )
    assert result.exit_code == 0, result.output
    card_id = result.stdout.strip()
    deck_file = env / "decks" / "my-notes.md"
    text = deck_file.read_text(encoding="utf-8")
    assert text.startswith("---\ndeck: My notes\n---\n")
    assert (
        f"## {card_id}\ntags: terms\nsource: CS231n\nQ: What is a logit?\nA: An unnormalised score\n" in text
    )
    shown = json.loads(run("show", card_id, "--json").stdout)
    assert (shown["front"], shown["back"], shown["deck"], shown["tags"], shown["state"]) == (
        "What is a logit?",
        "An unnormalised score",
        "My notes",
        ["terms"],
        "new",
    )


def test_add_every_kind(env: Path) -> None:
    cloze = json.loads(
        run(
            "add", "-d", "N", "--cloze", "The {{c1::chain rule}} multiplies {{c2::local}} grads", "--json"
        ).stdout
    )
    assert cloze["cards"] == [f"{cloze['id']}/c1", f"{cloze['id']}/c2"]
    rev = json.loads(
        run("add", "-d", "N", "-f", "sigmoid", "-b", "1/(1+e^-x)", "--reversed", "--json").stdout
    )
    assert rev["cards"] == [rev["id"], f"{rev['id']}/rev"]
    typed = json.loads(
        run("add", "-d", "N", "-f", "3x3 s1 p1 on 32: width?", "-b", "32", "--type-in", "--json").stdout
    )
    assert json.loads(run("show", typed["id"], "--json").stdout)["kind"] == "type-in"
    # A line that looks like a field inside the text is kept as text.
    tricky = json.loads(run("add", "-d", "N", "-f", "line one\nA: not a field", "-b", "ok", "--json").stdout)
    assert json.loads(run("show", tricky["id"], "--json").stdout)["back"] == "ok"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--deck", "N", "--front", "", "--back", "x"], "the front (--front) is empty"),
        (["--deck", "N", "--front", "x", "--back", "  "], "the back (--back) is empty"),
        (["--deck", "N", "--cloze", "nothing hidden"], "no deletion"),
        (["--deck", "N", "--cloze", "{{c1::x}}", "--front", "f"], "--cloze makes a cloze card"),
        (["--deck", "N", "-f", "a", "-b", "b", "--reversed", "--type-in"], "cannot be combined"),
        (["--deck", "N", "-f", "a", "-b", "b", "--tag", "two words"], "bad tag"),
        (["--deck", "", "-f", "a", "-b", "b"], "a deck name is needed"),
        (["--deck", "N", "-f", "a", "-b", "b", "--id", "bad id"], "bad id"),
    ],
)
def test_add_refuses_bad_input_and_writes_nothing(env: Path, args: list[str], message: str) -> None:
    fail(run("add", *args), message)
    assert not (env / "decks").exists() or not any((env / "decks").iterdir())


def test_add_without_content_needs_a_terminal(env: Path) -> None:
    fail(run("add", "--deck", "N"), "give --front and --back")


def test_review_through_a_pipe(env: Path) -> None:
    card_id = run("add", "-d", "N", "-f", "What is 6x7?", "-b", "42").stdout.strip()
    result = run("review", input=" \n3\nq\n")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "0/1 · 0 due · 1 new · 0 learning · 0 min" in out
    assert "What is 6x7?" in out and "42" in out
    assert "1 Again 1m  2 Hard 6m  3 Good 10m  4 Easy" in out
    assert "Reviewed 1 · again 0%" in out and "due later today: 1 · tomorrow: 0" in out
    shown = json.loads(run("show", card_id, "--json").stdout)
    assert shown["state"] == "learning" and shown["reps"] == 1
    assert shown["due"] == "2026-03-02T10:10:00+00:00"


def test_review_keys_1_to_4_rate_again_to_easy_and_space_rates_good(env: Path) -> None:
    ids = [run("add", "-d", "N", "-f", f"Q{i}?", "-b", f"a{i}").stdout.strip() for i in range(5)]
    # Show each answer (space), then 1, 2, 3, 4 and, for the fifth card, space (Good).
    result = run("review", input=" \n1\n \n2\n \n3\n \n4\n \n \nq\n")
    assert result.exit_code == 0, result.output
    with sqlite3.connect(env / "srs.db") as conn:
        rows = conn.execute("SELECT card_id, rating FROM reviews ORDER BY id").fetchall()
    assert rows == [(ids[i], r) for i, r in enumerate((1, 2, 3, 4, 3))]
    assert "(space = Good)" in result.stdout  # the prompt names what space does


def test_review_says_when_the_only_card_left_comes_early(env: Path) -> None:
    run("add", "-d", "N", "-f", "What is 6x7?", "-b", "42")
    result = run("review", input=" \n1\n \n3\nq\n")
    assert result.exit_code == 0, result.output
    assert result.stdout.count("What is 6x7?") == 3  # new, early after Again, early after Good
    assert "(only this card is left; showing it early)" in result.stdout


def test_review_undo_and_suspend_keys(env: Path) -> None:
    a = run("add", "-d", "N", "-f", "A?", "-b", "a").stdout.strip()
    b = run("add", "-d", "N", "-f", "B?", "-b", "b").stdout.strip()
    # Rate A Good, undo at B's front, rate A Again, suspend B.
    result = run("review", input="\n3\nu\n\n1\ns\nq\n")
    assert result.exit_code == 0, result.output
    assert "Undone:" in result.stdout and "Suspended." in result.stdout
    assert json.loads(run("show", b, "--json").stdout)["suspended"] is True
    history = json.loads(run("show", a, "--json").stdout)
    assert history["reps"] == 1 and history["due"] == "2026-03-02T10:01:00+00:00"


def test_review_type_in_compares_then_learner_confirms(env: Path) -> None:
    run("add", "-d", "N", "-f", "5x5 filter, s1, p2 on 32: width?", "-b", "32", "--type-in")
    result = run("review", input="32\n\nq\n")
    assert "✓ matches" in result.stdout and "(enter = Good)" in result.stdout
    assert "Reviewed 1" in result.stdout


def test_review_with_nothing_due_says_when_next(env: Path) -> None:
    run("add", "-d", "N", "-f", "Q?", "-b", "A")
    run("review", input="\n4\nq\n")
    result = run("review", input="q\n")
    assert result.exit_code == 0
    assert "Nothing due now. Next card is due in" in result.stdout


def test_ctrl_c_mid_review_keeps_ratings(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = run("add", "-d", "N", "-f", "one?", "-b", "1").stdout.strip()
    run("add", "-d", "N", "-f", "two?", "-b", "2")
    from srs.tui import keys as ui

    calls = {"n": 0}
    real = ui.Keys.key

    def key(self: ui.Keys) -> str:
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(self)

    monkeypatch.setattr(ui.Keys, "key", key)
    result = CliRunner().invoke(cli, ["review"], input="\n3\n\n3\n")
    assert result.exit_code == 130
    assert "Interrupted; all 1 ratings are saved." in result.stdout
    assert json.loads(run("show", first, "--json").stdout)["reps"] == 1


def test_list_search_due_decks_json(env: Path) -> None:
    write_deck(
        env / "decks",
        "d.md",
        "---\ndeck: W::Day 1 · 基础\ntags: day1\n---\n## x1\nQ: 什么是感受野？\nA: rf\n\n"
        "## x2\ntext: {{c1::ReLU}} is max(0, x)\n",
    )
    listed = json.loads(run("list", "--json").stdout)
    assert [c["id"] for c in listed] == ["x1", "x2/c1"]
    # A tag that no card has is an error, not an empty list (issue: filters naming nothing).
    fail(run("list", "--tag", "nope", "--json"), "there is no tag 'nope'")
    assert [c["id"] for c in json.loads(run("search", "感受野", "--json").stdout)] == ["x1"]
    due = json.loads(run("due", "--json").stdout)
    assert (due["due"], due["new_available"], due["new_today"]) == (0, 2, 2)
    assert due["decks"] == [{"deck": "W::Day 1 · 基础", "due": 0, "due_now": 0, "learning": 0, "new": 2}]
    decks = {d["deck"]: d for d in json.loads(run("decks", "--json").stdout)}
    assert decks["W"]["total"] == 2 and decks["W::Day 1 · 基础"]["introduced"] == 0.0
    run("review", input="\n3\nq\n")
    decks = {d["deck"]: d for d in json.loads(run("decks", "--json").stdout)}
    assert (decks["W"]["new"], decks["W"]["learning"], decks["W"]["introduced"]) == (1, 1, 0.5)


def test_unknown_ids_and_bad_flags(env: Path) -> None:
    run("add", "-d", "N", "-f", "Q?", "-b", "A", "--id", "known")
    fail(run("show", "nope"), "no card with id 'nope'")
    fail(run("suspend", "known", "nope"), "no card with id 'nope'")
    assert json.loads(run("show", "known", "--json").stdout)["suspended"] is False
    fail(run("unsuspend", "ghost"), "no card with id 'ghost'")
    bad_limit = run("review", "--limit", "-3")
    assert bad_limit.exit_code == 2 and "-3 is not in the range x>=0" in bad_limit.output
    fail(run("config", "set", "desired-retention", "1.5"), "desired-retention must be between 0.7 and 0.99")
    fail(run("config", "set", "new-per-day", "-1"), "new-per-day must be between 0 and 9999")
    fail(run("config", "set", "learning-steps", "1m soon"), "bad step 'soon'")
    fail(run("config", "set", "colour", "red"), "unknown setting 'colour'")


def test_config_set_validates_before_storing(env: Path) -> None:
    """A value FSRS cannot work with is refused and nothing is stored (it used to be stored first)."""
    from srs.store import open_store

    run("config", "get")  # creates the database
    with open_store(env / "srs.db") as store:
        store.set_config("parameters", [0.1] * 21)  # out of FSRS's bounds
    fail(run("config", "set", "new-per-day", "30"), "invalid scheduler settings")
    with open_store(env / "srs.db") as store:
        assert "new_per_day" not in store.config()
    assert run("config", "get", "new-per-day").stdout.strip() == "20"


def test_config_round_trip(env: Path) -> None:
    assert run("config", "set", "learning-steps", "2m, 15m").stdout.strip() == "learning-steps = 2m 15m"
    assert run("config", "get", "learning-steps").stdout.strip() == "2m 15m"
    values = json.loads(run("config", "get", "--json").stdout)
    assert values["desired-retention"] == "0.9" and values["new-per-day"] == "20"


def test_config_review_order_is_validated(env: Path) -> None:
    assert run("config", "get", "review-order").stdout.strip() == "due"
    assert run("config", "set", "review-order", "retrievability").stdout.strip() == (
        "review-order = retrievability"
    )
    assert run("config", "get", "review-order").stdout.strip() == "retrievability"
    bad = run("config", "set", "review-order", "random")
    assert bad.exit_code != 0 and "Traceback" not in bad.output
    assert "Error: review-order must be one of due, retrievability, not 'random'" in bad.output
    assert run("config", "get", "review-order").stdout.strip() == "retrievability"


def test_config_warns_about_settings_fsrs_advises_against(env: Path) -> None:
    steps = run("config", "set", "learning-steps", "10m 1d")
    assert steps.exit_code == 0 and steps.stdout.strip() == "learning-steps = 10m 1d"
    assert "Warning: learning-steps of a day or more (1d) are not recommended with FSRS" in steps.stderr
    relearn = run("config", "set", "relearning-steps", "2d")
    assert "Warning: relearning-steps of a day or more (2d)" in relearn.stderr
    high = run("config", "set", "desired-retention", "0.98")
    assert high.exit_code == 0 and high.stdout.strip() == "desired-retention = 0.98"
    assert "Warning: a desired retention above 0.97 (0.98) is very high" in high.stderr
    fine = run("config", "set", "desired-retention", "0.97")
    assert fine.exit_code == 0 and fine.stderr == ""
    assert run("config", "set", "learning-steps", "1m 23h").stderr == ""


def test_suspend_and_unsuspend(env: Path) -> None:
    run("add", "-d", "N", "-f", "Q?", "-b", "A", "--id", "k1")
    assert "Suspended 1 card." in run("suspend", "k1").stdout
    assert json.loads(run("due", "--json").stdout)["new_available"] == 0
    run("unsuspend", "k1")
    assert json.loads(run("due", "--json").stdout)["new_available"] == 1


def test_corrupt_and_newer_databases_are_refused_without_damage(env: Path, tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"\x00garbage" * 512)
    fail(run("--db", str(junk), "due"), "cannot open database")
    assert junk.read_bytes() == b"\x00garbage" * 512
    newer = tmp_path / "newer.db"
    run("--db", str(newer), "due")
    conn = sqlite3.connect(newer)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.commit()
    conn.close()
    fail(run("--db", str(newer), "list"), "written by a newer srs")
    fail(run("--db", str(tmp_path / "missing" / "x.db"), "due"), "does not exist")


def test_srs_db_environment_variable(env: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    run("add", "-d", "N", "-f", "Q?", "-b", "A", SRS_DB=str(other))
    assert other.exists() and not (env / "srs.db").exists()


def test_bad_deck_file_warns_and_others_load(env: Path) -> None:
    write_deck(env / "decks", "good.md", "## g1\nQ: q\nA: a\n")
    (env / "decks" / "bad.md").write_bytes(b"## b1\nQ: \xe9\nA: a\n")
    result = CliRunner().invoke(cli, ["list", "--json"])
    assert result.exit_code == 0
    assert [c["id"] for c in json.loads(result.stdout)] == ["g1"]
    assert "Warning: user/bad.md:2: not valid UTF-8" in result.stderr
    check = run("deck", "check", str(env / "decks"))
    assert check.exit_code == 1 and "bad.md:2: not valid UTF-8" in check.stderr


def test_deck_check_builtin_curriculum(home: Path) -> None:
    # A temporary home (not the developer's own deck folder); the exercises' self-tests are proved in
    # tests/test_exercises.py, so they are not run again here.
    result = CliRunner().invoke(cli, ["deck", "check", "--no-exercises"], env={"SRS_NO_BUILTIN": None})
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("OK: ")


def test_help_has_examples() -> None:
    for command in (
        ["--help"],
        ["review", "--help"],
        ["add", "--help"],
        ["due", "--help"],
        ["list", "--help"],
        ["show", "--help"],
        ["decks", "--help"],
        ["search", "--help"],
        ["config", "set", "--help"],
    ):
        result = run(*command)
        assert result.exit_code == 0 and ("Example" in result.stdout or "Start with" in result.stdout), (
            command
        )


def test_each_command_is_defined_by_the_module_the_lazy_table_names() -> None:
    from srs.cli.app import COMMAND_MODULES, import_commands

    ctx = click.Context(cli)
    assert cli.list_commands(ctx) == sorted(COMMAND_MODULES)
    for name, module in COMMAND_MODULES.items():
        command = cli.get_command(ctx, name)  # imports that command's module only
        assert command is not None and command.name == name
        assert command.callback is not None
        assert command.callback.__module__ == f"srs.cli.{module}", name
    assert cli.get_command(ctx, "nothing") is None
    with pytest.raises(ValueError, match="no command module"):
        import_commands("nothing")


def test_the_help_list_says_what_each_command_says_of_itself() -> None:
    """`srs --help` lists commands from a table (no module imported): each line is the command's own."""
    from srs.cli.app import COMMAND_MODULES, COMMAND_SUMMARY

    ctx = click.Context(cli)
    assert sorted(COMMAND_SUMMARY) == sorted(COMMAND_MODULES)
    for name, summary in COMMAND_SUMMARY.items():
        command = cli.get_command(ctx, name)
        assert command is not None and command.get_short_help_str(limit=1000) == summary, name


def test_srs_help_imports_no_command_module(tmp_path: Path) -> None:
    printed, loaded = modules_loaded_by(["--help"], {"SRS_HOME": str(tmp_path / "home")})
    assert "Commands:" in printed and "review" in printed
    assert {m for m in loaded if m.startswith("srs.cli.")} == {"srs.cli.app", "srs.cli.common"}


def test_srs_help_loads_neither_sqlite3_nor_pathlib(tmp_path: Path) -> None:
    """Start-up budget: `srs --help` needs no database module and no paths (pathlib alone brings
    urllib.parse and ipaddress: about a tenth of a bare click program's instructions)."""
    printed, loaded = modules_loaded_by(["--help"], {"SRS_HOME": str(tmp_path / "home")})
    assert "Commands:" in printed
    assert loaded & {"sqlite3", "pathlib"} == set()


def test_srs_due_with_a_running_plan_builds_no_scheduler(tmp_path: Path) -> None:
    """`srs due` under a plan needs the plan's quota for today, not the FSRS scheduler nor the statistics
    module (nor the plan's simulation): it loads neither."""
    import os
    import subprocess
    import sys

    env = {"SRS_HOME": str(tmp_path / "home"), "SRS_NOW": "2026-03-02T10:00:00Z"}
    db = str(tmp_path / "t.db")
    subprocess.run(
        [sys.executable, "-m", "srs", "--db", db, "plan", "start", "--minutes", "45"],
        capture_output=True,
        check=True,
        env={**os.environ, **env},
    )
    printed, loaded = modules_loaded_by(["--db", db, "due"], env)
    assert "of them by the plan" in printed, printed
    heavy = {"srs.scheduling.scheduler", "srs.scheduling.simulate", "statistics", "numpy", "fsrs"}
    assert loaded & heavy == set()


def test_a_command_loads_only_its_own_module(tmp_path: Path) -> None:
    """`srs due` imports the module of `due`, not those of the other commands (start-up time)."""
    printed, loaded = modules_loaded_by(
        ["--db", str(tmp_path / "t.db"), "due"], {"SRS_HOME": str(tmp_path / "home"), "SRS_NO_BUILTIN": "1"}
    )
    assert {m for m in loaded if m.startswith("srs.cli.")} == {
        "srs.cli.app",
        "srs.cli.common",
        "srs.cli.cards",
        "srs.cli.paths",
    }, printed


def test_deck_check_proves_exercises_sound(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_deck(env / "decks", "e.md", "## e1\nkind: exercise\nexercise: stable_softmax\n")
    ok = run("deck", "check", str(env / "decks"), "--exercises")
    assert ok.exit_code == 0 and ok.stdout.strip() == "OK: 1 notes, 1 exercises sound"
    monkeypatch.setattr("srs.exercises.self_test", lambda name: (False, True))
    bad = CliRunner().invoke(cli, ["deck", "check", str(env / "decks"), "--exercises"])
    assert bad.exit_code == 1 and "exercise stable_softmax: its starter passes the checks" in bad.stderr


def test_undo_command_restores_the_last_rating(env: Path) -> None:
    card_id = run("add", "-d", "N", "-f", "Q?", "-b", "A").stdout.strip()
    fail(run("undo"), "there is no rating to undo")
    run("review", input="\n3\nq\n")
    assert json.loads(run("show", card_id, "--json").stdout)["reps"] == 1
    result = run("undo", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["card"]["state"] == "new"
    shown = json.loads(run("show", card_id, "--json").stdout)
    assert (shown["reps"], shown["due"], shown["state"]) == (0, None, "new")


def test_quitting_at_the_first_card_does_not_claim_nothing_is_due(env: Path) -> None:
    run("add", "-d", "N", "-f", "Q?", "-b", "A")
    result = run("review", input="q\n")
    assert result.exit_code == 0
    assert "No ratings this time" in result.stdout and "Nothing due" not in result.stdout


def test_emoji_codes_in_a_card_are_shown_as_written(env: Path) -> None:
    """The review screen prints a card's text as written: ``:smile:`` is not turned into an emoji (its
    source line and a choice card's options go through rich's markup, where emoji codes would be)."""
    write_deck(
        env / "decks",
        "e.md",
        "## e1\nkind: choice\nsource: notes :thumbs_up:\nQ: Which marker?\n"
        "options:\n- [x] the :smile: one\n- [ ] the :x: one\n",
    )
    shown = run("review", input="a\n\nq\n")
    assert shown.exit_code == 0, shown.output
    out = shown.stdout
    assert "notes :thumbs_up:" in out and "the :smile: one" in out and "the :x: one" in out, out
    assert "\N{THUMBS UP SIGN}" not in out and "\N{SMILING FACE WITH SMILING EYES}" not in out
