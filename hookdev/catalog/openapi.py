"""Event types from an OpenAPI document: one per webhook, named by its key.

OpenAPI 3.1 puts webhooks under ``webhooks``; 3.0 documents that describe webhooks use the ``x-webhooks``
extension (Svix, Redocly). Each webhook's POST operation gives the type: its JSON request body's schema,
its example (the media type's ``example``, else its first ``examples`` value, else the schema's own), and
a description a person can read: the operation's ``summary`` when it says more than the event name, else
its ``description``, else the request body's ``description``.

Reading a webhook is cheap (no ``$ref`` is inlined): the schema is resolved when the type is used.
"""

from __future__ import annotations

import re
from typing import Any

from hookdev.catalog.candidate import MISSING, Candidate, SchemaUnusable
from hookdev.catalog.model import CatalogIssue, json_path, json_type, quote
from hookdev.catalog.resolve import Resolver


def is_openapi(doc: object) -> bool:
    return isinstance(doc, dict) and ("openapi" in doc or "swagger" in doc)


def _version(version: object) -> tuple[int, int] | None:
    match = re.match(r"^(\d+)\.(\d+)", version) if isinstance(version, str) else None
    return (int(match[1]), int(match[2])) if match else None


def from_openapi(doc: dict[str, Any], file: str, issues: list[CatalogIssue]) -> list[Candidate]:
    """The webhooks of an OpenAPI 3.x document as candidates; document-level problems go to ``issues``."""
    version = _version(doc.get("openapi"))
    if version is None or version < (3, 0):
        issues.append(
            CatalogIssue(
                file,
                "$.openapi",
                f"webhooks need OpenAPI 3.0 or later (found {quote(doc.get('openapi', doc.get('swagger')))})",
            )
        )
        return []
    key = "webhooks" if "webhooks" in doc else "x-webhooks" if "x-webhooks" in doc else None
    if key is None:
        issues.append(CatalogIssue(file, "", "the OpenAPI document has no webhooks section"))
        return []
    webhooks = doc[key]
    if not isinstance(webhooks, dict):
        issues.append(CatalogIssue(file, json_path([key]), f"must be an object, not {json_type(webhooks)}"))
        return []
    if not webhooks:
        issues.append(CatalogIssue(file, json_path([key]), "the OpenAPI document defines no webhooks"))
    resolver = Resolver(doc)
    return [_candidate(resolver, name, item, file, json_path([key, name])) for name, item in webhooks.items()]


def _candidate(resolver: Resolver, name: str, item: Any, file: str, where: str) -> Candidate:
    def unusable(e: SchemaUnusable | RecursionError, path: str) -> Candidate:
        message = str(e) if isinstance(e, SchemaUnusable) else "nested too deeply"
        at = e.path if isinstance(e, SchemaUnusable) and e.path else path
        return Candidate(name, "", file, where, lambda: {}, problem=CatalogIssue(file, at, message))

    try:
        item = resolver.follow(item)
        if not isinstance(item, dict):
            raise SchemaUnusable(f"expected a Path Item object, found {json_type(item)}", where)
        op = resolver.follow(item.get("post"))
        if not isinstance(op, dict):
            raise SchemaUnusable("no post operation", where)
        at = where + ".post"
        body = resolver.follow(op.get("requestBody"))
        description = describe(name, op, item, body)
        if not isinstance(body, dict):
            raise SchemaUnusable("no requestBody", at)
        at += ".requestBody"
        content = body.get("content")
        if not isinstance(content, dict):
            raise SchemaUnusable("no content", at)
        media_type = "application/json" if "application/json" in content else None
        media_type = media_type or next((k for k in content if "json" in str(k).lower()), None)
        if media_type is None:
            raise SchemaUnusable("no application/json content", at + ".content")
        media = resolver.follow(content[media_type])
        at += json_path(["content", media_type])[1:]
        if not isinstance(media, dict) or "schema" not in media:
            raise SchemaUnusable("no schema", at)
        node = media["schema"]
        dangling = resolver.dangling(node)
        if dangling:
            raise SchemaUnusable(dangling, where)
        example, example_where = _example(resolver, media, at)
    except (SchemaUnusable, RecursionError) as e:
        return unusable(e, where)
    candidate = Candidate(
        name,
        description,
        file,
        where,
        lambda: resolver.schema(node),
        example,
        example_where,
        check=lambda check: resolver.problem(node, check),
        top=lambda: resolver.follow(node),
        no_example="no example (give the media type an example or examples, or the schema examples)",
    )
    if example is MISSING:
        candidate.example = _schema_example(resolver, node)
    return candidate


def describe(name: str, op: dict[str, Any], item: Any, body: Any) -> str:
    """summary (when more than the event name) > description > request body description > path item's."""
    summary = op.get("summary")
    if isinstance(summary, str) and summary.strip() and _says_more(summary, name):
        return summary.strip()
    holders: list[Any] = [op, body, item]
    for holder in holders:
        if (
            isinstance(holder, dict)
            and isinstance(holder.get("description"), str)
            and holder["description"].strip()
        ):
            return str(holder["description"]).strip()
    if isinstance(item, dict) and isinstance(item.get("summary"), str) and _says_more(item["summary"], name):
        return str(item["summary"]).strip()
    return ""


def _says_more(summary: str, name: str) -> bool:
    def norm(s: str) -> str:
        return re.sub(r"[^a-z0-9]", "", s.lower())

    return norm(summary) != norm(name)


def _example(resolver: Resolver, media: dict[str, Any], where: str) -> tuple[Any, str]:
    """The media type's ``example``, else its first ``examples`` value; MISSING when it has neither."""
    if "example" in media:
        return media["example"], where + ".example"
    examples = media.get("examples")
    if isinstance(examples, dict) and examples:
        first_key = next(iter(examples))
        first = resolver.follow(examples[first_key])
        at = where + json_path(["examples", first_key])[1:]
        if isinstance(first, dict) and "value" in first:
            return first["value"], at
        if isinstance(first, dict) and "externalValue" in first:
            return _Unusable("externalValue examples are not supported; inline the value", at), at
        return _Unusable("an example without a value", at), at
    return MISSING, where


class _Unusable:
    """An example the document gives in a form hookdev cannot use (reported, then synthesised over)."""

    def __init__(self, message: str, where: str) -> None:
        self.message = message
        self.where = where


def _schema_example(resolver: Resolver, node: Any) -> Any:
    """The schema's own ``example`` / first ``examples`` value at its top, else MISSING."""
    try:
        schema = resolver.follow(node)
    except SchemaUnusable:
        return MISSING
    if isinstance(schema, dict):
        if "example" in schema:
            return schema["example"]
        if isinstance(schema.get("examples"), list) and schema["examples"]:
            return schema["examples"][0]
    return MISSING


Unusable = _Unusable
