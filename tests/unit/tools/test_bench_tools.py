"""The tool benchmark scenarios run and report what their names say."""

from __future__ import annotations

from desktop_app.bench.__main__ import discover
from desktop_app.bench.tool_scenarios import bench_tool_round_trip


def test_the_round_trip_scenario_reports_p50_and_p99() -> None:
    metrics = bench_tool_round_trip()
    assert [(name, unit) for name, _value, unit in metrics] == [
        ("tool call received → response to send p50", "ms"),
        ("tool call received → response to send p99", "ms"),
    ]
    p50, p99 = (value for _name, value, _unit in metrics)
    assert 0 < p50 <= p99


def test_the_tool_scenarios_are_discovered() -> None:
    names = [name for name, _fn in discover()]
    assert "tool_round_trip" in names and "mcp_stdio_call_cost" in names


def test_the_wire_round_trip_times_every_call_through_the_real_sdk() -> None:
    import asyncio

    from desktop_app.bench.tool_wire_scenarios import _to_wire

    samples = asyncio.run(_to_wire(3))
    assert len(samples) == 3 and all(s > 0 for s in samples)
    assert "tool_round_trip_to_wire" in [name for name, _fn in discover()]
