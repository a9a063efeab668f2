"""The linter's newer rules: complement give-aways, answers trimmed to the word limit, and the
near-duplicates the first rule missed (maths names, `extra:`, one file, the same formula)."""

from __future__ import annotations

import pytest

from srs.decks.lint import LintOptions, derivable, lint, numbers
from srs.decks.parser import parse_text
from srs.model import Note


def notes_of(text: str, path: str = "deck.md") -> list[Note]:
    result = parse_text(text, path)
    assert result.errors == ()
    return list(result.notes)


def found(text: str, rule: str = "complement-giveaway", path: str = "deck.md") -> list[str]:
    return [w.message for w in lint(notes_of(text, path), sources={}) if w.rule == rule]


# -- complements ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        # Two deletions that are each other's complement: one card shows the other's answer.
        "## k1\ntext: Max pooling routes the gradient to the {{c1::largest}} input and gives the {{c2::smaller}} inputs none; "
        "a layer {{c3::upsamples}} or {{c4::downsamples}}.\n",
        "## k2\ntext: In PyTorch `x.view(N, -1)` keeps the {{c1::first}} axis and merges every axis up to the {{c2::last}} one.\n",
        "## k3\ntext: Dropout is active during {{c1::training}} and switched off at {{c2::test}} time.\n",
        # Word forms: increases/decreases, widths/heights.
        "## k4\ntext: Warm-up {{c1::increases}} the rate linearly; the cosine phase {{c2::decreases}} it.\n",
    ],
)
def test_deletions_that_are_complements_are_flagged(text: str) -> None:
    messages = found(text)
    assert messages and "are complements" in messages[0]


@pytest.mark.parametrize(
    "text",
    [
        # Two deletions, no complement between them.
        "## ok1\ntext: Dropout is active during {{c1::training}} and the mask keeps a unit with probability {{c2::p}}.\n",
        # The complement is in the visible text, not a second deletion: asked for on its own.
        "## ok2\ntext: Early layers learn generic features; later layers learn {{c1::dataset-specific}} ones.\n",
    ],
)
def test_deletions_without_a_complement_between_them_are_not_flagged(text: str) -> None:
    assert found(text) == []


def test_a_key_phrase_of_one_deletion_visible_in_another_is_flagged() -> None:
    text = (
        "## p1\ntext: Knowledge distillation first {{c1::trains a teacher network}}, then "
        "{{c2::fits a student to the teacher network's soft targets}}.\n"
    )
    assert any("key phrase 'teacher network'" in m for m in found(text))
    fine = "## p2\ntext: Distillation first {{c1::trains a large teacher}}, then {{c2::fits a compact model to its soft targets}}.\n"
    assert found(fine) == []


def test_deletions_of_one_template_are_flagged_and_different_shapes_are_not() -> None:
    same = "## t1\ntext: Doubling depth costs about {{c1::$2 \\beta$}} and doubling width about {{c2::$2 \\gamma$}}.\n"
    assert any("have one shape" in m for m in found(same))
    different = "## t2\ntext: Attention costs {{c1::$O(n^2 d)$}} time and the FFN {{c2::$O(n d^2)$}}.\n"
    assert found(different) == []


def test_a_reciprocal_of_another_deletions_factor_is_flagged() -> None:
    text = "## r1\ntext: With fan-out $m$ the backward variance is {{c1::$m \\mathrm{Var}(w)$}}; Glorot's fix is {{c2::$1/m$}}.\n"
    assert any("inverse of a factor" in m for m in found(text))
    fine = "## r2\ntext: The update is scaled by {{c1::$1/m$}}, the batch mean of {{c2::$\\sum_i g_i$}}.\n"
    assert found(fine) == []


def test_a_number_that_the_card_shows_by_one_operation_is_flagged() -> None:
    text = "## n1\ntext: ViT-L has {{c1::24}} layers, width {{c2::1024}} and 16 heads of size 64.\n"
    messages = found(text)
    assert messages == [
        "c2 ('1024') follows from numbers its card shows (16 × 64); hide one of them too, or ask for the relation"
    ]
    # Coincidences of small numbers and fractions are left alone.
    fine = "## n2\ntext: A typical step decay multiplies the rate by {{c1::0.5}} every 5 epochs or by 0.1 every 20.\n"
    assert found(fine) == []


def test_a_question_giving_the_figures_of_a_reported_ratio_is_flagged_and_a_drill_is_not() -> None:
    fact = (
        "## q1\nkind: type-in\nQ: GPT-3 was trained on 300 billion tokens with 175 billion parameters. "
        "Tokens per parameter, to one decimal?\nA: 1.7\n"
    )
    assert found(fact) == []  # 1.714...: not the answer as written
    exact = "## q2\nkind: type-in\nQ: A model saw 2 trillion tokens with 100 billion parameters. Tokens per parameter?\nA: 20\n"
    assert "follows from the question's numbers" in found(exact)[0]
    drill = (
        "## q3\nkind: type-in\nQ: 60,000 examples, batches of 200. How many updates make one epoch?\nA: 300\n"
    )
    assert found(drill) == []


