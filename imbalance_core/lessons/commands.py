"""What the ``lesson`` commands do (``create``, ``runs``, ``close``, ``purge``; their flags are in
:mod:`imbalance_core.cli`), on the same database as the app (:func:`~imbalance_core.lessons.store.database_url`),
and the two links a lesson hands out."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from urllib.parse import urlencode

from ..text import shorten
from .board import runs_csv, runs_json
from .lesson import Lesson, LessonPlan
from .store import open_store

__all__ = ["lesson_links", "run_lesson_command"]


def lesson_links(lesson_id: str, key: str, base_url: str = "") -> dict[str, str]:
    """The student link (the lab in the lesson) and the teacher link (its board, with the key)."""
    base = base_url.rstrip("/") + "/" if base_url else "./"
    return {"student_link": f"{base}?{urlencode({'lesson': lesson_id})}",
            "teacher_link": f"{base}board?{urlencode({'lesson': lesson_id, 'key': key})}"}


def run_lesson_command(args: argparse.Namespace, plan: LessonPlan | None = None) -> int:
    """``lesson create`` (with the checked ``plan`` the command line asked for), ``runs``, ``close`` or ``purge``."""
    store = open_store()
    verb = args.lesson_command
    if verb == "create":
        lesson, key = store.create_lesson(plan)
        out = {"id": lesson.id, **lesson_links(lesson.id, key, args.base_url), "question": lesson.plan.question,
               "strategies": list(lesson.plan.strategies), "settable": list(lesson.plan.settable)}
        if args.json:
            print(json.dumps(out, indent=2))
        else:
            print(f"lesson {lesson.id}\nstudent link: {out['student_link']}\nteacher link (keep it to yourself): "
                  f"{out['teacher_link']}")
        return 0
    if verb == "runs":
        lesson: Lesson = store.lesson(args.id)
        runs = store.runs(lesson.id, include_hidden=True)
        if args.out:
            Path(args.out).write_text(runs_csv(runs))
            print(f"{len(runs)} runs written to {args.out}", file=sys.stderr)
        elif args.json:
            print(json.dumps(runs_json(runs), indent=2))
        else:
            sys.stdout.write(runs_csv(runs))
        return 0
    if verb == "close":
        store.close(args.id, admin=True)
        print(f"lesson {shorten(args.id)} closed", file=sys.stderr)
        return 0
    gone = store.purge(args.older_than_days)
    print(f"{gone} lesson{'s' if gone != 1 else ''} older than {args.older_than_days:g} days removed", file=sys.stderr)
    return 0
