import os
import threading

import pytest

from desktop_app.bench.cpu_scenarios import ClientRun, _metrics, thread_cpu_by_name
from desktop_app.runtime.thread_names import name_os_thread


def test_threads_are_keyed_by_id_and_name_with_the_main_thread_called_main() -> None:
    started, release = threading.Event(), threading.Event()

    def run() -> None:
        name_os_thread("gld-bench-t")
        started.set()
        release.wait(10)

    t = threading.Thread(target=run)
    t.start()
    started.wait(10)
    try:
        threads = thread_cpu_by_name(os.getpid())
    finally:
        release.set()
        t.join()
    assert f"{os.getpid()} main" in threads
    assert f"{t.native_id} gld-bench-t" in threads
    assert all(v >= 0 for v in threads.values())


def test_metrics_sum_threads_of_one_name_take_medians_and_the_ratio() -> None:
    runs = {
        "ours_aec": [
            ClientRun("ours_aec", 6.0, 2.0, {"main": 4.0, "pa-speaker": 1.0, "idle": 0.01}),
            ClientRun("ours_aec", 4.0, 1.0, {"main": 2.0, "pa-speaker": 1.0}),
            ClientRun("ours_aec", 5.0, 3.0, {"main": 3.0, "pa-speaker": 2.0}),
        ],
        "reference": [ClientRun("reference", 2.0), ClientRun("reference", 2.5), ClientRun("reference", 1.0)],
    }
    got = {name: value for name, value, _ in _metrics(runs, 30.0)}
    assert got["cpu_ours_aec_s_per_min"] == 5.0
    assert got["cpu_ours_aec_emulator_s_per_min"] == 2.0
    assert got["cpu_ours_aec_thread_main"] == 3.0
    assert got["cpu_ours_aec_thread_pa-speaker"] == 1.0
    assert "cpu_ours_aec_thread_idle" not in got  # below the reporting floor
    assert got["cpu_ours_aec_over_reference"] == pytest.approx(2.5)
    assert got["cpu_rounds"] == 3
