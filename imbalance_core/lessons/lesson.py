"""What a lesson is: the plan a teacher makes, the lesson as stored, a student's run, and their limits.

A plan is checked here, once, for the CLI and the page alike: the strategies exist, the settings named as
settable are known, the network's values are in range, the question is a bounded line of text.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Mapping

from ..data.spec import BuiltinSpec, DataSpec, UploadSpec
from ..errors import ConfigError
from ..settings import SEED, TEST_SIZE, THRESHOLD
from ..text import shorten
from ..training.network import NetworkConfig
from ..training.strategies import get_strategy

__all__ = ["DEFAULT_STRATEGIES", "MAX_NICKNAME", "MAX_QUESTION", "MAX_TABLE_BYTES", "PURGE_DAYS", "RUN_CAP", "RUN_GAP_SECONDS",
           "SETTABLE", "Lesson", "LessonPlan", "LessonRun", "nickname"]

MAX_QUESTION = 300  # characters: one line on a projector
MAX_NICKNAME = 40
RUN_CAP = 2_000  # stored runs per lesson
RUN_GAP_SECONDS = 3.0  # at most one stored run per session this often
PURGE_DAYS = 30
MAX_TABLE_BYTES = 64 * 1024 * 1024  # an uploaded table stored for a lesson (a class works on a toy-sized table)  # lessons older than this are purged by ``lesson purge`` unless told otherwise
DEFAULT_STRATEGIES = ("none", "smote", "class_weight", "focal_loss")

# what a teacher can let students change; everything else is fixed by the lesson and hidden
SETTABLE = {
    "strategy_settings": "the strategy's own settings (k neighbours, gamma, alpha...)",
    "network": "the network and its training (layers, learning rate, epochs, batch size...)",
    "seed": "the seed and the test split",
}


@dataclass(frozen=True)
class LessonPlan:
    """What a teacher asks for: the data (an uploaded table carries its bytes), the question, the strategies
    students may pick, which settings they may change (:data:`SETTABLE`), and the network and run settings
    everyone starts from."""

    data: DataSpec = BuiltinSpec("moons")
    question: str = ""
    strategies: tuple[str, ...] = DEFAULT_STRATEGIES
    settable: tuple[str, ...] = ("strategy_settings",)
    network: Mapping[str, Any] = field(default_factory=dict)
    seed: int = SEED.default
    test_size: float = TEST_SIZE.default

    def checked(self) -> LessonPlan:
        """The same plan with its values checked and normalised (raises ``ConfigError`` saying what is wrong)."""
        question = " ".join(self.question.split())
        if len(question) > MAX_QUESTION:
            raise ConfigError(f"the question has at most {MAX_QUESTION} characters; this one has {len(question):,}")
        strategies = tuple(dict.fromkeys(get_strategy(s.strip()).key for s in self.strategies if s.strip()))
        if not strategies:
            raise ConfigError("a lesson needs at least one strategy for students to pick")
        unknown = [s for s in self.settable if s not in SETTABLE]
        if unknown:
            raise ConfigError(f"no setting group {shorten(unknown[0])!r}; the groups are: {', '.join(SETTABLE)}")
        network = NetworkConfig.from_values(dict(self.network))  # range checks
        given = {k: v for k, v in network.to_dict().items() if k in self.network}
        if "hidden_layers" in given:  # as the lab's widget and a link write it
            given["hidden_layers"] = ",".join(map(str, given["hidden_layers"]))
        if isinstance(self.data, UploadSpec) and not self.data.data:
            raise ConfigError("an uploaded table's lesson needs the table itself")
        if isinstance(self.data, UploadSpec) and len(self.data.data) > MAX_TABLE_BYTES:
            raise ConfigError(f"a lesson's table has at most {MAX_TABLE_BYTES // 2**20} MB; "
                              f"{shorten(self.data.filename)!r} has {len(self.data.data) / 2**20:,.0f} MB")
        return LessonPlan(self.data, question, strategies, tuple(dict.fromkeys(self.settable)), given,
                          SEED.check(self.seed), TEST_SIZE.check(self.test_size))


@dataclass(frozen=True)
class Lesson:
    """A stored lesson: its id (the student link's), its plan (an uploaded table's spec without its bytes:
    :meth:`~imbalance_core.lessons.store.Store.lesson_data` loads them), when it was made and closed."""

    id: str
    plan: LessonPlan
    created_at: datetime
    closed_at: datetime | None = None
    runs: int = 0

    @property
    def open(self) -> bool:
        return self.closed_at is None

    def allows(self, group: str) -> bool:
        return group in self.plan.settable


@dataclass(frozen=True)
class LessonRun:
    """One run a student made in a lesson, as the board shows it: who (a nickname, or "student N"), the setup
    (its lab link's query), the test-split metrics at the threshold it was shown at, and its operating point."""

    id: int
    lesson_id: str
    nickname: str | None
    created_at: datetime
    strategy: str
    setup: Mapping[str, Any]
    metrics: Mapping[str, float | None]
    threshold: float = THRESHOLD.default
    hidden: bool = False
    student: int = 0  # the order of the session's first run in the lesson: "student 3"

    @property
    def who(self) -> str:
        return self.nickname or f"student {self.student}"

    def metric(self, name: str) -> float:
        value = self.metrics.get(name)
        return math.nan if value is None else float(value)


def nickname(text: str | None) -> str | None:
    """A nickname as stored: one line, at most :data:`MAX_NICKNAME` characters, None when empty."""
    text = " ".join((text or "").split())
    if len(text) > MAX_NICKNAME:
        raise ConfigError(f"a nickname has at most {MAX_NICKNAME} characters; this one has {len(text):,}")
    return text or None
