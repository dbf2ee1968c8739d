"""Per-type loading of real-world shapes: documents written to reproduce them, and the real ones vendored
under tests/data/ (OAI's webhook example, Svix's webhooks, AsyncAPI's streetlights)."""

from __future__ import annotations

import copy
import json
import os
import re
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from hookdev.catalog import CatalogError, load_catalog, validate_catalog, validate_payload
from hookdev.catalog.lookup import catalog_source

DATA = Path(__file__).resolve().parents[1] / "data"


def write(path: Path, doc: Any) -> Path:
    path.write_text(json.dumps(doc) if path.suffix == ".json" else yaml.safe_dump(doc), encoding="utf-8")
    return path


def webhook(schema: dict[str, Any], example: Any = None, **op: Any) -> dict[str, Any]:
    media: dict[str, Any] = {"schema": schema}
    if example is not None:
        media["example"] = example
    return {"post": {**op, "requestBody": {"content": {"application/json": media}}}}


ORG = {"type": "string", "pattern": "^org_[A-Za-z0-9]{27}$"}
EVENT = {
    "type": "object",
    "required": ["type", "org", "at"],
    "properties": {
        "type": {"type": "string"},
        "org": {"$ref": "#/components/schemas/OrgId"},
        "at": {"type": "string", "format": "date-time"},
        "note": {"type": "string", "nullable": True},
    },
}


def document(version: str = "3.1.0", key: str = "webhooks") -> dict[str, Any]:
    """A fresh copy each time: tests change it."""
    return copy.deepcopy(_document(version, key))


def _document(version: str, key: str) -> dict[str, Any]:
    return {
        "openapi": version,
        "info": {"title": "t", "version": "1"},
        key: {
            "org.created": webhook(
                {"$ref": "#/components/schemas/Event"}, summary="An organisation was created"
            ),
            "org.renamed": webhook(
                {"$ref": "#/components/schemas/Event"},
                {
                    "type": "org.renamed",
                    "org": "env_123",
                    "at": "2025-01-01T00:00:00Z",
                },  # violates the pattern
                summary="org.renamed",  # no more than the name: the description is shown
                description="An organisation got a new name",
            ),
            "org.deleted": webhook({"$ref": "#/components/schemas/Gone"}),  # a dangling $ref
            "org.nulled": webhook(
                {"$ref": "#/components/schemas/Event"},
                {"type": "org.nulled", "org": "org_" + "a" * 27, "at": "2025-01-01T00:00:00Z", "note": None},
            ),
        },
        "components": {
            "schemas": {
                "Event": {"$ref": "#/components/schemas/EventBody"},  # a $ref chain
                "EventBody": EVENT,
                "OrgId": {"$ref": "#/components/schemas/OrgIdValue"},
                "OrgIdValue": ORG,
            }
        },
    }


def big_document(n: int = 250) -> dict[str, Any]:
    """GitHub's shape: many webhooks, few examples, shared components, long summaries."""
    doc = document()
    hooks = {}
    for i in range(n):
        family = ["issues", "pull_request", "push", "release", "star"][i % 5]
        hooks[f"{family}.{i}"] = webhook(
            {"allOf": [{"$ref": "#/components/schemas/Event"}, {"properties": {"n": {"const": i}}}]},
            summary=f"This event occurs when there is activity on {family}. " + "More words. " * 20,
        )
    doc["webhooks"] = hooks
    return doc


