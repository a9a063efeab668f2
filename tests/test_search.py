"""`srs search`: words of any length in any language, deck names, and the curriculum's Chinese terms."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from srs.cli import cli
from srs.decks.sync import DeckRoot, sync
from srs.paths import builtin_decks_dir
from srs.store import Store
from tests.conftest import T0, write_deck

# The 20 terms of the seed plan (issue 20): each must find the cards that teach it.
PLAN_TERMS = (
    "感受野",
    "反向传播",
    "池化",
    "残差连接",
    "优化器",
    "学习率调度",
    "数据增强",
    "过拟合",
    "交叉验证",
    "多模态",
    "对比学习",
    "注意力机制",
    "激活函数",
    "损失函数",
    "梯度",
    "卷积",
    "批归一化",
    "正则化",
    "迁移学习",
    "预训练",
)

MINE = """---
deck: Mine
---
## m1
Q: What does pooling (池化) do to a feature map?
A: It shrinks its width and height.

## m2
Q: What is a gradient (梯度)?
A: The vector of partial derivatives.

## m3
Q: 感受野是什么？
A: The input region one unit sees.

## m4
Q: Which norm does weight decay penalise?
A: L2.
"""


def test_short_chinese_words_and_short_latin_terms_find_a_learners_own_cards(
    store: Store, tmp_path: Path
) -> None:
    write_deck(tmp_path / "decks", "mine.md", MINE)
    sync(store, [DeckRoot("user", tmp_path / "decks")], T0)
    assert [c.id for c in store.search("池化")] == ["m1"]  # two characters: below the trigram index
    assert [c.id for c in store.search("梯度")] == ["m2"]
    assert [c.id for c in store.search("感受野")] == ["m3"]  # three characters: the trigram index
    assert [c.id for c in store.search("池")] == ["m1"]
    assert [c.id for c in store.search("L2")] == ["m4"]
    assert store.search("卷积") == []


def test_a_deck_name_finds_the_cards_of_that_deck_after_the_text_matches(
    store: Store, tmp_path: Path
) -> None:
    write_deck(tmp_path / "decks", "mine.md", MINE)
    write_deck(tmp_path / "decks", "other.md", "---\ndeck: Other\n---\n## o1\nQ: Is this mine?\nA: No.\n")
    sync(store, [DeckRoot("user", tmp_path / "decks")], T0)
    # "mine" in a card's text comes first; then every card of the deck named Mine, in deck order.
    assert [c.id for c in store.search("Mine")] == ["o1", "m1", "m2", "m3", "m4"]
    assert [c.id for c in store.search("min")] == ["o1", "m1", "m2", "m3", "m4"]  # part of a name, any case
    assert [c.id for c in store.search("Mine", limit=2)] == ["o1", "m1"]
    assert [c.id for c in store.search("Other")] == ["o1"]


def test_srs_search_finds_a_deck_by_name_from_the_command_line(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SRS_NO_BUILTIN", "1")
    write_deck(home / "decks", "mine.md", MINE)
    result = CliRunner().invoke(cli, ["search", "Mine", "--json"])
    assert result.exit_code == 0, result.output
    assert [c["deck"] for c in json.loads(result.stdout)] == ["Mine"] * 4
    short = CliRunner().invoke(cli, ["search", "池化", "--json"])
    assert [c["id"] for c in json.loads(short.stdout)] == ["m1"]


# Needs the Chinese terms of the rewritten built-in decks (issue 20): fails on decks without them.
@pytest.mark.parametrize("term", PLAN_TERMS)
def test_each_plan_term_finds_built_in_cards_that_contain_it(store: Store, term: str) -> None:
    sync(store, [DeckRoot("builtin", builtin_decks_dir())], T0)
    found = store.search(term)
    in_text = [c for c in found if term in f"{c.spec.front}\n{c.spec.back}\n{c.spec.extra}"]
    assert in_text, f"no built-in card contains {term}"
    # Every card found holds the term, in its text or in its deck's name.
    assert all(term in f"{c.spec.front}\n{c.spec.back}\n{c.spec.extra}\n{c.spec.deck}" for c in found)


def test_the_readme_search_example_finds_cards(home: Path) -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert 'srs search "感受野"' in readme
    result = CliRunner().invoke(cli, ["search", "感受野", "--json"])
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert found and all("感受野" in f"{c['front']}{c['back']}{c['extra']}{c['deck']}" for c in found)
