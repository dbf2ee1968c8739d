"""Local ``$ref`` s of an OpenAPI or AsyncAPI document, resolved into self-contained JSON Schemas.

References are inlined, so ``catalog show`` prints the whole shape; a reference that leads back into
itself (a tree, a linked list) cannot be inlined and becomes ``#/$defs/<Name>`` instead.

OpenAPI 3.0's ``nullable: true`` is turned into JSON Schema (``"type": ["string", "null"]``, ``null``
added to an ``enum``), in any document: 3.1 dropped the keyword, but documents that moved to 3.1 still
carry it, and a validator that ignores it refuses their ``null`` s. ``x-nullable`` (Swagger) likewise.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from hookdev.catalog.candidate import SchemaUnusable
from hookdev.catalog.documents import MAX_NODES
from hookdev.catalog.model import json_path, quote, walk_pointer

# Keywords whose value is a schema, a list of schemas, or a map of schemas. Everything else in a schema
# (example, const, enum, default, discriminator, ...) is data and is copied untouched.
_SCHEMA_VALUED = {
    "items", "additionalProperties", "not", "if", "then", "else", "contains", "propertyNames",
    "unevaluatedItems", "unevaluatedProperties", "additionalItems", "contentSchema",
}  # fmt: skip
_SCHEMA_LISTS = {"allOf", "anyOf", "oneOf", "prefixItems"}
_SCHEMA_MAPS = {"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"}


class Resolver:
    """Resolves one document's local ``$ref`` s; one instance serves every type of the document."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self.budget = MAX_NODES
        self.defs: dict[str, Any] = {}  # the current schema's recursive references, by $defs name
        self.def_names: dict[str, str] = {}  # ref -> $defs name
        self.taken: set[str] = set()  # $defs names the schema already uses itself
        self._closure: dict[str, str | None] = {}  # ref -> first dangling ref below it (memo)
        self._checked: dict[str, tuple[str, str] | None] = {}  # ref -> its metaschema problem (memo)

    def pointer(self, ref: str) -> Any:
        if not ref.startswith("#"):
            raise SchemaUnusable(f"only local $refs (#/...) are supported, not {quote(ref)}")
        fragment = unquote(ref[1:])
        if fragment and not fragment.startswith("/"):
            raise SchemaUnusable(f"cannot resolve $ref {quote(ref)}: not a JSON pointer")
        try:
            return walk_pointer(self.doc, fragment)
        except KeyError as missing:
            raise SchemaUnusable(
                f"cannot resolve $ref {quote(ref)}: {quote(missing.args[0])} not found"
            ) from None

    def follow(self, node: Any) -> Any:
        """Follow a chain of Reference Objects (``{"$ref": ...}``) to the object they name."""
        seen: set[str] = set()
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            if ref in seen:
                raise SchemaUnusable(f"$ref {quote(ref)} refers to itself")
            seen.add(ref)
            node = self.pointer(ref)
        return node

    def dangling(self, node: Any) -> str | None:
        """The first problem with a ``$ref`` reachable from ``node`` (cheap: each ref is walked once)."""
        stack: list[Any] = [node]
        while stack:
            n = stack.pop()
            if isinstance(n, dict):
                ref = n.get("$ref")
                if isinstance(ref, str):
                    problem = self._ref_problem(ref)
                    if problem:
                        return problem
                stack.extend(v for k, v in n.items() if k != "$ref" and isinstance(v, dict | list))
            elif isinstance(n, list):
                stack.extend(v for v in n if isinstance(v, dict | list))
        return None

    def _ref_problem(self, ref: str) -> str | None:
        if ref in self._closure:
            return self._closure[ref]
        self._closure[ref] = None  # a cycle is not a problem here: it becomes $defs
        try:
            target = self.pointer(ref)
        except SchemaUnusable as e:
            self._closure[ref] = str(e)
            return str(e)
        problem = self.dangling(target)
        self._closure[ref] = problem
        return problem

    def schema(self, node: Any) -> Any:
        """``node`` as a self-contained schema: references inlined, recursive ones under ``$defs``."""
        self.budget = MAX_NODES
        self.defs = {}
        self.def_names = {}
        target = self.follow(node)
        own = target.get("$defs") if isinstance(target, dict) else None
        self.taken = set(own) if isinstance(own, dict) else set()
        top = self._schema(node, ())
        pending = [r for r in self.def_names if self.def_names[r] not in self.defs]
        while pending:
            for ref in pending:
                self.defs[self.def_names[ref]] = self._schema(self.pointer(ref), (ref,))
            pending = [r for r in self.def_names if self.def_names[r] not in self.defs]
        if self.defs and isinstance(top, dict):
            top = {**top, "$defs": {**top.get("$defs", {}), **self.defs}}
        return top

    def _def_name(self, ref: str) -> str:
        """A ``$defs`` name for a recursive reference: its last pointer token, made unique."""
        if ref not in self.def_names:
            base = re.sub(r"[^A-Za-z0-9_.\-]", "_", ref.rsplit("/", 1)[-1]) or "schema"
            name, n = base, 1
            used = set(self.def_names.values()) | self.taken
            while name in used:
                n += 1
                name = f"{base}{n}"
            self.def_names[ref] = name
        return self.def_names[ref]

    def problem(
        self, node: Any, check: Callable[[dict[str, Any]], tuple[str, str] | None]
    ) -> tuple[str, str] | None:
        """The first metaschema problem in ``node`` or a schema it refers to, as (where, message).

        Each referenced schema is checked once per document, as written (with OpenAPI 3.0's keywords
        turned into JSON Schema but its ``$ref`` s kept): checking every webhook's inlined schema would
        check GitHub's shared components hundreds of times over (minutes, not seconds).
        """
        targets: list[tuple[str, Any]] = [("", node)]
        seen: set[str] = set()
        while targets:
            ref, target = targets.pop()
            if ref and ref in self._checked:
                found = self._checked[ref]
            else:
                normal = self._shallow(target)
                found = check(normal) if isinstance(normal, dict) else None
                if found is not None and ref:
                    found = (_pointer_path(ref) + found[0][1:], found[1])
                if ref:
                    self._checked[ref] = found
            if found is not None:
                return found
            for inner in _refs(target):
                if inner not in seen:
                    seen.add(inner)
                    try:
                        targets.append((inner, self.pointer(inner)))
                    except SchemaUnusable:
                        continue  # dangling: reported on its own
        return None

    def _shallow(self, node: Any) -> Any:
        """``node`` with OpenAPI's keywords made JSON Schema, its ``$ref`` s left as they are."""
        if not isinstance(node, dict):
            return node
        if isinstance(node.get("$ref"), str):
            rest = {k: v for k, v in node.items() if k != "$ref"}
            return {"$ref": node["$ref"], **self._keywords(rest, (), follow=False)}
        return self._keywords(node, (), follow=False)

    def _schema(self, node: Any, stack: tuple[str, ...], follow: bool = True) -> Any:
        self.budget -= 1
        if self.budget < 0:
            raise SchemaUnusable("the schema is too large once its $refs are inlined")
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if not follow:
            return self._shallow(node)
        if isinstance(ref, str):
            siblings = {k: v for k, v in node.items() if k != "$ref"}
            if ref in stack:
                out: Any = {"$ref": f"#/$defs/{self._def_name(ref)}"}
            else:
                out = self._schema(self.pointer(ref), (*stack, ref))
            if not siblings:
                return out
            rest = self._keywords(siblings, stack)
            if isinstance(out, dict) and not set(out) & set(rest):
                return {**out, **rest}
            return {"allOf": [out], **rest}
        return self._keywords(node, stack)

    def _keywords(self, node: dict[str, Any], stack: tuple[str, ...], follow: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key in _SCHEMA_VALUED:
                out[key] = self._schema(value, stack, follow)
            elif key in _SCHEMA_LISTS and isinstance(value, list):
                out[key] = [self._schema(v, stack, follow) for v in value]
            elif key in _SCHEMA_MAPS and isinstance(value, dict):
                out[key] = {k: self._schema(v, stack, follow) for k, v in value.items()}
            elif key in ("nullable", "x-nullable") and value is True:
                continue
            elif key in ("exclusiveMinimum", "exclusiveMaximum") and isinstance(value, bool):
                continue  # OpenAPI 3.0's boolean form, turned into 2020-12's below
            else:
                out[key] = value
        for flag, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
            if node.get(flag) is True and isinstance(out.get(bound), int | float):
                out[flag] = out.pop(bound)
        if node.get("nullable") is True or node.get("x-nullable") is True:
            out = _nullable(out)
        return out


def _pointer_path(ref: str) -> str:
    """``#/components/schemas/Pet`` -> ``$.components.schemas.Pet``: where the schema is in the file."""
    tokens = [t.replace("~1", "/").replace("~0", "~") for t in unquote(ref[1:]).split("/")[1:]]
    return json_path(tokens)


def _refs(node: Any) -> list[str]:
    """Every ``$ref`` string inside ``node`` (not following them)."""
    found: list[str] = []
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, dict):
            if isinstance(n.get("$ref"), str):
                found.append(n["$ref"])
            stack.extend(v for v in n.values() if isinstance(v, dict | list))
        elif isinstance(n, list):
            stack.extend(v for v in n if isinstance(v, dict | list))
    return found


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """OpenAPI 3.0 ``nullable: true`` in JSON Schema terms."""
    out = dict(schema)
    t = out.get("type")
    if isinstance(t, str) and t != "null":
        out["type"] = [t, "null"]
    elif isinstance(t, list) and "null" not in t:
        out["type"] = [*t, "null"]
    if isinstance(out.get("enum"), list) and None not in out["enum"]:
        out["enum"] = [*out["enum"], None]
    if "const" in out and out["const"] is not None:
        out = {"anyOf": [{"const": out.pop("const")}, {"type": "null"}], **out}
    if t is None and "enum" not in out and any(k in out for k in ("allOf", "oneOf", "anyOf", "$ref")):
        return {"anyOf": [out, {"type": "null"}]}
    return out