class TestPerType:
    def test_each_type_loads_with_its_own_state(self, tmp_path: Path) -> None:
        cat = load_catalog(write(tmp_path / "api.json", document()))
        assert cat.names() == ["org.created", "org.deleted", "org.nulled", "org.renamed"]
        states = {i.name: i.status for i in cat.infos()}
        assert states == {
            "org.created": "synthesized",  # no example
            "org.deleted": "unusable",  # dangling $ref
            "org.nulled": "ok",  # its own example, with a null the 3.0-style nullable allows
            "org.renamed": "synthesized",  # its example violates the pattern
        }
        created = cat.get("org.created")
        assert re.fullmatch(r"org_[A-Za-z0-9]{27}", created.example["org"])
        assert validate_payload(created, created.example) == []
        renamed = cat.get("org.renamed")
        assert [n.brief() for n in renamed.notes] == [
            'org.renamed example at $.org: "env_123" does not match "^org_[A-Za-z0-9]{27}$"'
        ]
        deleted = cat.get("org.deleted")
        assert deleted.example is None
        assert deleted.problem is not None
        assert 'cannot resolve $ref "#/components/schemas/Gone"' in deleted.problem.message

    def test_descriptions_summary_then_description_then_body(self, tmp_path: Path) -> None:
        doc = document()
        doc["webhooks"]["org.created"]["post"]["requestBody"]["description"] = "the body"
        doc["webhooks"]["org.nulled"]["post"]["requestBody"]["description"] = "Body of a nulled org"
        cat = load_catalog(write(tmp_path / "api.json", doc))
        assert cat.info("org.created").description == "An organisation was created"
        assert cat.info("org.renamed").description == "An organisation got a new name"
        assert cat.info("org.nulled").description == "Body of a nulled org"

    def test_validate_and_strict_list_every_problem(self, tmp_path: Path) -> None:
        path = write(tmp_path / "api.json", document())
        issues = validate_catalog(path)
        text = [str(i) for i in issues]
        assert len(issues) == 3, text
        assert any("org.created" in t and "no example" in t for t in text)
        assert any("org.renamed example at $.org" in t for t in text)
        assert any("Gone" in t for t in text)
        with pytest.raises(CatalogError) as info:
            load_catalog(path, strict=True)
        assert info.value.issues == issues
        assert catalog_source(flag=path, config_strict=True).strict

    def test_openapi_30_with_x_webhooks(self, tmp_path: Path) -> None:
        cat = load_catalog(write(tmp_path / "api.yaml", document("3.0.3", "x-webhooks")))
        assert len(cat) == 4
        nulled = cat.get("org.nulled")
        assert nulled.status == "ok"
        assert nulled.schema["properties"]["note"]["type"] == ["string", "null"]

    def test_a_file_that_does_not_parse_does_not_sink_the_directory(self, tmp_path: Path) -> None:
        d = tmp_path / "d"
        d.mkdir()
        (d / "a.json").write_text("{", encoding="utf-8")
        write(
            d / "b.json",
            {
                "name": "b.one",
                "schema": {"type": "object", "required": ["n"], "properties": {"n": {"type": "integer"}}},
            },
        )
        cat = load_catalog(d)
        assert cat.names() == ["b.one"]
        assert cat.get("b.one").example == {"n": 1}
        assert [os.path.basename(i.file) for i in cat.issues] == ["a.json"]
        with pytest.raises(CatalogError):
            load_catalog(d, strict=True)

    def test_nothing_usable_is_still_an_error(self, tmp_path: Path) -> None:
        with pytest.raises(CatalogError):
            load_catalog(write(tmp_path / "x.json", {"openapi": "3.1.0", "webhooks": {}}))


class TestBigDocument:
    def test_250_types_load_and_list_quickly(self, tmp_path: Path) -> None:
        path = write(tmp_path / "big.json", big_document())
        assert path.stat().st_size > 64 * 1024
        start = time.perf_counter()
        cat = load_catalog(path)
        infos = cat.infos()
        elapsed = time.perf_counter() - start
        assert len(infos) == 250
        assert all(i.status == "synthesized" for i in infos)
        assert elapsed < 10  # generous under load; tests/perf measures it properly
        for name in ("issues.0", "pull_request.1", "star.249"):
            et = cat.get(name)
            assert validate_payload(et, et.example) == []

    def test_the_cache_is_keyed_by_size_mtime_and_hash(self, tmp_path: Path) -> None:
        path = write(tmp_path / "big.json", big_document())
        cache = tmp_path / "cache"
        first = load_catalog(path, cache_dir=cache)
        files = sorted(p.name for p in (cache / "catalog").iterdir())
        assert len(files) == 2 and any(f.endswith(".index.json") for f in files)
        index = next((cache / "catalog").glob("*.index.json"))
        data = json.loads(index.read_text())
        data["types"][0]["description"] = "FROM THE CACHE"
        index.write_text(json.dumps(data))
        again = load_catalog(path, cache_dir=cache)
        assert again.infos()[0].description == "FROM THE CACHE"  # served from the cache
        assert again.get("issues.0").example == first.get("issues.0").example  # built from the cached doc
        doc = big_document()
        doc["webhooks"]["issues.0"]["post"]["summary"] = "Changed in the file"
        write(path, doc)
        assert load_catalog(path, cache_dir=cache).info("issues.0").description == "Changed in the file"
        st = path.stat()
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))  # same bytes, new mtime: re-read
        assert load_catalog(path, cache_dir=cache).info("issues.0").description == "Changed in the file"


