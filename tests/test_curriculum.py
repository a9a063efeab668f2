"""The built-in curriculum: complete, sourced, tagged, and introduced in prerequisite order."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from srs.cli import cli
from srs.decks.lint import LintOptions, lint
from srs.decks.parser import cards_of
from srs.decks.sync import check
from srs.model import Kind, Note
from srs.paths import builtin_decks_dir

# The plan's checklist, day by day: (topic, tag that marks its cards). Each needs >= 3 cards.
CHECKLIST: dict[int, list[tuple[str, str]]] = {
    1: [
        ("linear algebra for DL", "linear-algebra"),
        ("numpy arrays and vectorisation", "numpy"),
        ("broadcasting", "broadcasting"),
        ("derivatives and gradients", "calculus"),
        ("kNN", "knn"),
        ("linear classifiers", "linear-classifier"),
        ("multiclass SVM", "svm"),
        ("softmax classifier", "softmax"),
        ("the neuron model", "neuron"),
        ("activation functions", "activations"),
        ("forward propagation", "forward-pass"),
        ("loss functions", "loss"),
        ("regularisation term", "regularization"),
        ("gradient checking", "gradient-check"),
        ("data preprocessing", "preprocessing"),
        ("weight initialisation", "initialization"),
    ],
    2: [
        ("computational graphs", "computational-graph"),
        ("chain rule", "chain-rule"),
        ("gate patterns", "gates"),
        ("vectorised gradients and Jacobians", "jacobian"),
        ("backprop", "backprop"),
        ("two-layer net", "two-layer-net"),
        ("SGD and mini-batches", "sgd"),
        ("Momentum and Nesterov", "momentum"),
        ("AdaGrad, RMSProp", "rmsprop"),
        ("Adam", "adam"),
        ("choosing optimizers", "optimizers"),
        ("reading loss curves", "loss-curves"),
        ("vanishing and exploding gradients", "vanishing-gradients"),
        ("gradient clipping", "gradient-clipping"),
    ],
    3: [
        ("convolution", "convolution"),
        ("1x1 convolution", "conv1x1"),
        ("pooling", "pooling"),
        ("receptive fields", "receptive-field"),
        ("CNN design patterns", "cnn-architecture"),
        ("AlexNet", "alexnet"),
        ("VGG", "vgg"),
        ("feature maps and filters", "visualization"),
        ("training on MNIST", "mnist"),
        ("effective receptive field", "effective-receptive-field"),
    ],
    4: [
        ("degradation problem", "degradation"),
        ("residual connections", "residual"),
        ("basic vs bottleneck", "bottleneck"),
        ("projection shortcuts", "projection-shortcut"),
        ("gradient flow", "gradient-flow"),
        ("ResNet variants", "resnet-variants"),
        ("MobileNet", "mobilenet"),
        ("EfficientNet", "efficientnet"),
        ("attention", "attention"),
        ("Vision Transformer", "vit"),
        ("the CIFAR-10 ResNet", "cifar-resnet"),
        ("sinusoidal positional encoding", "positional-encoding"),
    ],
    5: [
        ("data augmentation", "augmentation"),
        ("weight decay", "weight-decay"),
        ("dropout", "dropout"),
        ("batch normalisation", "batchnorm"),
        ("early stopping", "early-stopping"),
        ("label smoothing", "label-smoothing"),
        ("learning-rate schedules", "lr-schedule"),
        ("metrics", "metrics"),
        ("cross-validation", "cross-validation"),
        ("over/underfitting", "overfitting"),
        ("tuning", "hyperparameters"),
        ("batch-norm backward", "batchnorm-backward"),
        ("LayerNorm", "layernorm"),
        ("transfer learning", "transfer-learning"),
        ("model ensembles", "ensembles"),
        ("Transformer training recipe", "transformer-training"),
    ],
    6: [
        ("planning an experiment", "experiment-design"),
        ("training pipeline", "training-pipeline"),
        ("ablation studies", "ablation"),
        ("reproducibility", "reproducibility"),
        ("reporting results", "reporting"),
    ],
    7: [
        ("multimodal representation learning", "multimodal"),
        ("cross-modal alignment", "alignment"),
        ("dual encoders vs fusion", "fusion"),
        ("CLIP", "clip"),
        ("InfoNCE", "infonce"),
        ("zero-shot", "zero-shot"),
        ("linear probes", "linear-probe"),
        ("temperature", "temperature"),
        ("multimodal pre-training", "pretraining"),
        ("large-model development", "large-models"),
        ("scaling laws", "scaling"),
    ],
}
MINIMUM = {1: 35, 2: 35, 3: 35, 4: 35, 5: 35, 6: 15, 7: 35}
PAPERS = ("alexnet", "vgg", "resnet", "transformer", "clip")
# The seed's graph, as tags: foundations -> basics -> CNNs -> architectures; basics -> backprop -> optimisation;
# CNNs, architectures, optimisation -> implementation practice -> multimodal.
PREREQUISITES = [
    ("calculus", "backprop"),
    ("neuron", "backprop"),
    ("softmax", "two-layer-net"),
    ("backprop", "sgd"),
    ("sgd", "adam"),
    ("chain-rule", "convolution"),
    ("convolution", "receptive-field"),
    ("convolution", "pooling"),
    ("convolution", "residual"),
    ("alexnet", "resnet"),
    ("vgg", "bottleneck"),
    ("attention", "vit"),
    ("adam", "weight-decay"),
    ("residual", "batchnorm"),
    ("metrics", "ablation"),
    ("vit", "clip"),
    ("softmax", "infonce"),
    ("preprocessing", "batchnorm"),
    ("initialization", "vanishing-gradients"),
    ("backprop", "vanishing-gradients"),
    ("backprop", "gradient-clipping"),
    ("receptive-field", "effective-receptive-field"),
    ("residual", "cifar-resnet"),
    ("attention", "positional-encoding"),
    ("batchnorm", "batchnorm-backward"),
    ("batchnorm", "layernorm"),
    ("positional-encoding", "transformer-training"),
    ("cnn-architecture", "transfer-learning"),
    ("clip", "large-models"),
]


@pytest.fixture(scope="module")
def notes() -> list[Note]:
    found, errors = check([builtin_decks_dir()])
    assert errors == []
    return found


def day_of(note: Note) -> int:
    days = [int(t[3:]) for t in note.tags if t.startswith("day") and t[3:].isdigit()]
    assert len(days) == 1, f"{note.id} needs exactly one dayN tag, has {note.tags}"
    return days[0]


def flash(notes: list[Note]) -> list[Note]:
    return [n for n in notes if n.kind not in (Kind.QUIZ, Kind.EXERCISE)]


def test_every_card_has_a_day_a_topic_and_a_source(notes: list[Note]) -> None:
    for note in notes:
        day_of(note)
        assert len(note.tags) >= 2, f"{note.id} has no topic tag"
        assert note.source.strip(), f"{note.id} has no source"


def test_minimum_counts(notes: list[Note]) -> None:
    per_day = Counter(day_of(n) for n in flash(notes))
    for day, minimum in MINIMUM.items():
        assert per_day[day] >= minimum, f"day {day}: {per_day[day]} cards, need {minimum}"
    assert sum(per_day.values()) >= 260
    for paper in PAPERS:
        assert sum(1 for n in flash(notes) if paper in n.tags) >= 5, paper


@pytest.mark.parametrize("day", sorted(CHECKLIST))
def test_every_checklist_topic_has_three_cards(notes: list[Note], day: int) -> None:
    cards = [n for n in flash(notes) if day_of(n) == day]
    for topic, tag in CHECKLIST[day]:
        count = sum(1 for n in cards if tag in n.tags)
        assert count >= 3, f"day {day} topic {topic!r} (#{tag}) has {count} cards"


def test_each_day_mixes_card_kinds(notes: list[Note]) -> None:
    for day in MINIMUM:
        kinds = Counter(n.kind for n in flash(notes) if day_of(n) == day)
        assert len(kinds) >= 3, f"day {day} uses only {dict(kinds)}"
    overall = Counter(n.kind for n in flash(notes))
    assert {Kind.BASIC, Kind.REVERSED, Kind.CLOZE, Kind.TYPE_IN} <= set(overall)


def test_every_quiz_and_exercise_is_in_the_curriculum(notes: list[Note]) -> None:
    from srs import exercises, quiz

    used = {n.item for n in notes if n.kind in (Kind.QUIZ, Kind.EXERCISE)}
    assert {q.name for q in quiz.catalog()} <= used
    assert {e.name for e in exercises.catalog()} <= used


def test_ids_are_unique_and_stable(notes: list[Note]) -> None:
    ids = [c.id for n in notes for c in cards_of(n)]
    assert len(ids) == len(set(ids))
    again, _ = check([builtin_decks_dir()])
    assert [c.id for n in again for c in cards_of(n)] == ids


def intro_rank(notes: list[Note]) -> dict[str, int]:
    ordered = sorted(notes, key=lambda n: (n.order, n.path, n.position))
    return {n.id: i for i, n in enumerate(ordered)}


@pytest.mark.parametrize(("before", "after"), PREREQUISITES)
def test_prerequisites_are_introduced_first(notes: list[Note], before: str, after: str) -> None:
    rank = intro_rank(flash(notes))
    first = [rank[n.id] for n in flash(notes) if before in n.tags]
    then = [rank[n.id] for n in flash(notes) if after in n.tags]
    assert first and then
    # Most of the prerequisite (its introductory cards) comes before the first card of the dependent topic.
    assert sorted(first)[len(first) // 2] < min(then), f"#{before} is not introduced before #{after}"


def test_days_are_introduced_in_order(notes: list[Note]) -> None:
    ordered = sorted(notes, key=lambda n: (n.order, n.path, n.position))
    # The terms deck tags each zh/en pair with the day that teaches it and comes after every day's files.
    days = [day_of(n) for n in ordered if "terms" not in n.tags]
    assert days == sorted(days)
    last_day_file = max(n.order for n in notes if "terms" not in n.tags)
    assert all(n.order > last_day_file for n in notes if "terms" in n.tags)


def test_a_new_learner_starts_with_day_1(tmp_path: Path) -> None:
    env = {
        "SRS_HOME": str(tmp_path),
        "SRS_NOW": "2026-03-02T10:00:00Z",
        "SRS_NO_BUILTIN": None,
        "NO_COLOR": "1",
    }
    runner = CliRunner()
    listed = runner.invoke(cli, ["list", "--json", "--limit", "20"], env=env)
    import json

    assert all("day1" in c["tags"] for c in json.loads(listed.stdout))
    decks = {d["deck"]: d for d in json.loads(runner.invoke(cli, ["decks", "--json"], env=env).stdout)}
    days = [name for name in decks if name.count("::") == 1 and name.startswith("DL Week::Day ")]
    assert len(days) == 7 and all(decks[d]["introduced"] == 0.0 for d in days)
    result = runner.invoke(cli, ["review"], input="q\n", env=env)
    assert "#day1" in result.stdout


def test_the_curriculum_passes_the_linter(notes: list[Note]) -> None:
    """No give-aways, long answers, near-duplicates, maths clozes or coarse sources (what --strict enforces)."""
    warnings = lint(notes, LintOptions())
    assert [str(w) for w in warnings] == []


def test_deck_check_strict_passes_on_the_builtin_decks() -> None:
    result = CliRunner().invoke(cli, ["deck", "check", str(builtin_decks_dir()), "--strict"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("OK: ") and "warning" not in result.output


# Core notes per day (issue 20): what a day's checkpoint needs, about 25-40 a day, never under 20 or over 45.
CORE_PER_DAY = (20, 45)


def test_each_day_has_between_20_and_45_core_notes(notes: list[Note]) -> None:
    from srs.model import Tier

    core = Counter(day_of(n) for n in notes if n.tier is Tier.CORE)
    low, high = CORE_PER_DAY
    outside = {day: core[day] for day in range(1, 8) if not low <= core[day] <= high}
    assert outside == {}, (
        f"core notes per day outside {low}..{high}: {outside} (all days: {dict(sorted(core.items()))})"
    )


def test_no_note_is_introduced_before_a_note_it_requires(notes: list[Note]) -> None:
    from srs.decks.order import curriculum_order

    report = curriculum_order(notes)
    assert [str(e) for e in report.errors] == []
    assert [str(p) for p in report.problems] == []
