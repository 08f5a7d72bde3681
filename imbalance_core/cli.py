"""Command line: ``python -m imbalance_core train|strategies|datasets``.

Every failure ends with exit status 2 and one line ``error: ...`` on stderr, never a traceback
(``IMBALANCE_LAB_DEBUG=1`` shows the traceback of an unexpected one).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any, Sequence

from .datasets import BUILTIN_DATASETS, dataset_from_table, load_builtin, read_table
from .errors import UserError
from .export import csv_text
from .models import NetworkConfig
from .strategies import STRATEGIES, combinations, get_strategy
from .text import shorten

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


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m imbalance_core", description="Imbalance Lab, headless.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    train = commands.add_parser("train", help="train one strategy and report test-split metrics")
    source = train.add_mutually_exclusive_group(required=True)
    source.add_argument("--data", metavar="PATH", help="CSV file (comma/semicolon/tab; may be gzipped)")
    source.add_argument("--builtin", metavar="NAME", help="built-in data set (see: datasets)")
    train.add_argument("--dataset-param", action="append", default=[], metavar="NAME=VALUE",
                       help="parameter of a built-in data set, e.g. imbalance_ratio=20")
    train.add_argument("--target", help="class column (default: the last column)")
    train.add_argument("--positive", metavar="LABEL", help="positive class (default: the rarest)")
    train.add_argument("--features", help="comma-separated feature columns (default: all others)")
    train.add_argument("--strategy", required=True, help="strategy key (see: strategies), or a sampler and a loss joined by + (e.g. smote+focal_loss)")
    train.add_argument("--param", action="append", default=[], metavar="NAME=VALUE", help="strategy parameter")
    train.add_argument("--epochs", type=int, default=NetworkConfig.epochs)
    train.add_argument("--batch-size", type=int, default=NetworkConfig.batch_size)
    train.add_argument("--learning-rate", type=float, default=NetworkConfig.learning_rate)
    train.add_argument("--hidden", default=",".join(map(str, NetworkConfig.hidden_layers)),
                       help="units per hidden layer, e.g. 32,16")
    train.add_argument("--activation", default=NetworkConfig.activation)
    train.add_argument("--prior-bias", action="store_true",
                       help="start the output bias at the class priors of the training rows")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--test-size", type=float, default=0.25)
    train.add_argument("--json", action="store_true", help="print one JSON object")
    train.add_argument("--predictions", metavar="OUT.csv", help="write one line per test row")
    commands.add_parser("strategies", help="list the strategies and their parameters")
    commands.add_parser("datasets", help="list the built-in data sets")
    return parser


def _describe_params(params) -> list[dict[str, Any]]:
    return [
        {"name": p.name, "type": p.kind, "default": p.default if p.default_from is None else "from data",
         "low": p.low, "high": p.high, "help": p.help}
        for p in params
    ]


def _train(args: argparse.Namespace) -> int:
    from .experiment import ExperimentConfig, run_experiment

    if args.builtin:
        spec = BUILTIN_DATASETS.get(args.builtin)
        if spec is None:
            raise UserError(f"unknown built-in data set {shorten(args.builtin)!r}; "
                            f"choose one of: {', '.join(BUILTIN_DATASETS)}")
        dataset = load_builtin(args.builtin, **_typed(spec.params, _pairs(args.dataset_param, "--dataset-param"), f"data set {args.builtin!r}"))
    else:
        frame = read_table(args.data)
        features = [c.strip() for c in args.features.split(",")] if args.features else None
        if args.features and len(args.features) > 100_000:
            raise UserError("--features is too long; name at most a few hundred columns")
        dataset = dataset_from_table(
            frame, target=args.target, positive_class=args.positive, features=features,
            name=os.path.basename(args.data),
        )
    if args.builtin and (args.target or args.features):
        raise UserError("--target and --features go with --data, not --builtin")
    if args.builtin and args.positive:
        raise UserError("--positive goes with --data; a built-in data set has its positive class set")
    strategy = get_strategy(args.strategy)
    params = _typed(strategy.params, _pairs(args.param, "--param"), f"strategy {strategy.key!r}")
    network = NetworkConfig.from_values({
        "hidden_layers": args.hidden, "activation": args.activation, "learning_rate": args.learning_rate,
        "epochs": args.epochs, "batch_size": args.batch_size, "prior_bias": args.prior_bias,
    })
    config = ExperimentConfig(strategy=strategy.key, params=params, network=network, seed=args.seed, test_size=args.test_size)
    result = run_experiment(dataset, config)
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
        return _train(args)
    except UserError as exc:
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - a CLI answers every input with one line, never a traceback
        if os.environ.get("IMBALANCE_LAB_DEBUG"):
            raise
        print(f"error: unexpected failure ({type(exc).__name__}: {_one_line(exc)}); "
              "set IMBALANCE_LAB_DEBUG=1 to see the traceback", file=sys.stderr)
        return 2


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:2000]
