"""Run every ``benchmarks/bench_*.py`` module and print one table of medians.

Usage: ``python -m benchmarks [--quick] [NAME ...]`` where NAME filters modules
(``okf``, ``tenancy``, ``loop``, ``serve``, ``cli``, ``embed`` ...).
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

import benchmarks
from benchmarks.harness import Result, machine


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("names", nargs="*", help="only modules whose name contains one of these")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer repeats")
    args = parser.parse_args(argv)
    modules = sorted(
        m.name for m in pkgutil.iter_modules(benchmarks.__path__) if m.name.startswith("bench_")
    )
    if args.names:
        modules = [m for m in modules if any(n in m for n in args.names)]
    print(f"machine: {machine()}")
    rows: list[Result] = []
    for name in modules:
        module = importlib.import_module(f"benchmarks.{name}")
        print(f"running {name} ...", flush=True)
        rows.extend(module.run(quick=args.quick))
    print()
    print(f"{'benchmark':<58} {'median':>10} {'goal':>8} {'runs':>5}  verdict  note")
    for r in rows:
        goal = f"{r.goal_s:.3f}s" if r.goal_s is not None else "-"
        print(
            f"{r.name:<58} {r.median_s:>9.4f}s {goal:>8} {r.runs:>5}  {r.verdict:<7}  {r.note}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
