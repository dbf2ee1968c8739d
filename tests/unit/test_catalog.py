"""The event catalog: the bundled sample, user directories, OpenAPI 3.1 webhooks, and every error kind."""

from __future__ import annotations

import copy
import json
import string
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from hookdev.catalog import (
    SAMPLE_SOURCE,
    Catalog,
    CatalogError,
    CatalogIssue,
    EventType,
    json_path,
    load_catalog,
    parse_data,
    payload_bytes,
    validate_catalog,
    validate_payload,
)

SCAN_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "data"],
    "additionalProperties": False,
    "properties": {
        "type": {"const": "code.scanned"},
        "timestamp": {"type": "string", "format": "date-time"},
        "data": {
            "type": "object",
            "required": ["scan_count"],
            "properties": {
                "scan_count": {"type": "integer", "minimum": 1},
                "tags": {"type": "array", "items": {"type": "string"}},
                "fields": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        },
    },
}
SCAN_EXAMPLE: dict[str, Any] = {
    "type": "code.scanned",
    "timestamp": "2025-04-02T19:42:17Z",
    "data": {"scan_count": 3, "tags": ["menu"]},
}


def event_doc(name: str = "code.scanned", **over: Any) -> dict[str, Any]:
    doc = {"name": name, "description": f"{name} happened", "schema": SCAN_SCHEMA, "example": SCAN_EXAMPLE}
    if name != "code.scanned":
        doc["schema"] = {"type": "object"}
        doc["example"] = {"type": name}
    doc.update(over)
    return doc


