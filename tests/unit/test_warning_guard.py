"""The suite-wide warning guard of tests/conftest.py, run on a small generated suite: it must fail the tests
that log an undeclared WARNING (in the call, a fixture's setup or its teardown) and pass the ones that declare
it with ``allow_warnings`` or log below WARNING."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT_CONFTEST = Path(__file__).resolve().parents[1] / "conftest.py"

ARGS = ("-p", "no:cacheprovider", "-o", "asyncio_default_fixture_loop_scope=function")

SAMPLE = """
import logging

import pytest

log = logging.getLogger("gld.sample")


@pytest.fixture
def warns_in_setup():
    logging.getLogger("gld.fixture").warning("set up badly")
    yield


@pytest.fixture
def warns_in_teardown():
    yield
    logging.getLogger("gld.fixture").error("torn down badly")


def test_fails_on_a_warning():
    log.warning("something odd")


def test_fails_on_an_error():
    log.error("something broke")


def test_fails_on_a_warning_in_fixture_setup(warns_in_setup):
    pass


def test_fails_on_an_error_in_fixture_teardown(warns_in_teardown):
    pass


def test_passes_on_info():
    log.info("all is well")


@pytest.mark.allow_warnings("gld.sample", "odd")
def test_passes_on_a_declared_warning():
    log.warning("something odd")


@pytest.mark.allow_warnings("gld", "")
def test_passes_on_a_declared_parent_logger():
    log.error("anything at all")


@pytest.mark.allow_warnings("gld.sample", "odd")
def test_fails_on_a_warning_with_other_text():
    log.warning("something else")


@pytest.mark.allow_warnings("gld.sam", "odd")
def test_fails_when_the_logger_only_shares_a_prefix():
    log.warning("something odd")


@pytest.mark.allow_warnings("gld.sample", "odd")
@pytest.mark.allow_warnings("gld.fixture", "badly")
def test_passes_with_stacked_markers(warns_in_teardown):
    log.warning("something odd")
"""


@pytest.mark.allow_warnings("gld", "")  # the inner run's records reach this test's log capture too
def test_the_guard_fails_exactly_the_tests_with_undeclared_warnings(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(ROOT_CONFTEST.read_text(encoding="utf-8"))
    pytester.makepyfile(test_sample=SAMPLE)
    reports = pytester.inline_run(*ARGS).getreports("pytest_runtest_logreport")
    failed = {r.nodeid.split("::")[-1] for r in reports if r.failed}
    ran = {r.nodeid.split("::")[-1] for r in reports}
    assert len(ran) == 10
    assert failed == {name for name in ran if name.startswith("test_fails")}
    message = next(
        str(r.longrepr) for r in reports if r.failed and r.nodeid.endswith("test_fails_on_a_warning")
    )
    assert "call: gld.sample: something odd" in message
    assert "allow_warnings" in message


def test_a_malformed_marker_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(ROOT_CONFTEST.read_text(encoding="utf-8"))
    pytester.makepyfile(
        test_bad="""
import pytest

@pytest.mark.allow_warnings("gld.sample", "odd", "extra")
def test_bad():
    pass
"""
    )
    result = pytester.runpytest(*ARGS)
    assert result.ret != 0
    result.stdout.fnmatch_lines(["*allow_warnings(logger, text), two strings*"])
