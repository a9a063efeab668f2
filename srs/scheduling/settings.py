"""Learner settings: their names, defaults, parsing and validation (`srs config get/set`)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, NamedTuple

from srs.errors import InputError
from srs.store import Store


class Settings(NamedTuple):
    """Learner settings that shape the schedule (stored in the config table under these names)."""

    desired_retention: float = 0.9
    learning_steps: tuple[int, ...] = (60, 600)
    relearning_steps: tuple[int, ...] = (600,)
    maximum_interval: int = 36500
    new_per_day: int = 20
    reviews_per_day: int = 200
    parameters: tuple[float, ...] | None = None
    enable_fuzzing: bool = True
    rollover_hour: int = 4
    leech_lapses: int = 8
    load_balance: bool = True
    easy_days: tuple[int, ...] = ()
    backups_keep: int = 10
    review_order: str = "due"
    daily_minutes: int = 45


_STEP_RE = re.compile(r"^(\d+(?:\.\d+)?)([smhd]?)$")
_UNITS = {"": 60, "s": 1, "m": 60, "h": 3600, "d": 86400}


# A lab is rebuilt from a blank starter: 30-60 minutes of work, not a card's seconds. It is scheduled
# with no learning steps and at this retention target (the least `desired-retention` accepts), so that
# a passing build comes back weeks later (about 3 weeks after Good with the default parameters, where
# 0.9 gives 2 days) and a rebuild does not take most of a day's review minutes within the week.
LAB_RETENTION = 0.7


def lab_retention(desired_retention: float) -> float:
    """The retention a lab card is scheduled at, given the collection's: at most :data:`LAB_RETENTION`."""
    return min(desired_retention, LAB_RETENTION)


def lab_settings(settings: Settings) -> Settings:
    """The settings a lab card is scheduled under: ``settings`` without learning or relearning steps and
    with :func:`lab_retention`. Every path that schedules a lab card (its check recorded as a review, a
    reschedule under new parameters) uses these; the simulator uses :func:`lab_retention`."""
    return settings._replace(
        learning_steps=(),
        relearning_steps=(),
        desired_retention=lab_retention(settings.desired_retention),
    )


def parse_steps(text: str) -> tuple[int, ...]:
    """Parse learning steps like ``1m 10m`` or ``10m,1h`` into seconds."""
    steps = []
    for part in re.split(r"[\s,]+", text.strip()):
        if not part:
            continue
        m = _STEP_RE.match(part.lower())
        if not m:
            raise InputError(f"bad step {part!r}: write durations like 1m, 10m, 1h, 1d")
        seconds = int(float(m.group(1)) * _UNITS[m.group(2)])
        if seconds <= 0:
            raise InputError(f"bad step {part!r}: a step must be longer than zero")
        steps.append(seconds)
    return tuple(steps)


def format_steps(steps: tuple[int, ...]) -> str:
    """Seconds back to the ``1m 10m`` form."""
    out = []
    for s in steps:
        if s % 86400 == 0:
            out.append(f"{s // 86400}d")
        elif s % 3600 == 0:
            out.append(f"{s // 3600}h")
        elif s % 60 == 0:
            out.append(f"{s // 60}m")
        else:
            out.append(f"{s}s")
    return " ".join(out)


def _number(kind: type, low: float, high: float, what: str) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise InputError(
                f"{what} must be a {'whole ' if kind is int else ''}number, not {text!r}"
            ) from None
        if not low <= value <= high:
            raise InputError(f"{what} must be between {low:g} and {high:g}, not {text}")
        return value

    return parse


_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def parse_weekdays(text: str) -> tuple[int, ...]:
    """Parse weekdays like ``sat,sun`` or ``saturday sunday`` (or ``none``) into numbers, 0 = Monday."""
    names = [p for p in re.split(r"[\s,]+", text.strip().lower()) if p]
    if names in ([], ["none"]):
        return ()
    days = set()
    for name in names:
        if name in _WEEKDAYS:
            days.add(_WEEKDAYS.index(name))
        elif name in _WEEKDAY_NAMES:
            days.add(_WEEKDAY_NAMES.index(name))
        else:
            raise InputError(f"bad weekday {name!r}: write days like sat,sun (or none)")
    if len(days) == 7:
        raise InputError("easy-days cannot be every day of the week")
    return tuple(sorted(days))


def format_weekdays(days: tuple[int, ...]) -> str:
    """Weekday numbers back to ``sat,sun`` (``none`` when empty)."""
    return ",".join(_WEEKDAYS[d] for d in days) or "none"


def parse_switch(text: str) -> bool:
    """``on``/``off`` (also yes/no, true/false, 1/0)."""
    value = text.strip().lower()
    if value in ("on", "yes", "true", "1"):
        return True
    if value in ("off", "no", "false", "0"):
        return False
    raise InputError(f"expected on or off, not {text!r}")


def format_switch(value: bool) -> str:
    """True/False as on/off."""
    return "on" if value else "off"


REVIEW_ORDERS = ("due", "retrievability")