class TestAsyncAPI:
    V2 = {
        "asyncapi": "2.6.0",
        "info": {"title": "t", "version": "1"},
        "channels": {
            "user/signedup": {
                "subscribe": {
                    "message": {
                        "oneOf": [
                            {"$ref": "#/components/messages/UserSignedUp"},
                            {"$ref": "#/components/messages/UserDeleted"},
                        ]
                    }
                }
            },
            "user/bad": {
                "publish": {
                    "message": {
                        "name": "user.avro",
                        "schemaFormat": "application/vnd.apache.avro;version=1.9.0",
                        "payload": {"type": "record"},
                    }
                }
            },
        },
        "components": {
            "messages": {
                "UserSignedUp": {
                    "name": "user.signed_up",
                    "summary": "A user signed up",
                    "payload": {"$ref": "#/components/schemas/User"},
                    "examples": [{"payload": {"id": "usr_1", "email": "a@example.com"}}],
                },
                "UserDeleted": {
                    "name": "user.deleted",
                    "title": "User deleted",
                    "payload": {
                        "type": "object",
                        "required": ["id"],
                        "properties": {"id": {"type": "string"}},
                        "nullable": False,
                    },
                },
            },
            "schemas": {
                "User": {
                    "type": "object",
                    "required": ["id", "email"],
                    "properties": {"id": {"type": "string"}, "email": {"type": "string", "format": "email"}},
                }
            },
        },
    }

    def test_v2_messages_are_event_types(self, tmp_path: Path) -> None:
        cat = load_catalog(write(tmp_path / "asyncapi.yaml", self.V2))
        assert cat.names() == ["user.avro", "user.deleted", "user.signed_up"]
        assert cat.get("user.signed_up").status == "ok"
        assert cat.info("user.signed_up").description == "A user signed up"
        deleted = cat.get("user.deleted")
        assert (deleted.status, deleted.description, deleted.example) == (
            "synthesized",
            "User deleted",
            {"id": "id_123"},
        )
        avro = cat.get("user.avro")
        assert avro.status == "unusable" and "is not JSON Schema" in str(avro.problem)

    def test_v3_public_example(self) -> None:
        cat = load_catalog(DATA / "asyncapi-streetlights-kafka.yml")
        assert cat.names() == [
            "dimLight",
            "lightMeasured",
            "turnOnOff",
        ]  # turnOn and turnOff share one message
        for et in cat:
            assert et.status == "synthesized"
            assert validate_payload(et, et.example) == []
        assert cat.get("turnOnOff").example["command"] == "on"


class TestRealDocuments:
    def test_oai_webhook_example(self) -> None:
        cat = load_catalog(DATA / "oai-webhook-example.yaml")
        pet = cat.get("newPet")
        assert (pet.status, pet.description) == ("synthesized", "Information about a new pet in the system")
        assert pet.example == {"id": 1, "name": "example name", "tag": "example tag"}
        assert validate_catalog(DATA / "oai-webhook-example.yaml")[0].message.startswith("no example")

    def test_svix_webhooks(self) -> None:
        path = DATA / "svix-webhooks-openapi.json"
        cat = load_catalog(path)
        assert len(cat) == 14
        flagged = sorted(i.name for i in cat.infos() if i.status != "ok")
        assert flagged == ["background_task.finished", "message.attempt.log"]  # Svix's own 2 mistakes
        assert cat.info("endpoint.created").description == "Sent when an endpoint is created."
        for et in cat:
            assert validate_payload(et, et.example) == [], et.name
        log = cat.get("message.attempt.log")
        assert 'does not match "^org_[A-Za-z0-9]{27}$"' in log.notes[0].message
        assert re.fullmatch(r"org_[A-Za-z0-9]{27}", log.example["data"][0]["orgId"])
        assert len(validate_catalog(path)) == 2


