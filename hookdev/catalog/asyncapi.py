"""Event types from an AsyncAPI 2.x or 3.x document: one per message, with the same per-type rules.

The messages are those the channels carry (2.x: each channel's ``publish`` / ``subscribe`` message,
``oneOf`` lists included; 3.x: each channel's ``messages``), plus ``components.messages``. A message
reached through several channels (one ``$ref``) is one type. Its name is the message's ``name``, else its
key; its payload schema is the type's schema (AsyncAPI schemas are JSON Schema draft 7 plus a few
keywords, read as 2020-12), its first ``examples[].payload`` the example; its description the
``summary`` when it says more than the name, else ``description``, else ``title``.

A payload in another schema format (Avro, RAML, Protobuf) makes its type unusable, with that reason.
"""

from __future__ import annotations

import re
from typing import Any

from hookdev.catalog.candidate import MISSING, Candidate, SchemaUnusable
from hookdev.catalog.model import CatalogIssue, json_path, json_type, quote
from hookdev.catalog.resolve import Resolver

_JSON_SCHEMA_FORMAT = re.compile(
    r"^application/(schema\+json|schema\+yaml|vnd\.aai\.asyncapi(\+json|\+yaml)?)(;.*)?$"
)


def is_asyncapi(doc: object) -> bool:
    return isinstance(doc, dict) and "asyncapi" in doc


def from_asyncapi(doc: dict[str, Any], file: str, issues: list[CatalogIssue]) -> list[Candidate]:
    version = doc.get("asyncapi")
    major = re.match(r"^(\d+)\.", version) if isinstance(version, str) else None
    if not major or int(major[1]) not in (2, 3):
        issues.append(
            CatalogIssue(file, "$.asyncapi", f"AsyncAPI 2.x or 3.x is supported (found {quote(version)})")
        )
        return []
    resolver = Resolver(doc)
    found: dict[str, tuple[str, Any, str]] = {}  # identity -> (key, message node, path)

    def add(key: str, node: Any, path: str) -> None:
        identity = node["$ref"] if isinstance(node, dict) and isinstance(node.get("$ref"), str) else path
        if identity not in found:
            found[identity] = (key, node, path)

    channels = doc.get("channels")
    if isinstance(channels, dict):
        for ch_name, channel in channels.items():
            try:
                channel = resolver.follow(channel)
            except SchemaUnusable:
                continue
            if not isinstance(channel, dict):
                continue
            if int(major[1]) == 2:
                for op_name in ("subscribe", "publish"):
                    op = channel.get(op_name)
                    if not isinstance(op, dict) or "message" not in op:
                        continue
                    message = op["message"]
                    at = json_path(["channels", ch_name, op_name, "message"])
                    one_of = message.get("oneOf") if isinstance(message, dict) else None
                    if isinstance(one_of, list):
                        for i, m in enumerate(one_of):
                            add(_ref_key(m) or f"{ch_name}.{op_name}.{i}", m, f"{at}.oneOf[{i}]")
                    else:
                        add(_ref_key(message) or str(op.get("operationId") or ch_name), message, at)
            else:
                messages = channel.get("messages")
                if isinstance(messages, dict):
                    for key, m in messages.items():
                        add(_ref_key(m) or str(key), m, json_path(["channels", ch_name, "messages", key]))
    components = doc.get("components")
    comp_messages = components.get("messages") if isinstance(components, dict) else None
    if isinstance(comp_messages, dict):
        for key, m in comp_messages.items():
            ref = "#/components/messages/" + str(key).replace("~", "~0").replace("/", "~1")
            if ref not in found:
                found[ref] = (str(key), m, json_path(["components", "messages", key]))
    if not found:
        issues.append(CatalogIssue(file, "", "the AsyncAPI document defines no messages"))
    return [_candidate(resolver, key, node, path, file) for key, node, path in found.values()]


def _ref_key(node: Any) -> str | None:
    if isinstance(node, dict) and isinstance(node.get("$ref"), str):
        return node["$ref"].rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~")
    return None


def _candidate(resolver: Resolver, key: str, node: Any, where: str, file: str) -> Candidate:
    name: object = key
    try:
        message = resolver.follow(node)
        if not isinstance(message, dict):
            raise SchemaUnusable(f"expected a Message object, found {json_type(message)}", where)
        if isinstance(message.get("name"), str) and message["name"]:
            name = message["name"]
        description = _describe(str(name), message)
        payload = message.get("payload")
        if payload is None:
            raise SchemaUnusable("no payload", where)
        fmt = message.get("schemaFormat")
        payload_node = resolver.follow(payload)
        if isinstance(payload_node, dict) and "schemaFormat" in payload_node and "schema" in payload_node:
            fmt, payload = payload_node["schemaFormat"], payload_node["schema"]  # 3.x Multi Format Schema
        if isinstance(fmt, str) and not _JSON_SCHEMA_FORMAT.match(fmt):
            raise SchemaUnusable(f"payload schema format {quote(fmt)} is not JSON Schema", where)
        dangling = resolver.dangling(payload)
        if dangling:
            raise SchemaUnusable(dangling, where)
        example: Any = MISSING
        examples = message.get("examples")
        if (
            isinstance(examples, list)
            and examples
            and isinstance(examples[0], dict)
            and "payload" in examples[0]
        ):
            example = examples[0]["payload"]
        else:
            top = resolver.follow(payload)
            if isinstance(top, dict) and "example" in top:
                example = top["example"]
            elif isinstance(top, dict) and isinstance(top.get("examples"), list) and top["examples"]:
                example = top["examples"][0]
    except (SchemaUnusable, RecursionError) as e:
        at = e.path if isinstance(e, SchemaUnusable) and e.path else where
        problem = CatalogIssue(file, at, str(e) if isinstance(e, SchemaUnusable) else "nested too deeply")
        return Candidate(name, "", file, where, lambda: {}, problem=problem)
    schema_node = payload
    return Candidate(
        name,
        description,
        file,
        where,
        lambda: resolver.schema(schema_node),
        example,
        where + ".examples[0].payload" if example is not MISSING else where,
        check=lambda check: resolver.problem(schema_node, check),
        top=lambda: resolver.follow(schema_node),
        no_example="no example (give the message examples with a payload, or the payload schema an example)",
    )


def _describe(name: str, message: dict[str, Any]) -> str:
    summary = message.get("summary")
    norm = re.compile(r"[^a-z0-9]")
    if (
        isinstance(summary, str)
        and summary.strip()
        and norm.sub("", summary.lower()) != norm.sub("", name.lower())
    ):
        return " ".join(summary.split())
    for key in ("description", "title"):
        value = message.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""
