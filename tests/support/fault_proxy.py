"""The TCP fault proxy for the tests: see :mod:`desktop_app.bench.resilience_proxy` (it lives there because
the benchmark injects the same faults; the tests import it from here)."""

from desktop_app.bench.resilience_proxy import MAX_CHUNKS, FaultProxy, ProxyStats

__all__ = ["MAX_CHUNKS", "FaultProxy", "ProxyStats"]