class TestSearch:
    def test_fuzzy_filter_grouped_by_prefix(self) -> None:
        from hookdev.catalog.model import TypeInfo
        from hookdev.catalog.search import group_of, search

        infos = [
            TypeInfo(n, d, "x")
            for n, d in [
                ("issues.opened", "An issue was opened"),
                ("issues.closed", "An issue was closed"),
                ("pull-request-opened", "A pull request was opened"),
                ("pull-request-review-submitted", "A review was submitted"),
                ("ping", "Sent when a hook is created"),
            ]
        ]
        assert [g.name for g in search(infos)] == ["issues", "ping", "pull-request", "pull-request-review"]
        assert group_of("message.attempt.log") == "message"
        found = search(infos, "opened")
        assert [[t.name for t in g.types] for g in found] == [["issues.opened"], ["pull-request-opened"]]
        assert [t.name for g in search(infos, "prop") for t in g.types] == [
            "pull-request-opened"
        ]  # letters in order
        assert [t.name for g in search(infos, "hook created") for t in g.types] == ["ping"]  # descriptions
        assert search(infos, "zzz") == []


def test_a_vanished_cache_document_falls_back_to_the_file(tmp_path: Path) -> None:
    path = write(tmp_path / "big.json", big_document())
    cache = tmp_path / "cache"
    load_catalog(path, cache_dir=cache)
    for doc in (cache / "catalog").glob("*.doc.json"):
        doc.unlink()
    cat = load_catalog(path, cache_dir=cache)  # the index still matches: served from it
    assert cat.get("issues.0").status == "synthesized"  # built from the file itself


def test_thorough_check_names_the_component_once_and_openapi_30_bounds(tmp_path: Path) -> None:
    doc = document("3.0.3", "x-webhooks")
    doc["components"]["schemas"]["EventBody"]["properties"]["count"] = {
        "type": "integer",
        "minimum": 0,
        "exclusiveMinimum": True,  # OpenAPI 3.0's boolean form
    }
    doc["components"]["schemas"]["EventBody"]["required"].append("count")
    path = write(tmp_path / "api.json", doc)
    assert not [i for i in validate_catalog(path) if "exclusiveMinimum" in str(i)]  # no metaschema complaint
    created = load_catalog(path).get("org.created")
    assert created.schema["properties"]["count"] == {"type": "integer", "exclusiveMinimum": 0}
    assert created.example["count"] == 1
    doc["components"]["schemas"]["OrgIdValue"] = {"type": "strin"}
    issues = [str(i) for i in validate_catalog(write(tmp_path / "api.json", doc))]
    bad = [i for i in issues if "strin" in i]
    assert len(bad) == 3  # one per webhook that uses it: each says where in the file it is
    assert all("schema at $.components.schemas.OrgIdValue.type" in i for i in bad)


def test_a_guess_in_the_cache_index_is_corrected_once_the_type_is_built(tmp_path: Path) -> None:
    doc = big_document()
    doc["webhooks"]["issues.0"]["post"]["requestBody"]["content"]["application/json"]["schema"] = {
        "type": "object",
        "required": ["a"],
        "properties": {"a": {"allOf": [{"type": "string"}, {"type": "integer"}]}},  # nothing satisfies it
    }
    path = write(tmp_path / "big.json", doc)
    cache = tmp_path / "cache"
    assert load_catalog(path, cache_dir=cache).info("issues.0").status == "synthesized"  # a guess: no example
    assert load_catalog(path, cache_dir=cache).get("issues.0").status == "unusable"  # built: the truth
    assert load_catalog(path, cache_dir=cache).info("issues.0").status == "unusable"  # the index learnt it