def test_a_question_naming_both_complements_answered_by_one_is_a_coin_toss() -> None:
    coin = "## b1\nQ: Does weight decay make the weights larger or smaller?\nA: Smaller: each step shrinks them.\n"
    assert "a coin toss" in found(coin)[0]
    open_q = "## b2\nQ: Is dropout used at training or test time, and how is the output scaled?\nA: Inverted dropout scales by 1/p.\n"
    assert found(open_q) == []
    unrelated = "## b3\nQ: Adam or SGD with momentum: which does the paper use?\nA: Adam.\n"
    assert found(unrelated) == []


def test_numbers_read_magnitude_words_and_thousands() -> None:
    assert numbers("1.4 trillion tokens, 70B params, 50,000 images, x = -2") == [1.4e12, 70e9, 50000.0, -2.0]
    assert numbers("70 billion and 12 layers", scaled_only=True) == [70e9]
    assert derivable(20.0, [1.4e12, 70e9]) == (1.4e12, "/", 70e9)
    assert derivable(3.0, [1.0, 3.0]) is None


# -- answers trimmed to the limit ----------------------------------------------------------------
def test_an_answer_within_two_words_of_the_limit_is_flagged_below_it_is_not() -> None:
    def note(n: int) -> str:
        return f"## a{n}\nQ: q{n}?\nA: {' '.join(f'w{i}' for i in range(n))}\n\n"

    text = note(27) + note(28) + note(30)
    near = [w.note_id for w in lint(notes_of(text), sources={}) if w.rule == "near-limit-answer"]
    assert near == ["a28", "a30"]
    assert [
        w
        for w in lint(notes_of(text), LintOptions(max_words=40), sources={})
        if w.rule == "near-limit-answer"
    ] == []
    message = next(w for w in lint(notes_of(note(29)), sources={}) if w.rule == "near-limit-answer").message
    assert "29 words" in message and "extra:" in message
    # A multiple-choice card's options are not an answer trimmed to fit.
    options = "\n".join(
        f"- [{'x' if i == 0 else ' '}] option number {i} of seven words here" for i in range(3)
    )
    choice = notes_of(f"## c1\nQ: Which one?\noptions:\n{options}\n")
    assert [w for w in lint(choice, sources={}) if w.rule == "near-limit-answer"] == []


# -- near-duplicates ------------------------------------------------------------------------------
def test_the_same_formula_asked_twice_is_a_duplicate_however_it_is_worded() -> None:
    first = notes_of("## f1\ntext: The softplus is {{c1::$\\log(1 + e^x)$}}, a smooth ReLU.\n", "a.md")
    second = notes_of("## f2\nQ: Which function of $x$ smooths the ReLU?\nA: $\\log(1+e^{x})$\n", "b.md")
    # The words barely matter: with text similarity switched off, the formula alone finds them.
    dups = [
        w
        for w in lint(first + second, LintOptions(similarity=1.01), sources={})
        if w.rule == "near-duplicate"
    ]
    assert [(w.note_id, "same formula as f1" in w.message) for w in dups] == [("f2", True)]
    other = notes_of("## f3\nQ: Which function of $x$ smooths the step?\nA: $1/(1+e^{-x})$\n", "b.md")
    assert [w for w in lint(first + other, sources={}) if w.rule == "near-duplicate"] == []


def test_maths_function_names_count_when_cards_are_compared() -> None:
    # Without the names each card keeps two or three words of its own and the pair is not even compared.
    a = notes_of(
        "## g1\nQ: What is the slope of $\\tanh$ at 0, and of $\\sigma$?\nA: $\\tanh$: 1; $\\sigma$: 1/4\n",
        "a.md",
    )
    b = notes_of(
        "## g2\nQ: Compare the slopes of $\\tanh$ and $\\sigma$ at the origin.\nA: $\\tanh$ has slope 1, $\\sigma$ 0.25\n",
        "b.md",
    )
    assert [w.note_id for w in lint(a + b, sources={}) if w.rule == "near-duplicate"] == ["g2"]


def test_a_card_restating_another_cards_extra_is_a_duplicate() -> None:
    a = notes_of(
        "## e1\nQ: What is a dead ReLU?\nA: A unit that outputs 0 for every input.\n"
        "extra: A too high learning rate knocks its weights into a region where it never fires again.\n",
        "a.md",
    )
    b = notes_of(
        "## e2\nQ: What knocks a ReLU's weights into a region where it never fires again?\n"
        "A: A learning rate set too high.\n",
        "b.md",
    )
    assert [w.note_id for w in lint(a + b, sources={}) if w.rule == "near-duplicate"] == ["e2"]


def test_siblings_of_one_file_with_different_answers_or_a_contrast_are_not_duplicates() -> None:
    siblings = notes_of(
        "## s1\nkind: type-in\nQ: A multiply gate has inputs 3 and -4 and upstream gradient 2. Gradient to the first?\nA: -8\n\n"
        "## s2\nkind: type-in\nQ: An add gate has inputs 3 and -4 and upstream gradient 2. Gradient to the first?\nA: 2\n\n"
        "## s3\nQ: New data small and similar to the pretraining data: what to train?\nA: A linear classifier on top features.\n\n"
        "## s4\nQ: New data large and similar to the pretraining data: what to train?\nA: Fine-tune a linear classifier on top features.\n"
    )
    assert [w for w in lint(siblings, sources={}) if w.rule == "near-duplicate"] == []