def _review_order(text: str) -> str:
    value = text.strip().lower()
    if value not in REVIEW_ORDERS:
        raise InputError(f"review-order must be one of {', '.join(REVIEW_ORDERS)}, not {text!r}")
    return value


class Key(NamedTuple):
    """One setting a learner may change."""

    name: str
    field: str
    help: str
    parse: Callable[[str], Any]
    show: Callable[[Any], str] = str


KEYS: dict[str, Key] = {
    k.name: k
    for k in (
        Key(
            "desired-retention",
            "desired_retention",
            "target probability of recall at review time (0.70-0.99)",
            _number(float, 0.7, 0.99, "desired-retention"),
        ),
        Key(
            "learning-steps",
            "learning_steps",
            "steps for new cards, e.g. '1m 10m'",
            parse_steps,
            format_steps,
        ),
        Key(
            "relearning-steps",
            "relearning_steps",
            "steps after a lapse, e.g. '10m'",
            parse_steps,
            format_steps,
        ),
        Key(
            "maximum-interval",
            "maximum_interval",
            "longest interval in days (1-36500)",
            _number(int, 1, 36500, "maximum-interval"),
        ),
        Key(
            "new-per-day",
            "new_per_day",
            "new cards introduced per day (0-9999)",
            _number(int, 0, 9999, "new-per-day"),
        ),
        Key(
            "reviews-per-day",
            "reviews_per_day",
            "reviews shown per day (0-99999)",
            _number(int, 0, 99999, "reviews-per-day"),
        ),
        Key(
            "rollover-hour",
            "rollover_hour",
            "local hour at which a new day starts (0-23)",
            _number(int, 0, 23, "rollover-hour"),
        ),
        Key(
            "leech-lapses",
            "leech_lapses",
            "lapses after which a card is a leech and suspended (1-99)",
            _number(int, 1, 99, "leech-lapses"),
        ),
        Key(
            "load-balance",
            "load_balance",
            "spread reviews evenly over the days within each interval's fuzz range (on/off)",
            parse_switch,
            format_switch,
        ),
        Key(
            "easy-days",
            "easy_days",
            "weekdays with a lighter review load, e.g. 'sat,sun' ('none' for none)",
            parse_weekdays,
            format_weekdays,
        ),
        Key(
            "backups-keep",
            "backups_keep",
            "database backups kept in $SRS_HOME/backups (1-1000)",
            _number(int, 1, 1000, "backups-keep"),
        ),
        Key(
            "daily-minutes",
            "daily_minutes",
            "minutes a day a study plan budgets, unless started with --minutes (5-600)",
            _number(int, 5, 600, "daily-minutes"),
        ),
        Key(
            "review-order",
            "review_order",
            "due reviews: 'due' (oldest due date first) or 'retrievability' (relative overdueness: "
            "lowest recall first, for backlogs)",
            _review_order,
        ),
    )
}

# FSRS's own warnings (as Anki shows them in its deck options).
HIGH_RETENTION = 0.97


def warnings(settings: Settings) -> dict[str, str]:
    """Settings that work but that FSRS advises against: setting name -> one sentence."""
    out = {}
    for name, steps in (
        ("learning-steps", settings.learning_steps),
        ("relearning-steps", settings.relearning_steps),
    ):
        long_steps = tuple(s for s in steps if s >= 86400)
        if long_steps:
            out[name] = (
                f"{name} of a day or more ({format_steps(long_steps)}) are not recommended with FSRS: "
                "it schedules whole days itself, from the card's memory"
            )
    if settings.desired_retention > HIGH_RETENTION:
        out["desired-retention"] = (
            f"a desired retention above {HIGH_RETENTION} ({settings.desired_retention:g}) is very high: "
            "intervals get very short and the workload grows steeply"
        )
    return out


def load_settings(store: Store, *, enable_fuzzing: bool = True) -> Settings:
    """The learner's settings: stored values over defaults."""
    stored = store.config()
    names = set(Settings._fields)
    values: dict[str, Any] = {}
    for key, value in stored.items():
        if key in names:
            if key in ("learning_steps", "relearning_steps", "parameters", "easy_days") and value is not None:
                value = tuple(value)
            values[key] = value
    return Settings(enable_fuzzing=enable_fuzzing)._replace(**values)


def get_value(settings: Settings, name: str) -> str:
    """The displayed value of one setting."""
    key = _key(name)
    return key.show(getattr(settings, key.field))


def parse_value(name: str, text: str) -> tuple[str, Any]:
    """Parse and validate one setting's text without storing it: (Settings field, value)."""
    key = _key(name)
    return key.field, key.parse(text)


def set_value(store: Store, name: str, text: str) -> Any:
    """Validate and store one setting; returns the parsed value."""
    field, value = parse_value(name, text)
    store.set_config(field, list(value) if isinstance(value, tuple) else value)
    return value


def _key(name: str) -> Key:
    key = KEYS.get(name.replace("_", "-").lower())
    if key is None:
        raise InputError(f"unknown setting {name!r}; settings are: {', '.join(KEYS)}")
    return key