def write(path: Path, content: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    elif path.suffix == ".json":
        path.write_text(json.dumps(content, indent=2), encoding="utf-8")
    else:
        path.write_text(yaml.safe_dump(content, sort_keys=False), encoding="utf-8")
    return path


def issues_of(path: Path | str) -> list[CatalogIssue]:
    """Every problem, as strict loading raises them and ``catalog validate`` lists them."""
    with pytest.raises(CatalogError) as info:
        load_catalog(path, strict=True)
    assert info.value.issues == validate_catalog(path)
    return info.value.issues


# -- the bundled sample ----------------------------------------------------------------------------


class TestSample:
    def test_has_at_least_eight_types_with_descriptions(self) -> None:
        cat = load_catalog()
        assert cat.source == SAMPLE_SOURCE
        assert len(cat) >= 8
        assert {"code.created", "code.scanned", "code.updated", "code.deleted", "page.published"} <= set(
            cat.names()
        )
        assert {"contact.captured", "folder.shared", "workspace.member_added"} <= set(cat.names())
        assert cat.names() == sorted(cat.names())
        for et in cat:
            assert et.description and et.summary() == et.description.splitlines()[0]
            assert Path(et.source).name == f"{et.name}.json"

    def test_every_example_validates_and_is_shaped_like_a_message(self) -> None:
        for et in load_catalog():
            Draft202012Validator.check_schema(et.schema)
            assert validate_payload(et, et.example) == [], et.name
            assert list(et.example) == ["type", "timestamp", "data"]
            assert et.example["type"] == et.name
            assert et.schema["required"] == ["type", "timestamp", "data"]
            assert et.schema["additionalProperties"] is False
            assert et.schema["properties"]["type"] == {"const": et.name}
            assert et.schema["properties"]["timestamp"]["format"] == "date-time"
            assert et.schema["properties"]["data"]["additionalProperties"] is False

    def test_schemas_catch_what_a_real_api_would_refuse(self) -> None:
        scanned = load_catalog().get("code.scanned")
        bad = copy.deepcopy(scanned.example)
        bad["data"]["scan_count"] = "x"
        bad["data"]["surprise"] = 1
        bad["data"]["location"]["country"] = "France"
        bad["timestamp"] = "yesterday"
        del bad["data"]["device"]
        found = {(i.path, i.message) for i in validate_payload(scanned, bad)}
        assert ("$.data.scan_count", '"x" is not of type "integer"') in found
        assert ("$.timestamp", '"yesterday" is not a "date-time"') in found
        assert ("$.data", '"device" is a required property') in found
        assert any(p == "$.data" and '"surprise" was unexpected' in m for p, m in found)
        assert any(p == "$.data.location.country" and "does not match" in m for p, m in found)

        contact = load_catalog().get("contact.captured")
        bad = copy.deepcopy(contact.example)
        bad["data"]["email"] = "not an email"
        bad["data"]["fields"]["Party size"] = 4
        paths = [i.path for i in validate_payload(contact, bad)]
        assert paths == ["$.data.email", "$.data.fields['Party size']"]

    def test_example_bytes_is_the_one_fixed_serialization(self) -> None:
        et = load_catalog().get("contact.captured")
        body = et.example_bytes()
        assert body == payload_bytes(et.example)
        assert json.loads(body) == et.example
        assert b"\n" not in body
        assert body.startswith(b'{"type": "contact.captured", "timestamp": ')
        assert "Île-de-France".encode() in load_catalog().get("code.scanned").example_bytes()
        with pytest.raises(ValueError):
            payload_bytes({"x": float("nan")})

    def test_as_dict(self) -> None:
        et = load_catalog().get("code.deleted")
        assert et.as_dict() == {
            "name": "code.deleted",
            "description": et.description,
            "schema": et.schema,
            "example": et.example,
            "source": et.source,
            "status": "ok",
            "synthesized": False,
            "notes": [],
            "problem": None,
        }


class TestGet:
    def test_unknown_name_suggests_close_names(self) -> None:
        cat = load_catalog()
        with pytest.raises(KeyError) as info:
            cat.get("code.scaned")
        assert (
            str(info.value)
            == 'unknown event type "code.scaned" in the bundled sample catalog; did you mean code.scanned?'
        )

    def test_prefix_lists_the_family(self) -> None:
        with pytest.raises(
            KeyError, match="did you mean code.created, code.deleted, code.scanned, code.updated"
        ):
            load_catalog().get("code")

    def test_nothing_close_lists_known_types(self) -> None:
        cat = Catalog({"a.b": EventType("a.b", "", {}, {}, "x.json")}, "cat")
        with pytest.raises(KeyError) as info:
            cat.get("zzzz")
        assert str(info.value) == 'unknown event type "zzzz" in catalog cat; known types: a.b'
        assert "a.b" in cat and "zzzz" not in cat

    def test_empty_catalog(self) -> None:
        with pytest.raises(KeyError, match="which has no event types"):
            Catalog({}, "x").get("a")


# -- user catalogs: directories --------------------------------------------------------------------


class TestDirectory:
    def test_json_and_yaml_files_and_lists(self, tmp_path: Path) -> None:
        d = tmp_path / "catalog"
        write(d / "code.scanned.json", event_doc())
        yaml_text = """\
name: page.published
description: |
  A page went live.
  More details on a second line.
schema:
  type: object
  required: [type, timestamp]
  properties:
    type: {const: page.published}
    timestamp: {type: string, format: date-time}
    published_on: {type: string, format: date}
example:
  type: page.published
  timestamp: 2025-03-15T09:00:00Z   # unquoted: must stay a string, not a datetime
  published_on: 2025-03-15
"""
        write(d / "page.yaml", yaml_text)
        write(d / "more.yml", [event_doc("a.one"), event_doc("a.two", description=None)])
        write(d / "notes.txt", "not a catalog file")
        write(d / ".hidden.json", "{broken")
        cat = load_catalog(d)
        assert cat.source == str(d)
        assert cat.names() == ["a.one", "a.two", "code.scanned", "page.published"]
        page = cat.get("page.published")
        assert page.example["timestamp"] == "2025-03-15T09:00:00Z"
        assert page.summary() == "A page went live."
        assert page.source == str(d / "page.yaml")
        assert cat.get("a.two").description == ""
        assert cat.get("a.one").source == str(d / "more.yml")
        assert cat.get("code.scanned").example == SCAN_EXAMPLE

    def test_single_event_type_file(self, tmp_path: Path) -> None:
        cat = load_catalog(write(tmp_path / "one.json", event_doc()))
        assert cat.names() == ["code.scanned"]

    def test_yaml_integer_keys_become_strings(self, tmp_path: Path) -> None:
        path = write(tmp_path / "x.yaml", "name: a\nschema: {type: object}\nexample: {200: ok, true: 1}\n")
        assert load_catalog(path).get("a").example == {"200": "ok", "true": 1}


# -- user catalogs: OpenAPI 3.1 --------------------------------------------------------------------

OPENAPI = """\
openapi: 3.1.0
info: {title: Flowcode webhooks, version: "1.0"}
webhooks:
  code.scanned:
    summary: A code was scanned
    post:
      summary: Someone scanned a QR code
      description: Long text that the summary wins over.
      requestBody:
        $ref: '#/components/requestBodies/Scanned'
      responses:
        200: {description: ok}
  folder.shared:
    post:
      description: A folder was shared
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/FolderShared'}
            examples:
              first: {$ref: '#/components/examples/Shared'}
              second: {value: {ignored: true}}
  tree.changed:
    description: From the path item
    post:
      requestBody:
        content:
          application/cloudevents+json:
            schema:
              $ref: '#/components/schemas/Node'
              description: the root
  schema.example:
    post:
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties: {n: {type: integer}}
              examples: [{n: 1}, {n: 2}]
components:
  requestBodies:
    Scanned:
      content:
        application/json:
          schema: {$ref: '#/components/schemas/Scanned'}
          example: {type: code.scanned, timestamp: '2025-04-02T19:42:17Z', data: {scan_count: 3, example: 7}}
  examples:
    Shared: {summary: one, value: {type: folder.shared, data: {role: editor}}}
  schemas:
    Scanned:
      type: object
      required: [type, data]
      additionalProperties: false
      properties:
        type: {const: code.scanned}
        timestamp: {type: string, format: date-time}
        data: {$ref: '#/components/schemas/ScanData'}
    ScanData:
      type: object
      required: [scan_count]
      properties:
        scan_count: {$ref: '#/components/schemas/Count'}
        example: {$ref: '#/components/schemas/Count'}
    Count: {type: integer, minimum: 1}
    FolderShared:
      type: object
      properties:
        type: {const: folder.shared}
        data:
          type: object
          properties:
            role: {enum: [viewer, editor]}
    Node:
      type: object
      required: [name]
      properties:
        name: {type: string}
        children: {type: array, items: {$ref: '#/components/schemas/Node'}}
      example: {name: root, children: [{name: leaf, children: []}]}
"""


class TestOpenAPI:
    def test_webhooks_become_event_types(self, tmp_path: Path) -> None:
        path = write(tmp_path / "openapi.yaml", OPENAPI)
        cat = load_catalog(path)
        assert cat.names() == ["code.scanned", "folder.shared", "schema.example", "tree.changed"]
        scanned = cat.get("code.scanned")
        assert scanned.description == "Someone scanned a QR code"
        assert scanned.source == str(path)
        count = {"type": "integer", "minimum": 1}
        data = scanned.schema["properties"]["data"]
        assert data == {
            "type": "object",
            "required": ["scan_count"],
            "properties": {"scan_count": count, "example": count},  # a property named "example" is a schema
        }
        assert "$ref" not in json.dumps(scanned.schema)
        assert scanned.example["data"] == {"scan_count": 3, "example": 7}
        bad = {"type": "code.scanned", "data": {"scan_count": 0}}
        assert [(i.path, i.message) for i in validate_payload(scanned, bad)] == [
            ("$.data.scan_count", "0 is less than the minimum of 1")
        ]

    def test_first_examples_value_and_other_media_types(self, tmp_path: Path) -> None:
        cat = load_catalog(write(tmp_path / "openapi.yaml", OPENAPI))
        shared = cat.get("folder.shared")
        assert shared.description == "A folder was shared"
        assert shared.example == {"type": "folder.shared", "data": {"role": "editor"}}
        assert cat.get("schema.example").example == {"n": 1}

    def test_recursive_schema_goes_to_defs(self, tmp_path: Path) -> None:
        tree = load_catalog(write(tmp_path / "openapi.yaml", OPENAPI)).get("tree.changed")
        assert tree.description == "From the path item"
        assert tree.schema["description"] == "the root"
        assert tree.schema["properties"]["children"]["items"] == {"$ref": "#/$defs/Node"}
        assert tree.schema["$defs"]["Node"]["properties"]["children"]["items"] == {"$ref": "#/$defs/Node"}
        assert tree.example["children"][0]["name"] == "leaf"
        bad = {"name": "root", "children": [{"name": "a", "children": [{"children": []}]}]}
        assert [i.path for i in validate_payload(tree, bad)] == ["$.children[0].children[0]"]

    def test_json_openapi_document(self, tmp_path: Path) -> None:
        doc = yaml.safe_load(OPENAPI)
        assert load_catalog(write(tmp_path / "api.json", doc)).names()[0] == "code.scanned"

    def test_openapi_inside_a_directory(self, tmp_path: Path) -> None:
        write(tmp_path / "d" / "openapi.yaml", OPENAPI)
        write(tmp_path / "d" / "extra.json", event_doc("extra.one"))
        assert "extra.one" in load_catalog(tmp_path / "d").names()

    @pytest.mark.parametrize(
        ("change", "path", "message"),
        [
            (
                lambda d: d.update(openapi="2.0"),
                "$.openapi",
                'webhooks need OpenAPI 3.0 or later (found "2.0")',
            ),
            (lambda d: d.pop("webhooks"), "", "the OpenAPI document has no webhooks section"),
            (lambda d: d.update(webhooks={}), "$.webhooks", "the OpenAPI document defines no webhooks"),
            (
                lambda d: d["webhooks"]["folder.shared"].update(
                    put=d["webhooks"]["folder.shared"].pop("post")
                ),
                "$.webhooks['folder.shared']",
                "no post operation",
            ),
            (
                lambda d: d["components"]["schemas"].pop("Count"),
                "$.webhooks['code.scanned']",
                'cannot resolve $ref "#/components/schemas/Count": "Count" not found',
            ),
            (
                lambda d: d["components"]["schemas"].update(Count={"$ref": "other.yaml#/Count"}),
                "$.webhooks['code.scanned']",
                'only local $refs (#/...) are supported, not "other.yaml#/Count"',
            ),
            (
                lambda d: d["components"]["examples"].update(Shared={"externalValue": "https://x/e.json"}),
                "$.webhooks['folder.shared'].post.requestBody.content['application/json'].examples.first",
                "externalValue examples are not supported; inline the value",
            ),
            (
                lambda d: d["components"]["schemas"]["Node"].pop("example"),
                "$.webhooks['tree.changed'].post.requestBody.content['application/cloudevents+json']",
                "no example (give the media type an example or examples, or the schema examples)",
            ),
        ],
    )
    def test_errors_name_the_webhook(self, tmp_path: Path, change: Any, path: str, message: str) -> None:
        doc = yaml.safe_load(OPENAPI)
        change(doc)
        file = write(tmp_path / "openapi.json", doc)
        assert [(i.file, i.path, i.message) for i in issues_of(file)] == [(str(file), path, message)]

    def test_bad_example_is_named_by_event_type(self, tmp_path: Path) -> None:
        doc = yaml.safe_load(OPENAPI)
        doc["components"]["requestBodies"]["Scanned"]["content"]["application/json"]["example"]["data"] = {
            "scan_count": "x"
        }
        file = write(tmp_path / "openapi.json", doc)
        assert [str(i) for i in issues_of(file)] == [
            f'{file}: code.scanned example at $.data.scan_count: "x" is not of type "integer"'
        ]


# -- error kinds -----------------------------------------------------------------------------------


class TestErrors:
    def test_bad_example_names_file_and_json_path(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.chdir(tmp_path)
        example = {"type": "code.scanned", "timestamp": "now", "data": {"scan_count": "x", "tags": ["a", 2]}}
        write(tmp_path / "catalog" / "code.scanned.json", event_doc(example=example))
        assert [str(i) for i in issues_of("catalog")] == [
            'catalog/code.scanned.json: example at $.data.scan_count: "x" is not of type "integer"',
            'catalog/code.scanned.json: example at $.data.tags[1]: 2 is not of type "string"',
            'catalog/code.scanned.json: example at $.timestamp: "now" is not a "date-time"',
        ]

    def test_bad_schema(self, tmp_path: Path) -> None:
        schema = {"type": "object", "properties": {"n": {"type": "integr"}}}
        file = write(tmp_path / "x.json", event_doc(schema=schema))
        (issue,) = issues_of(file)
        assert (issue.subject, issue.path) == ("schema", "$.properties.n.type")
        assert (
            str(issue)
            == f'{file}: schema at $.properties.n.type: "integr" is not valid under any of the given schemas'
        )

    @pytest.mark.parametrize(
        ("schema", "message"),
        [
            ({"pattern": "("}, '"(" is not a "regex"'),
            ({"pattern": "a{99999999999}"}, "invalid schema: the repetition number is too large"),
            (
                {"$ref": "#/$defs/missing"},
                "cannot validate: PointerToNowhere: '/$defs/missing' does not exist",
            ),
            (
                {"$ref": "https://example.invalid/s.json"},
                "cannot validate: Unresolvable: https://example.invalid/s.json",
            ),
            (
                {"$defs": {"a": {"$ref": "#/$defs/a"}}, "$ref": "#/$defs/a"},
                "cannot validate: the schema's $refs loop",
            ),
        ],
    )
    def test_schemas_that_cannot_be_used(self, tmp_path: Path, schema: dict[str, Any], message: str) -> None:
        file = write(tmp_path / "x.json", event_doc(schema=schema))
        (issue,) = issues_of(file)
        assert issue.message.startswith(message)

    def test_bad_json_names_the_line(self, tmp_path: Path) -> None:
        file = write(tmp_path / "x.json", '{\n  "name": "a",\n  "schema": {}\n  "example": {}\n}\n')
        assert [str(i) for i in issues_of(file)] == [
            f"{file}: invalid JSON at line 4 column 3: Expecting ',' delimiter"
        ]

    def test_bad_yaml_names_the_line(self, tmp_path: Path) -> None:
        file = write(tmp_path / "x.yaml", "name: a\nschema:\n  type: [object\nexample: {}\n")
        (issue,) = issues_of(file)
        assert issue.message.startswith("invalid YAML at line 4 column 8: ")

    def test_nan_in_json_is_refused(self, tmp_path: Path) -> None:
        file = write(tmp_path / "x.json", '{"name": "a", "schema": {},\n "example": {"n": NaN}}')
        assert issues_of(file)[0].message == "invalid JSON at line 2 column 19: NaN is not allowed in JSON"

    def test_duplicate_name(self, tmp_path: Path) -> None:
        write(tmp_path / "d" / "a.json", event_doc())
        write(tmp_path / "d" / "b.yaml", [event_doc("other"), event_doc()])
        (issue,) = issues_of(tmp_path / "d")
        assert issue.file == str(tmp_path / "d" / "b.yaml")
        assert issue.path == "$[1]"
        assert (
            issue.message
            == f'duplicate event type "code.scanned" (first defined in {tmp_path / "d" / "a.json"})'
        )

    def test_missing_fields(self, tmp_path: Path) -> None:
        file = write(tmp_path / "x.json", {"name": "a", "description": "no schema"})
        assert [str(i) for i in issues_of(file)] == [
            f'{file}: missing required field "schema" (event type "a")'
        ]
        file = write(tmp_path / "y.json", {"description": "nothing"})
        assert [str(i) for i in issues_of(file)] == [f'{file}: missing required fields "name", "schema"']
        listed = write(tmp_path / "l.yaml", [event_doc("ok"), {"schema": {}, "example": {}}, "text"])
        assert [str(i) for i in issues_of(listed)] == [
            f'{listed}: $[1]: missing required field "name"',
            f"{listed}: $[2]: expected an event type object, found a string",
        ]

    @pytest.mark.parametrize(
        ("over", "text"),
        [
            ({"name": 5}, "$.name: name must be a string, not a number"),
            ({"name": "has space"}, 'invalid event type name "has space": use 1 to 256 letters'),
            ({"description": ["x"]}, "$.description: description must be a string, not an array"),
            ({"schema": True}, "schema: must be a JSON object, not a boolean"),
            ({"example": [1]}, "example: must be a JSON object, not an array"),
        ],
    )
    def test_wrong_field_types(self, tmp_path: Path, over: dict[str, Any], text: str) -> None:
        file = write(tmp_path / "x.json", event_doc(**over))
        (issue,) = issues_of(file)
        assert str(issue).startswith(f"{file}: {text}")

    @pytest.mark.parametrize(
        ("name", "content", "message"),
        [
            ("x.json", b"\xff\xfe{}", "not UTF-8 text (byte 0)"),
            ("x.yaml", b"", "the file is empty"),
            ("x.yaml", b"# only a comment\n", "the file is empty"),
            ("x.json", b"[]", "the list of event types is empty"),
            (
                "x.json",
                b'"text"',
                "expected an event type object, a list of them, or an OpenAPI or AsyncAPI document",
            ),
            ("x.yaml", b"example: !!binary aGk=\nname: a\nschema: {}\n", "a YAML bytes value is not JSON"),
            ("x.yaml", b"a: &a [*a]\n", "recursive YAML alias"),
            ("x.yaml", b"a: .nan\n", "nan is not a JSON number"),
            ("x.json", b"[" * 100_000, "invalid JSON: nested too deeply"),
        ],
    )
    def test_unusable_files(self, tmp_path: Path, name: str, content: bytes, message: str) -> None:
        (issue,) = issues_of(write(tmp_path / name, content))
        assert issue.message.startswith(message)

    def test_missing_path_and_empty_directory(self, tmp_path: Path) -> None:
        assert [str(i) for i in issues_of(tmp_path / "nope")] == [
            f"{tmp_path / 'nope'}: no such file or directory"
        ]
        (tmp_path / "empty").mkdir()
        assert issues_of(tmp_path / "empty")[0].message.startswith("no event type files")

    def test_every_problem_is_reported_at_once(self, tmp_path: Path) -> None:
        d = tmp_path / "d"
        write(d / "a.json", "{")
        write(d / "b.json", event_doc(example={"type": 1}))
        write(d / "c.json", event_doc("fine"))
        issues = issues_of(d)
        assert [Path(i.file).name for i in issues] == ["a.json", "b.json", "b.json"]
        error = CatalogError(issues)
        assert str(error).splitlines() == [str(i) for i in issues]

    def test_validate_catalog_of_a_good_catalog_is_empty(self, tmp_path: Path) -> None:
        assert validate_catalog(None) == []
        assert validate_catalog(write(tmp_path / "x.json", event_doc())) == []


# -- payloads, JSON text, paths --------------------------------------------------------------------


class TestPayloadsAndParsing:
    def test_validate_payload_paths(self) -> None:
        et = EventType("code.scanned", "", SCAN_SCHEMA, SCAN_EXAMPLE, "x")
        data = {"type": "code.scanned", "data": {"tags": [1], "fields": {"a b": 1, "it's": 2}}, "x": 1}
        issues = validate_payload(et, data)
        assert all(i.file == "" and i.subject == "" for i in issues)
        assert [str(i) for i in issues] == [
            '$: Additional properties are not allowed ("x" was unexpected)',
            '$.data: "scan_count" is a required property',
            "$.data.fields['a b']: 1 is not of type \"string\"",
            "$.data.fields['it\\'s']: 2 is not of type \"string\"",
            '$.data.tags[0]: 1 is not of type "string"',
        ]
        assert validate_payload(et, SCAN_EXAMPLE) == []
        assert [i.path for i in validate_payload(et, [])] == ["$"]

    def test_parse_data(self) -> None:
        assert parse_data('{"a": [1, 2.5, "NaN"]}') == {"a": [1, 2.5, "NaN"]}
        cases = {
            "": "invalid JSON at line 1 column 1: Expecting value",
            '{"a": 1,\n "b": }': "invalid JSON at line 2 column 7: Expecting value",
            '{"s": "Infinity \\" NaN", "n": -Infinity}': "invalid JSON at line 1 column 31: -Infinity is not allowed",
            "[" * 100_000: "invalid JSON: nested too deeply",
        }
        for text, message in cases.items():
            with pytest.raises(ValueError) as info:
                parse_data(text)
            assert str(info.value).startswith(message)

    def test_json_path(self) -> None:
        assert json_path([]) == "$"
        assert json_path(["data", "tags", 0, "a-b", "_x1"]) == "$.data.tags[0]['a-b']._x1"

    def test_issue_is_one_line(self) -> None:
        issue = CatalogIssue("f.json", "$.a", "line one\nline two", "example")
        assert str(issue) == "f.json: example at $.a: line one line two"
        assert str(CatalogIssue("", "", "just this")) == "just this"


# -- properties ------------------------------------------------------------------------------------

_json_leaf = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8)
_json = st.recursive(
    _json_leaf,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=20,
)
_keywords = st.sampled_from(
    [
        "type",
        "properties",
        "required",
        "items",
        "$ref",
        "format",
        "pattern",
        "enum",
        "anyOf",
        "minimum",
        "$defs",
    ]
)
_schema = st.recursive(
    _json_leaf | st.sampled_from(["object", "integer", "string", "date-time", "#", "#/$defs/a", "(", "^a+$"]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(_keywords | st.text(max_size=4), inner, max_size=4)
    ),
    max_leaves=15,
)
_entry = st.fixed_dictionaries(
    {},
    optional={
        "name": st.sampled_from(["a", "b.c", "bad name", ""]) | _json_leaf,
        "description": _json_leaf,
        "schema": _schema,
        "example": _json,
    },
)
_openapi = st.fixed_dictionaries(
    {
        "openapi": st.sampled_from(["3.1.0", "3.0.0", "3.2", "x"]),
        "webhooks": st.dictionaries(
            st.text(max_size=5),
            st.fixed_dictionaries(
                {},
                optional={
                    "post": st.fixed_dictionaries(
                        {},
                        optional={
                            "summary": _json_leaf,
                            "requestBody": st.just({"$ref": "#/components/requestBodies/b"})
                            | st.fixed_dictionaries(
                                {"content": st.fixed_dictionaries({"application/json": _entry})}
                            ),
                        },
                    ),
                    "$ref": st.sampled_from(["#", "#/webhooks", "#/components", "x.yaml#/a", "#/a~1b/%25"]),
                },
            ),
            max_size=3,
        ),
        "components": st.dictionaries(st.sampled_from(["schemas", "requestBodies"]), _json, max_size=2),
    }
)
_documents = _entry | st.lists(_entry, max_size=3) | _openapi | _json


def _render(doc: Any, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(doc)
    return yaml.safe_dump(doc, allow_unicode=True)


def _load_must_not_crash(path: Path) -> None:
    try:
        cat = load_catalog(path)
    except CatalogError as e:
        assert e.issues and all(isinstance(i, CatalogIssue) and "\n" not in str(i) for i in e.issues)
        return
    assert cat.entries, "a catalog loads only with at least one type"
    for et in cat:
        assert et.name in cat
        if et.example is not None:  # its own, or a synthesised one: it always validates
            assert validate_payload(et, et.example) == []
            assert json.loads(et.example_bytes()) == et.example
        else:
            assert et.problem is not None and "\n" not in str(et.problem)
    for issue in validate_catalog(path):
        assert isinstance(issue, CatalogIssue) and "\n" not in str(issue)


_settings = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


class TestProperties:
    @_settings
    @given(
        content=st.binary(max_size=200) | st.text(max_size=200).map(str.encode),
        ext=st.sampled_from(["json", "yaml", "yml", "txt"]),
    )
    def test_random_bytes(self, tmp_path: Path, content: bytes, ext: str) -> None:
        _load_must_not_crash(write(tmp_path / f"f.{ext}", content))

    @_settings
    @given(
        text=st.text(alphabet=string.printable + "{}[]:,-&*!|>'\"#é", max_size=300),
        ext=st.sampled_from(["json", "yaml", "txt"]),
    )
    def test_random_structured_text(self, tmp_path: Path, text: str, ext: str) -> None:
        _load_must_not_crash(write(tmp_path / f"f.{ext}", text))

    @_settings
    @given(doc=_documents, fmt=st.sampled_from(["json", "yaml"]))
    def test_random_documents(self, tmp_path: Path, doc: Any, fmt: str) -> None:
        _load_must_not_crash(write(tmp_path / f"f.{fmt}", _render(doc, fmt)))

    @_settings
    @given(docs=st.lists(_documents, min_size=0, max_size=3), fmt=st.sampled_from(["json", "yaml"]))
    def test_random_directories(self, tmp_path: Path, docs: list[Any], fmt: str) -> None:
        d = tmp_path / "cat"
        if d.exists():
            for f in d.iterdir():
                f.unlink()
        d.mkdir(exist_ok=True)
        for i, doc in enumerate(docs):
            write(d / f"{i}.{fmt}", _render(doc, fmt))
        _load_must_not_crash(d)
