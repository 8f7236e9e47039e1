import threading
from pathlib import Path

from desktop_app.runtime.thread_names import name_os_thread


def _comm(tid: int) -> str:
    return Path(f"/proc/self/task/{tid}/comm").read_text().strip()


def test_a_thread_names_itself_for_the_operating_system() -> None:
    seen: list[tuple[bool, str]] = []

    def run() -> None:
        took = name_os_thread("gld-test-thread-long-name")
        seen.append((took, _comm(threading.get_native_id())))

    t = threading.Thread(target=run)
    t.start()
    t.join()
    assert seen == [(True, "gld-test-thread")]  # cut to the kernel's 15 bytes


def test_it_names_only_the_calling_thread() -> None:
    main_before = _comm(threading.get_native_id())
    t = threading.Thread(target=name_os_thread, args=("gld-other",))
    t.start()
    t.join()
    assert _comm(threading.get_native_id()) == main_before
