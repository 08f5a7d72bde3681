"""The ``lesson`` command line: ``create``, ``runs``, ``close`` and ``purge``, on the same database as the app
(:func:`~imbalance_core.lessons.store.database_url`)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from urllib.parse import urlencode

from ..data.builtins import BUILTIN_DATASETS
from ..data.spec import BuiltinSpec, UploadSpec, content_digest
from ..errors import UserError
from ..params import Param
from ..text import shorten
from .board import runs_csv, runs_json
from .lesson import DEFAULT_STRATEGIES, MAX_TABLE_BYTES, PURGE_DAYS, SETTABLE, Lesson, LessonPlan
from .store import open_store

__all__ = ["add_lesson_commands", "lesson_links", "run_lesson_command"]


def lesson_links(lesson_id: str, key: str, base_url: str = "") -> dict[str, str]:
    """The student link (the lab in the lesson) and the teacher link (its board, with the key)."""
    base = base_url.rstrip("/") + "/" if base_url else "./"
    return {"student_link": f"{base}?{urlencode({'lesson': lesson_id})}",
            "teacher_link": f"{base}board?{urlencode({'lesson': lesson_id, 'key': key})}"}


def add_lesson_commands(commands, parser_class, *, table_arguments, setting_flags, network_params: list[Param]) -> None:
    lesson = commands.add_parser("lesson", help="a class lesson: create one, read its runs, close it, purge old ones")
    verbs = lesson.add_subparsers(dest="lesson_command", required=True, parser_class=parser_class)
    create = verbs.add_parser("create", help="make a lesson; prints its student and teacher links")
    source = create.add_mutually_exclusive_group(required=True)
    source.add_argument("--builtin", metavar="NAME", help="built-in data set (see: datasets)")
    source.add_argument("--data", metavar="PATH", help="a CSV or Parquet table, stored once for the lesson")
    table_arguments(create)
    create.add_argument("--strategies", default=",".join(DEFAULT_STRATEGIES),
                        help="the strategies students may pick, comma-separated")
    create.add_argument("--settable", default="strategy_settings",
                        help=f"what students may change, comma-separated, from: {', '.join(SETTABLE)} "
                             "(or 'none'); the rest is fixed and hidden")
    create.add_argument("--question", default="", help="the lesson's question, shown above the lab")
    setting_flags(create, network_params)
    create.add_argument("--base-url", default="", help="the app's address, to print absolute links")
    create.add_argument("--json", action="store_true", help="print one JSON object")
    runs = verbs.add_parser("runs", help="the runs stored in a lesson")
    runs.add_argument("id", help="the lesson's id")
    out = runs.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print a JSON list of runs")
    out.add_argument("--out", metavar="RUNS.csv", help="write one CSV line per run")
    close = verbs.add_parser("close", help="close a lesson: no more runs on its board")
    close.add_argument("id", help="the lesson's id")
    purge = verbs.add_parser("purge", help="remove lessons older than some days, with their runs")
    purge.add_argument("--older-than-days", type=float, default=PURGE_DAYS, metavar="DAYS",
                       help=f"default {PURGE_DAYS}")


def _plan(args: argparse.Namespace, pairs, typed, network_values) -> LessonPlan:
    if args.builtin:
        builtin = BUILTIN_DATASETS.get(args.builtin)
        if builtin is None:
            raise UserError(f"unknown built-in data set {shorten(args.builtin)!r}; choose one of: "
                            f"{', '.join(BUILTIN_DATASETS)}")
        if args.target or args.features or args.positive:
            raise UserError("--target, --positive and --features go with --data, not --builtin")
        data = BuiltinSpec.of(args.builtin, typed(builtin.params, pairs(args.dataset_param, "--dataset-param"),
                                                   f"data set {args.builtin!r}"))
    else:
        path = Path(args.data)
        if not path.is_file():
            raise UserError(f"no file {shorten(args.data)!r}")
        if path.stat().st_size > MAX_TABLE_BYTES:
            raise UserError(f"{shorten(path.name)!r} is {path.stat().st_size:,} bytes; a lesson's table has at most "
                            f"{MAX_TABLE_BYTES:,}")
        content = path.read_bytes()
        features = tuple(c.strip() for c in args.features.split(",")) if args.features else None
        data = UploadSpec(path.name, args.target, args.positive, features, content_digest(content), content)
        data.load()  # a table that cannot train is refused now, not in front of the class
    settable = () if args.settable.strip() == "none" else tuple(s.strip() for s in args.settable.split(",") if s.strip())
    return LessonPlan(data, args.question, tuple(args.strategies.split(",")), settable, network_values,
                      args.seed, args.test_size)


def run_lesson_command(args: argparse.Namespace, *, pairs, typed, network_values) -> int:
    store = open_store()
    verb = args.lesson_command
    if verb == "create":
        lesson, key = store.create_lesson(_plan(args, pairs, typed, network_values))
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
