"""Run the benchmark scenarios and print one result per metric."""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import sys
import time
from collections.abc import Callable

Metric = tuple[str, float, str]

SCENARIO_MODULES = (
    "desktop_app.bench.device_latency",
    "desktop_app.bench.live_scenarios",
    "desktop_app.bench.audio_scenarios",
    "desktop_app.bench.echo_scenarios",
    "desktop_app.bench.playback_scenarios",
    "desktop_app.bench.device_scenarios",
    "desktop_app.bench.duck_scenarios",
    "desktop_app.bench.video_scenarios",
    "desktop_app.bench.relay_scenarios",
    "desktop_app.bench.resilience_scenarios",
    "desktop_app.bench.resilience_faults",
    "desktop_app.bench.resilience_soak",
    "desktop_app.bench.window_scenarios",
    "desktop_app.bench.cpu_scenarios",
    "desktop_app.bench.tool_scenarios",
    "desktop_app.bench.tool_wire_scenarios",
)


def discover() -> list[tuple[str, Callable[[], list[Metric]]]]:
    """Every ``bench_*`` function of the scenario modules that exist, in module order."""
    found: list[tuple[str, Callable[[], list[Metric]]]] = []
    for module_name in SCENARIO_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue
            raise
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("bench_") and fn.__module__ == module_name:
                found.append((name.removeprefix("bench_"), fn))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m desktop_app.bench", description=__doc__)
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.add_argument("--only", action="append", default=[], help="run scenarios whose name contains this")
    parser.add_argument("--list", action="store_true", help="list scenarios and exit")
    args = parser.parse_args(argv)
    scenarios = discover()
    if args.list:
        for name, _ in scenarios:
            print(name)
        return 0
    if args.only:
        scenarios = [(n, f) for n, f in scenarios if any(o in n for o in args.only)]
    failed = 0
    for name, fn in scenarios:
        started = time.monotonic()
        try:
            metrics = fn()
        except Exception as exc:  # a broken scenario is reported, the others still run
            failed += 1
            print(f"# scenario {name} failed: {type(exc).__name__}: {exc}", file=sys.stderr)
            continue
        for metric, value, unit in metrics:
            if args.json:
                print(
                    json.dumps({"scenario": name, "metric": metric, "value": round(value, 4), "unit": unit})
                )
            else:
                print(f"{metric:<44} {value:>12.3f} {unit}")
        print(f"# {name}: {time.monotonic() - started:.1f} s", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
