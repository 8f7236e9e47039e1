"""Registry (names, schemas, groups), policies (saved entries, flags), the call book and the converter."""

from __future__ import annotations

import pytest
from google.genai import types

from desktop_app.core.commands import FunctionResult, ResponseScheduling
from desktop_app.core.errors import ConfigError
from desktop_app.live.tool_declarations import build_tools, function_response
from desktop_app.tools.calls import CallBook, ErrorCode, Opened, error_response, short_text
from desktop_app.tools.policy import PolicyBook, merge_policy_entries, parse_policy_entries
from desktop_app.tools.registry import ToolRegistry
from desktop_app.tools.spec import Policy, valid_function_name
from tests.unit.tools.helpers import ECHO_SCHEMA, spec


def test_function_names_follow_the_api_rule() -> None:
    assert valid_function_name("get_time") and valid_function_name("files.read_file")
    assert not valid_function_name("1abc") and not valid_function_name("has space")
    assert not valid_function_name("x" * 65)
    with pytest.raises(ValueError):
        spec("bad name")


def test_registry_refuses_duplicates_and_bad_schemas_and_reports_changes() -> None:
    seen: list[tuple[str, ...]] = []
    reg = ToolRegistry(on_change=seen.append)
    reg.add(spec("a"))
    with pytest.raises(ValueError, match="already"):
        reg.add(spec("a"))
    with pytest.raises(ValueError, match="object"):
        reg.add(spec("b", parameters={"type": "string"}))
    with pytest.raises(ValueError, match="schema"):
        reg.add(spec("c", parameters={"type": "object", "properties": {"x": {"type": "nonsense"}}}))
    assert reg.names() == ("a",) and seen == [("a",)]


def test_a_group_is_replaced_whole() -> None:
    reg = ToolRegistry()
    reg.add(spec("builtin_one"))
    reg.replace_group("srv", [spec("srv.x", source="srv"), spec("srv.y", source="srv")])
    reg.replace_group("srv", [spec("srv.z", source="srv")])
    assert reg.names() == ("builtin_one", "srv.z")
    reg.replace_group("srv", [])
    assert reg.names() == ("builtin_one",)
    with pytest.raises(ValueError):
        reg.replace_group("srv", [spec("other")])


def test_argument_errors_name_the_field() -> None:
    reg = ToolRegistry()
    reg.add(spec("echo"))
    assert reg.argument_errors("echo", {"text": "ok"}) is None
    assert "text" in (reg.argument_errors("echo", {}) or "")
    assert (reg.argument_errors("echo", {"text": 5}) or "").startswith("text:")
    assert reg.argument_errors("echo", ["not", "an", "object"]) == "the arguments must be an object"


def test_policy_entries_parse_merge_and_persist() -> None:
    assert parse_policy_entries(["a=allow", " b = DENY ", "a=ask"]) == {"a": Policy.ASK, "b": Policy.DENY}
    for bad in ("a", "=allow", "a=maybe"):
        with pytest.raises(ConfigError):
            parse_policy_entries([bad])
    merged = merge_policy_entries(["a=deny", "c=ask"], allow=["a", "b"], deny=["b"])
    assert merged == ("a=allow", "b=deny", "c=ask")
    saved: list[tuple[str, ...]] = []
    book = PolicyBook.from_entries(["x=deny"], on_change=saved.append)
    assert book.policy_for(spec("x")) is Policy.DENY and book.policy_for(spec("y")) is Policy.ALLOW
    book.set("y", Policy.ASK)
    book.set("y", Policy.ASK)  # unchanged: not saved again
    assert saved == [("x=deny", "y=ask")]


def test_the_call_book_answers_once_and_never_after_a_cancel() -> None:
    book = CallBook(max_open=1)
    opened, one = book.open("1", "t")
    assert opened is Opened.NEW and book.open("1", "t") == (Opened.DUPLICATE, 0)
    opened, two = book.open("2", "t")
    assert opened is Opened.FULL
    busy = book.answer("2", two, error_response(ErrorCode.BUSY, "busy"))
    assert busy is not None and busy.response["error"]["code"] == "busy"
    first = book.answer("1", one, {"output": 1}, ResponseScheduling.SILENT)
    assert first == FunctionResult("1", "t", {"output": 1}, ResponseScheduling.SILENT)
    assert book.answer("1", one, {"output": 2}) is None
    opened, three = book.open("3", "t")
    assert opened is Opened.NEW and book.cancel("3")
    assert book.answer("3", three, {}) is None and not book.cancel("3") and book.open_ids == ()
    _, old = book.open("4", "t")
    book.cancel("4")
    _, new = book.open("4", "t")  # the id reused by a newer call: the old ticket cannot answer it
    assert book.answer("4", old, {}) is None and book.answer("4", new, {}) is not None
    with pytest.raises(ValueError):
        CallBook(0)


def test_short_text_is_one_bounded_line() -> None:
    assert short_text({"a": "x\ny"}) == '{"a": "x\\ny"}'
    assert short_text("a  b\n c") == "a b c"
    assert len(short_text("y" * 500)) == 120 and short_text("y" * 500).endswith("…")


@pytest.mark.parametrize(("blocking", "behavior"), [(True, "BLOCKING"), (False, "NON_BLOCKING")])
def test_declarations_become_sdk_tools_with_the_models_behaviour(blocking: bool, behavior: str) -> None:
    [tool] = build_tools([spec("echo").declaration()], blocking=blocking)
    [fn] = tool.function_declarations or []
    assert (fn.name, fn.description, fn.parameters_json_schema) == ("echo", "the echo tool", ECHO_SCHEMA)
    assert fn.behavior == types.Behavior(behavior)
    assert build_tools([], blocking=blocking) == []
    with_search = build_tools([], blocking=blocking, google_search=True)
    assert with_search[0].google_search is not None


def test_results_become_sdk_function_responses() -> None:
    plain = function_response(FunctionResult("1", "t", {"output": "x"}))
    assert (plain.id, plain.name, plain.response, plain.scheduling, plain.will_continue) == (
        "1", "t", {"output": "x"}, None, None,
    )  # fmt: skip
    scheduled = function_response(FunctionResult("1", "t", {}, ResponseScheduling.INTERRUPT, False))
    assert scheduled.scheduling == types.FunctionResponseScheduling.INTERRUPT
    assert scheduled.will_continue is False
