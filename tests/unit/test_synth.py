"""Examples from schemas: every synthesised example validates, is the same each time, and reads well.

A property over the bundled catalog plus a corpus of schemas written to reproduce what real API
descriptions contain (formats, patterns, enums, combinators, $ref chains, OpenAPI 3.0 nullable).
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from hookdev.catalog import SynthesisError, load_catalog, synthesize
from hookdev.catalog.resolve import Resolver
from hookdev.catalog.schema import format_checker
from hookdev.catalog.synth import regex_instance

ORG_ID = {"type": "string", "pattern": "^org_[A-Za-z0-9]{27}$"}

CORPUS: dict[str, dict[str, Any]] = {
    "formats": {
        "type": "object",
        "required": ["at", "day", "site", "email", "id", "host", "ip", "ref"],
        "properties": {
            "at": {"type": "string", "format": "date-time"},
            "day": {"type": "string", "format": "date"},
            "site": {"type": "string", "format": "uri"},
            "email": {"type": "string", "format": "email"},
            "id": {"type": "string", "format": "uuid"},
            "host": {"type": "string", "format": "hostname"},
            "ip": {"type": "string", "format": "ipv4"},
            "ref": {"type": "string", "format": "uri-reference"},
        },
    },
    "pattern id": {"type": "object", "required": ["id"], "properties": {"id": ORG_ID}},
    "patterns": {
        "type": "object",
        "required": ["a", "b", "c", "d", "e"],
        "properties": {
            "a": {"type": "string", "pattern": r"^\d{3}-\d{4}$"},
            "b": {"type": "string", "pattern": r"^(cus|sub)_[a-f0-9]{8,12}$"},
            "c": {"type": "string", "pattern": r"^[^@\s]+@[^@\s]+$"},
            "d": {"type": "string", "pattern": "^[A-Z]{2}$", "minLength": 2, "maxLength": 2},
            "e": {"type": "string", "pattern": "x+", "minLength": 5},
        },
    },
    "lengths and numbers": {
        "type": "object",
        "required": ["s", "i", "n", "m", "x"],
        "properties": {
            "s": {"type": "string", "minLength": 40, "maxLength": 50},
            "i": {"type": "integer", "minimum": 10, "maximum": 12},
            "n": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
            "m": {"type": "integer", "multipleOf": 7, "minimum": 20},
            "x": {"type": "integer", "maximum": -5},
        },
    },
    "enums and consts": {
        "type": "object",
        "required": ["kind", "v", "maybe"],
        "properties": {
            "kind": {"enum": ["a", "b"]},
            "v": {"const": 2},
            "maybe": {"enum": [None, "x"]},
        },
    },
    "oneOf": {
        "type": "object",
        "required": ["pay"],
        "properties": {
            "pay": {
                "oneOf": [
                    {"type": "object", "required": ["card"], "properties": {"card": {"type": "string"}}},
                    {"type": "object", "required": ["iban"], "properties": {"iban": {"type": "string"}}},
                ]
            }
        },
    },
    "oneOf that must exclude the first": {
        "oneOf": [{"type": "integer"}, {"type": "integer", "minimum": 0}, {"type": "string"}],
    },
    "anyOf with null first": {"type": "object", "properties": {"x": {"anyOf": [{"type": "null"}, ORG_ID]}}},
    "allOf": {
        "allOf": [
            {"type": "object", "required": ["a"], "properties": {"a": {"type": "integer", "minimum": 3}}},
            {"required": ["b"], "properties": {"b": {"type": "string", "format": "email"}}},
            {"properties": {"a": {"maximum": 4}}},
        ]
    },
    "$ref chain": {
        "$defs": {
            "A": {"$ref": "#/$defs/B"},
            "B": {"$ref": "#/$defs/C"},
            "C": {"type": "object", "required": ["id"], "properties": {"id": ORG_ID}},
        },
        "type": "object",
        "required": ["a"],
        "properties": {"a": {"$ref": "#/$defs/A"}},
    },
    "recursive tree": {
        "$defs": {
            "Node": {
                "type": "object",
                "required": ["name", "children"],
                "properties": {
                    "name": {"type": "string"},
                    "children": {"type": "array", "items": {"$ref": "#/$defs/Node"}},
                },
            }
        },
        "$ref": "#/$defs/Node",
    },
    "arrays": {
        "type": "object",
        "required": ["tags", "pair", "ids"],
        "properties": {
            "tags": {"type": "array", "items": {"type": "string"}, "minItems": 3, "uniqueItems": True},
            "pair": {
                "type": "array",
                "prefixItems": [{"type": "integer"}, {"type": "string"}],
                "minItems": 2,
            },
            "ids": {"type": "array", "items": ORG_ID, "minItems": 2, "uniqueItems": True},
        },
    },
    "closed object with min properties": {
        "type": "object",
        "additionalProperties": {"type": "integer"},
        "minProperties": 2,
    },
    "dependent required": {
        "type": "object",
        "properties": {"card": {"type": "string"}, "cvc": {"type": "string", "pattern": "^[0-9]{3}$"}},
        "dependentRequired": {"card": ["cvc"]},
    },
    "type list": {"type": ["null", "string"], "format": "date-time"},
    "not": {
        "type": "object",
        "required": ["n"],
        "properties": {"n": {"type": "integer", "not": {"const": 1}}},
    },
    "if then": {
        "type": "object",
        "required": ["kind"],
        "properties": {"kind": {"enum": ["a", "b"]}, "x": {"type": "string"}},
        "if": {"properties": {"kind": {"const": "a"}}},
        "then": {"required": ["x"]},
    },
}

OPENAPI_30_NULLABLE = {  # what Resolver turns into JSON Schema
    "components": {
        "schemas": {
            "Customer": {
                "type": "object",
                "required": ["id", "email", "note", "tier", "parent"],
                "properties": {
                    "id": {"type": "string", "pattern": "^cus_[A-Za-z0-9]{14}$"},
                    "email": {"type": "string", "format": "email", "nullable": True},
                    "note": {"type": "string", "nullable": True},
                    "tier": {"type": "string", "enum": ["free", "pro"], "nullable": True},
                    "parent": {"allOf": [{"$ref": "#/components/schemas/Ref"}], "nullable": True},
                },
            },
            "Ref": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}},
        }
    }
}


def check(schema: dict[str, Any], value: Any) -> list[str]:
    v = Draft202012Validator(schema, format_checker=format_checker())
    return [f"{list(e.absolute_path)}: {e.message}" for e in v.iter_errors(value)]


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_corpus_examples_validate_and_are_deterministic(name: str) -> None:
    schema = CORPUS[name]
    value = synthesize(schema)
    assert check(schema, value) == []
    assert synthesize(schema) == value  # the same every time


def test_bundled_catalog_schemas_synthesise() -> None:
    for et in load_catalog():
        made = synthesize(et.schema)
        assert check(et.schema, made) == [], et.name
        assert made["type"] == et.name


def test_readable_values() -> None:
    made = synthesize(CORPUS["formats"])
    assert made["at"] == "2025-01-01T12:00:00Z"
    assert made["email"] == "user@example.com"
    assert made["site"].startswith("https://example.com/")
    assert re.fullmatch(r"[0-9a-f-]{36}", made["id"])
    org = synthesize(CORPUS["pattern id"])["id"]
    assert re.fullmatch(r"org_[A-Za-z0-9]{27}", org)
    assert org == "org_abcdefghijklmnopqrstuvwxyz0"  # letters in order: plainly made up
    assert synthesize(CORPUS["enums and consts"]) == {"kind": "a", "v": 2, "maybe": "x"}  # not null
    assert synthesize(CORPUS["anyOf with null first"])["x"].startswith("org_")


def test_openapi_30_nullable_is_json_schema() -> None:
    schema = Resolver(OPENAPI_30_NULLABLE).schema({"$ref": "#/components/schemas/Customer"})
    props = schema["properties"]
    assert props["email"]["type"] == ["string", "null"]
    assert props["tier"]["enum"] == ["free", "pro", None]
    assert "nullable" not in json.dumps(schema)
    made = synthesize(schema)
    assert check(schema, made) == []
    assert re.fullmatch(r"cus_[A-Za-z0-9]{14}", made["id"])
    for key in ("email", "note", "tier", "parent"):
        nulled = {**made, key: None}
        assert check(schema, nulled) == [], key  # null is allowed where nullable said so
    assert check(schema, {**made, "id": None}) != []  # and nowhere else


def test_unsatisfiable_schema_says_why() -> None:
    schema = {"type": "object", "required": ["a"], "properties": {"a": {"type": "string", "enum": [1]}}}
    with pytest.raises(SynthesisError, match="cannot make a valid example"):
        synthesize({**schema, "properties": {"a": {"allOf": [{"type": "string"}, {"type": "integer"}]}}})


def test_regex_instances() -> None:
    for pattern in [r"^\d{3}-\d{4}$", "^(a|bc)+$", r"^[^,]{2,}$", r"^\w+@\w+\.com$", "(ab)\\1"]:
        text = regex_instance(pattern, None)
        assert text is not None and re.search(pattern, text), pattern
    assert regex_instance("(", None) is None


# Seeds are swept, not drawn by hypothesis: synthesize's last resort is a hypothesis search, which nested in
# an @given fails the nested-given health check (a SynthesisError no user sees) and records its finds as
# failures; the same seeds every run also keep CI reproducible.
@pytest.mark.parametrize("name", sorted(CORPUS))
def test_varied_examples_validate_and_follow_the_seed(name: str) -> None:
    schema = CORPUS[name]
    for seed in (*range(30), 136, 2**31 - 1, 2**32, 2**63 - 1):
        value = synthesize(schema, seed=seed)
        assert check(schema, value) == [], (seed, value)
        assert synthesize(schema, seed=seed) == value, seed


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
        {"type": "number", "minimum": 0.0001, "maximum": 0.0009},  # rounding to cents leaves the range
    ],
)
def test_varied_numbers_stay_inside_their_bounds(schema: dict[str, Any]) -> None:
    # These seeds once drew 0.0 or 1.0 (a rounded draw on an exclusive bound): the example then came from
    # the fallback search, the same for every seed, and nested in a property test it failed (CI flake).
    made = [synthesize(schema, seed=s) for s in (2, 86, 136, 196, 208, 237)]
    assert all(check(schema, v) == [] for v in made), made
    assert len(set(made)) >= 4  # drawn from each seed, not the fallback's one value for all


def test_varied_examples_differ() -> None:
    schema = load_catalog().get("code.scanned").schema
    made = [synthesize(schema, seed=s) for s in range(5)]
    assert len({json.dumps(m, sort_keys=True) for m in made}) == 5
    assert len({m["data"]["scan_id"] for m in made}) == 5  # fresh ids
    assert len({m["timestamp"] for m in made}) == 5  # fresh timestamps


# -- random schemas: whatever the walk makes validates, or it says it cannot ----------------------

_leaf_schema = st.one_of(
    st.just({"type": "string"}),
    st.just({"type": "integer", "minimum": 3, "maximum": 9}),
    st.just({"type": "number", "exclusiveMinimum": 0}),
    st.just({"type": "boolean"}),
    st.just({"type": "null"}),
    st.sampled_from(["date-time", "date", "email", "uri", "uuid", "ipv4", "hostname"]).map(
        lambda f: {"type": "string", "format": f}
    ),
    st.sampled_from([r"^[a-z]{3}_[0-9]{4}$", r"^(ab|cd)+$", r"^\d{2,5}$", "^org_[A-Za-z0-9]{27}$"]).map(
        lambda p: {"type": "string", "pattern": p}
    ),
    st.lists(
        st.one_of(st.text(max_size=5), st.integers(), st.none()), min_size=1, max_size=4, unique=True
    ).map(lambda e: {"enum": e}),
    st.just({"$ref": "#/$defs/Shared"}),
    st.just({"type": ["string", "null"], "minLength": 4}),
)


def _compound(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    props = st.dictionaries(st.sampled_from(["id", "name", "items", "at", "kind", "n"]), inner, max_size=4)
    return st.one_of(
        props.flatmap(
            lambda p: st.fixed_dictionaries(
                {"type": st.just("object"), "properties": st.just(p)},
                optional={
                    "required": st.just(sorted(p)),
                    "additionalProperties": st.just(False),
                    "minProperties": st.integers(0, 2),
                },
            )
        ),
        st.fixed_dictionaries(
            {"type": st.just("array"), "items": inner},
            optional={"minItems": st.integers(0, 3), "uniqueItems": st.booleans()},
        ),
        st.lists(inner, min_size=1, max_size=3).map(lambda b: {"oneOf": b}),
        st.lists(inner, min_size=1, max_size=3).map(lambda b: {"anyOf": b}),
        st.lists(inner, min_size=1, max_size=2).map(lambda b: {"allOf": b}),
    )


_random_schema = st.recursive(_leaf_schema, _compound, max_leaves=8).map(
    lambda s: {
        **(s if isinstance(s, dict) else {}),
        "$defs": {"Shared": {"type": "object", "required": ["id"], "properties": {"id": ORG_ID}}},
    }
)


@settings(max_examples=120, deadline=None)
@given(schema=_random_schema, seed=st.none() | st.integers(0, 2**32))
def test_random_schemas_give_valid_examples_or_say_why(schema: dict[str, Any], seed: int | None) -> None:
    try:
        value = synthesize(schema, seed=seed)
    except SynthesisError as e:
        assert str(e).startswith("cannot make a valid example")
        return
    assert check(schema, value) == []
    assert synthesize(schema, seed=seed) == value  # deterministic, seeded or not
