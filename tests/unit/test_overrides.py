"""``--set`` / ``--set-str`` / ``--unset`` paths and values, on their own."""

from __future__ import annotations

from typing import Any

import pytest

from hookdev.catalog import OverrideError, apply_overrides, parse_override
from hookdev.catalog.overrides import parse_override_list, parse_path


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("data.customer.id", ("data", "customer", "id")),
        ("data.items[0].qty", ("data", "items", 0, "qty")),
        ("$.data['a.b'][2]", ("data", "a.b", 2)),
        ('data["x y"].z', ("data", "x y", "z")),
        ("[0]", (0,)),
        ("type", ("type",)),
    ],
)
def test_paths(text: str, path: tuple[Any, ...]) -> None:
    assert parse_path(text) == (path, "")


@pytest.mark.parametrize("text", ["", "data.", "data..x", "data[x]", "data[0", "$x", "a b]"])
def test_bad_paths_say_so(text: str) -> None:
    with pytest.raises(OverrideError, match="cannot read the path"):
        parse_path(text)


def test_values_are_json_when_they_parse() -> None:
    assert parse_override("a=3", op="set").value == 3
    assert parse_override("a=null", op="set").value is None
    assert parse_override("a=true", op="set").value is True
    assert parse_override('a={"b": [1]}', op="set").value == {"b": [1]}
    assert parse_override("a=cus_123", op="set").value == "cus_123"
    assert parse_override("a=NaN", op="set").value == "NaN"  # not JSON: a string
    assert parse_override("a=", op="set").value == ""
    assert parse_override("a=x=y", op="set").value == "x=y"
    assert parse_override("a=3", op="set-str").value == "3"
    with pytest.raises(OverrideError, match="--unset takes a path"):
        parse_override("a=3", op="unset")


def test_apply_in_order_on_a_copy() -> None:
    base = {"data": {"items": [{"qty": 1}], "note": "x"}}
    out = apply_overrides(
        base,
        [
            parse_override("data.items[0].qty=3", op="set"),
            parse_override("data.items[1]={}", op="set"),
            parse_override("data.items[1].sku=A1", op="set"),
            parse_override("data.new.deep=1", op="set"),
            parse_override("data.note", op="unset"),
            parse_override("data.items[0]", op="unset"),
        ],
    )
    assert out == {"data": {"items": [{"sku": "A1"}], "new": {"deep": 1}}}
    assert base == {"data": {"items": [{"qty": 1}], "note": "x"}}


@pytest.mark.parametrize(
    ("text", "op", "message"),
    [
        ("data.items[5]=1", "set", "cannot set $.data.items[5]: the array has 1 item(s) (use [1] to append)"),
        ("data.note.x=1", "set", "cannot set $.data.note.x: $.data.note is a string, not an object"),
        ("data[0]=1", "set", "cannot set $.data[0]: $.data is an object, not an array"),
        ("data.gone", "unset", "nothing to unset at $.data.gone"),
        ("data.gone.x", "unset", "nothing to unset at $.data.gone.x: $.data.gone does not exist"),
    ],
)
def test_errors_name_the_path(text: str, op: Any, message: str) -> None:
    with pytest.raises(OverrideError) as info:
        apply_overrides({"data": {"items": [1], "note": "x"}}, [parse_override(text, op=op)])
    assert str(info.value) == message


def test_the_tui_list_form() -> None:
    found = parse_override_list("data.id=cus_1; data.n=3\n-data.tmp;  data.s=a;b")
    assert [(o.op, o.path, o.value) for o in found] == [
        ("set", ("data", "id"), "cus_1"),
        ("set", ("data", "n"), 3),
        ("unset", ("data", "tmp"), None),
        ("set", ("data", "s"), "a;b"),  # a ';' without a space after it belongs to the value
    ]
    assert parse_override_list("  ") == []
