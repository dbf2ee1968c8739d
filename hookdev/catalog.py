"""The event catalog: which event types exist, what their payloads look like, and a valid example of each.

A catalog comes from one of three places, and :func:`load_catalog` tells them apart by looking:

- the bundled sample (``path=None``): the event types of a QR-code/marketing product, so a fresh
  workspace can send realistic, schema-valid messages with no configuration;
- a directory of ``*.json`` / ``*.yaml`` / ``*.yml`` files, each holding one event type
  (``name``, ``description``, ``schema``, ``example``) or a list of them;
- an OpenAPI 3.1 document's ``webhooks`` section (the format platforms publish), local ``$ref`` s resolved.

Loading is all-or-nothing: every problem found (parse errors with their line, invalid schemas, examples
that do not validate, duplicate names) is collected and raised together as one :class:`CatalogError`, so
a user fixes a catalog in one pass. Examples are validated with draft 2020-12 and format checking on,
because a catalog whose example does not match its own schema teaches consumers the wrong thing.
"""

from __future__ import annotations

import difflib
import json
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Protocol

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError, ValidationError, best_match

SAMPLE_SOURCE = "bundled sample"
EXTENSIONS = (".json", ".yaml", ".yml")
NAME_PATTERN = re.compile(r"^[A-Za-z0-9_.\-]{1,256}$")  # what Svix accepts for event type names
_MAX_NODES = 1_000_000  # a YAML alias bomb or a $ref explosion stops here instead of eating memory
_MAX_MESSAGE = 300


# -- public data types -----------------------------------------------------------------------------


def payload_bytes(obj: object) -> bytes:
    """The one serialization hookdev uses for a payload it builds: one line, UTF-8, key order kept.

    Signatures cover bytes, so a message is serialized once, here, and its bytes are stored and sent as
    they are; nothing re-serializes them later.
    """
    return json.dumps(obj, ensure_ascii=False, allow_nan=False).encode("utf-8")


@dataclass(frozen=True)
class EventType:
    """One event type: its JSON Schema (draft 2020-12) and an example payload that validates against it."""

    name: str
    description: str
    schema: dict[str, Any]
    example: dict[str, Any]
    source: str  # the file it came from

    def example_bytes(self) -> bytes:
        """The body a message of this type carries when sent "as the example" (see :func:`payload_bytes`)."""
        return payload_bytes(self.example)

    def summary(self) -> str:
        """The first line of the description, for one-line listings."""
        return self.description.strip().split("\n", 1)[0].strip()

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "schema": self.schema,
            "example": self.example,
            "source": self.source,
        }


@dataclass(frozen=True)
class CatalogIssue:
    """One problem in a catalog or a payload.

    ``path`` is a JSON path (``$.data.scan_count``) into whatever ``subject`` names (the example, the
    schema, or the file itself when ``subject`` is empty); ``file`` is empty for a payload check.
    """

    file: str
    path: str
    message: str
    subject: str = ""  # "example", "schema", "code.scanned example", ... or ""

    def __str__(self) -> str:
        where = " at ".join(part for part in (self.subject, self.path) if part)
        line = ": ".join(part for part in (self.file, where, self.message) if part)
        return " ".join(line.split())  # always one line, whatever a message contained

    def as_dict(self) -> dict[str, str]:
        return {"file": self.file, "path": self.path, "subject": self.subject, "message": self.message}


class CatalogError(Exception):
    """A catalog that cannot be used; ``issues`` lists every problem found, one per line in ``str()``."""

    def __init__(self, issues: Sequence[CatalogIssue]) -> None:
        self.issues = list(issues)
        super().__init__("\n".join(str(i) for i in self.issues))


class UnknownEventType(KeyError):
    """An event type name the catalog does not have; the message suggests close names."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(name)
        self.name = name
        self.message = message

    def __str__(self) -> str:
        return self.message


@dataclass
class Catalog:
    """The event types of a catalog by name, and where the catalog came from."""

    types: dict[str, EventType]
    source: str  # SAMPLE_SOURCE or the path it was loaded from

    def get(self, name: str) -> EventType:
        try:
            return self.types[name]
        except KeyError:
            raise UnknownEventType(name, self._unknown_message(name)) from None

    def names(self) -> list[str]:
        return sorted(self.types)

    def __contains__(self, name: object) -> bool:
        return name in self.types

    def __len__(self) -> int:
        return len(self.types)

    def __iter__(self) -> Iterator[EventType]:
        return (self.types[n] for n in self.names())

    def _unknown_message(self, name: str) -> str:
        names = self.names()
        close = _close_names(name, names)
        head = f"unknown event type {name!r} in {self.source_label()}"
        if close:
            return f"{head}; did you mean {', '.join(close)}?"
        if not names:
            return f"{head}, which has no event types"
        shown = ", ".join(names[:10]) + (", ..." if len(names) > 10 else "")
        return f"{head}; known types: {shown}"

    def source_label(self) -> str:
        return "the bundled sample catalog" if self.source == SAMPLE_SOURCE else f"catalog {self.source}"


def _close_names(name: str, names: list[str]) -> list[str]:
    """Names a typo probably meant (the best few by similarity), then names that ``name`` begins."""
    scored = sorted(((difflib.SequenceMatcher(None, name, n).ratio(), n) for n in names), reverse=True)
    best = scored[0][0] if scored else 0.0
    close = [n for score, n in scored[:3] if score >= 0.6 and score >= best - 0.05]
    return close + [n for n in names if n.startswith(name) and n not in close][: max(0, 5 - len(close))]


# -- public functions ------------------------------------------------------------------------------


def load_catalog(path: str | os.PathLike[str] | None = None) -> Catalog:
    """Load the bundled sample (``None``), a directory, an OpenAPI 3.1 document or an event-type file.

    Raises :class:`CatalogError` listing every problem; never returns a partly valid catalog.
    """
    issues = _Issues()
    if path is None:
        found = _load_directory(_sample_dir(), None, issues)
        source = SAMPLE_SOURCE
    else:
        source = os.fspath(path)
        p = Path(source).expanduser()
        try:
            is_dir, is_file = p.is_dir(), p.is_file()
        except (OSError, ValueError) as e:  # a permission problem on a parent, a NUL in the name
            raise CatalogError([CatalogIssue(source, "", f"cannot open: {e}")]) from None
        if is_dir:
            found = _load_directory(p, source, issues)
        elif is_file:
            found = _load_file(p, source, issues)
        else:
            raise CatalogError([CatalogIssue(source, "", "no such file or directory")])
    if issues:
        raise CatalogError(issues)
    return Catalog({et.name: et for et in sorted(found, key=lambda et: et.name)}, source)


def validate_catalog(path: str | os.PathLike[str] | None = None) -> list[CatalogIssue]:
    """Every problem :func:`load_catalog` would raise for ``path``; an empty list means it loads."""
    try:
        load_catalog(path)
    except CatalogError as e:
        return e.issues
    return []


def validate_payload(event_type: EventType, data: object) -> list[CatalogIssue]:
    """Check a whole payload (``{"type", "timestamp", "data"}`` for the sample) against its type's schema."""
    return _schema_errors(event_type.schema, data, file="", subject="")


def parse_data(text: str) -> object:
    """Parse JSON text the user typed or piped in; ``ValueError`` says where it went wrong.

    Non-standard constants (``NaN``, ``Infinity``) are refused: they would make a body other JSON parsers
    reject.
    """
    return _parse_json(text)


def json_path(parts: Iterable[str | int]) -> str:
    """``["data", "tags", 0]`` -> ``$.data.tags[0]``; keys that are not identifiers are quoted."""
    out = "$"
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _IDENTIFIER.match(part):
            out += f".{part}"
        else:
            out += "['" + part.replace("\\", "\\\\").replace("'", "\\'") + "']"
    return out


# -- parsing ---------------------------------------------------------------------------------------

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_JSON_CONSTANTS = re.compile(r"-?(?:NaN|Infinity)")


class _NonStandardConstant(Exception):
    pass


def _refuse_constant(name: str) -> object:
    raise _NonStandardConstant(name)


def _line_col(text: str, pos: int) -> tuple[int, int]:
    line = text.count("\n", 0, pos) + 1
    return line, pos - (text.rfind("\n", 0, pos) + 1) + 1


def _constant_position(text: str) -> int:
    """Offset of the first NaN/Infinity outside a string (the json module does not report it)."""
    in_string = escaped = False
    for i, ch in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif _JSON_CONSTANTS.match(text, i):
            return i
    return 0


def _parse_json(text: str) -> object:
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as e:
        raise ValueError(f"invalid JSON at line {e.lineno} column {e.colno}: {e.msg}") from None
    except _NonStandardConstant as e:
        line, col = _line_col(text, _constant_position(text))
        raise ValueError(f"invalid JSON at line {line} column {col}: {e} is not allowed in JSON") from None
    except RecursionError:
        raise ValueError("invalid JSON: nested too deeply") from None


class _YamlLoader(yaml.SafeLoader):
    """SafeLoader that keeps timestamps as strings: a schema's ``format: date-time`` wants a string."""


_YamlLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _parse_yaml(text: str) -> object:
    try:
        return yaml.load(text, Loader=_YamlLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark else ""
        problem = e.problem or e.context or "cannot parse"
        context = f" ({e.context})" if e.context and e.problem else ""
        raise ValueError(f"invalid YAML{where}: {problem}{context}") from None
    except yaml.YAMLError as e:
        raise ValueError(f"invalid YAML: {e}") from None
    except RecursionError:
        raise ValueError("invalid YAML: nested too deeply") from None


class _NotJson(Exception):
    def __init__(self, path: list[str | int], message: str) -> None:
        super().__init__(message)
        self.path = path


def _jsonable(value: object) -> object:
    """YAML can hold things JSON cannot (dates, binary, sets, NaN, recursive aliases): refuse them.

    Scalar keys become strings (``200:`` in OpenAPI responses is an int to YAML).
    """
    budget = [_MAX_NODES]

    def walk(v: object, path: list[str | int], active: set[int]) -> object:
        budget[0] -= 1
        if budget[0] < 0:
            raise _NotJson(path, "document too large (more than 1,000,000 values after expanding aliases)")
        if v is None or isinstance(v, bool | int | str):
            return v
        if isinstance(v, float):
            if v != v or v in (float("inf"), float("-inf")):
                raise _NotJson(path, f"{v} is not a JSON number")
            return v
        if isinstance(v, list | dict):
            if id(v) in active:
                raise _NotJson(path, "recursive YAML alias")
            active.add(id(v))
            try:
                if isinstance(v, list):
                    return [walk(x, [*path, i], active) for i, x in enumerate(v)]
                out: dict[str, object] = {}
                for k, x in v.items():
                    key = _json_key(k, path)
                    out[key] = walk(x, [*path, key], active)
                return out
            finally:
                active.discard(id(v))
        raise _NotJson(path, f"a YAML {type(v).__name__} value is not JSON (quote it to make it a string)")

    return walk(value, [], set())


def _json_key(k: object, path: list[str | int]) -> str:
    if isinstance(k, str):
        return k
    if isinstance(k, bool) or k is None:
        return json.dumps(k)
    if isinstance(k, int | float) and k == k and k not in (float("inf"), float("-inf")):
        return str(k)
    raise _NotJson(path, f"a YAML {type(k).__name__} key is not a JSON object key")


def _read_document(file: _File, label: str, issues: _Issues) -> tuple[bool, object]:
    """Read and parse one file by its extension (unknown extensions: JSON, else YAML)."""
    try:
        raw = file.read_bytes()
    except OSError as e:
        issues.append(CatalogIssue(label, "", f"cannot read: {e.strerror or e}"))
        return False, None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        issues.append(CatalogIssue(label, "", f"not UTF-8 text (byte {e.start})"))
        return False, None
    suffix = file.name.lower().rsplit(".", 1)[-1] if "." in file.name else ""
    try:
        if suffix == "json":
            doc = _parse_json(text)
        elif suffix in ("yaml", "yml"):
            doc = _parse_yaml(text)
        else:
            try:
                doc = _parse_json(text)
            except ValueError:
                doc = _parse_yaml(text)
        doc = _jsonable(doc)
    except ValueError as e:
        issues.append(CatalogIssue(label, "", str(e)))
        return False, None
    except _NotJson as e:
        issues.append(CatalogIssue(label, json_path(e.path), str(e)))
        return False, None
    except RecursionError:
        issues.append(CatalogIssue(label, "", "nested too deeply"))
        return False, None
    if doc is None:
        issues.append(CatalogIssue(label, "", "the file is empty"))
        return False, None
    return True, doc


class _Issues(list[CatalogIssue]):
    """The problems found so far, and where each event type name was first seen (to report duplicates)."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: dict[str, str] = {}


# -- loading ---------------------------------------------------------------------------------------


class _File(Protocol):
    """What both ``pathlib.Path`` and an ``importlib.resources`` Traversable offer."""

    @property
    def name(self) -> str: ...

    def read_bytes(self) -> bytes: ...


def _sample_dir() -> Traversable:
    return resources.files("hookdev").joinpath("sample_catalog")


def _load_directory(directory: Path | Traversable, label: str | None, issues: _Issues) -> list[EventType]:
    """Every event type in the directory's catalog files, in file name order (not recursive)."""
    shown = label if label is not None else str(directory)
    try:
        files = sorted(
            (
                f
                for f in directory.iterdir()
                if f.name.lower().endswith(EXTENSIONS) and not f.name.startswith(".")
            ),
            key=lambda f: f.name,
        )
        files = [f for f in files if f.is_file()]
    except OSError as e:
        issues.append(CatalogIssue(shown, "", f"cannot list the directory: {e.strerror or e}"))
        return []
    if not files:
        issues.append(
            CatalogIssue(shown, "", "no event type files (*.json, *.yaml, *.yml) in this directory")
        )
        return []
    found: list[EventType] = []
    for f in files:
        found += _load_file(f, str(f) if label is None else os.path.join(label, f.name), issues)
    return found


def _load_file(file: _File, label: str, issues: _Issues) -> list[EventType]:
    ok, doc = _read_document(file, label, issues)
    if not ok:
        return []
    if isinstance(doc, dict) and "openapi" in doc:
        return _from_openapi(doc, label, issues)
    if isinstance(doc, dict):
        return [et for et in [_from_entry(doc, label, "", False, issues)] if et]
    if isinstance(doc, list):
        if not doc:
            issues.append(CatalogIssue(label, "", "the list of event types is empty"))
        found = []
        for i, entry in enumerate(doc):
            et = _from_entry(entry, label, f"$[{i}]", True, issues)
            if et:
                found.append(et)
        return found
    issues.append(
        CatalogIssue(
            label,
            "",
            "expected an event type object, a list of them, or an OpenAPI document with webhooks; "
            f"found {_json_type(doc)}",
        )
    )
    return []


def _from_entry(entry: object, file: str, where: str, multi: bool, issues: _Issues) -> EventType | None:
    """An event type from a ``{name, description, schema, example}`` object; ``where`` is its path."""
    if not isinstance(entry, dict):
        issues.append(CatalogIssue(file, where, f"expected an event type object, found {_json_type(entry)}"))
        return None
    missing = [k for k in ("name", "schema", "example") if k not in entry]
    if missing:
        fields = ", ".join(repr(k) for k in missing)
        plural = "s" if len(missing) > 1 else ""
        named = f" (event type {entry['name']!r})" if isinstance(entry.get("name"), str) else ""
        issues.append(CatalogIssue(file, where, f"missing required field{plural} {fields}{named}"))
        return None
    description = entry.get("description", "")
    if description is None:
        description = ""
    if not isinstance(description, str):
        path = (where or "$") + ".description"
        issues.append(
            CatalogIssue(file, path, f"description must be a string, not {_json_type(description)}")
        )
        return None
    return _make_event_type(
        entry["name"], description, entry["schema"], entry["example"], file, where, multi, issues
    )


def _make_event_type(
    name: object,
    description: str,
    schema: object,
    example: object,
    file: str,
    where: str,
    multi: bool,
    issues: _Issues,
) -> EventType | None:
    """Check a candidate's name, schema and example; collect problems, return it only when all is well."""
    before = len(issues)
    if not isinstance(name, str):
        issues.append(
            CatalogIssue(file, (where or "$") + ".name", f"name must be a string, not {_json_type(name)}")
        )
        return None
    if not NAME_PATTERN.match(name):
        issues.append(
            CatalogIssue(
                file,
                where,
                f"invalid event type name {name!r}: use 1 to 256 letters, digits, '.', '_' or '-'",
            )
        )
    if name in issues.seen:
        issues.append(
            CatalogIssue(file, where, f"duplicate event type {name!r} (first defined in {issues.seen[name]})")
        )
    else:
        issues.seen[name] = file
    prefix = f"{name} " if multi else ""
    if not isinstance(schema, dict):
        issues.append(
            CatalogIssue(file, "", f"must be a JSON object, not {_json_type(schema)}", f"{prefix}schema")
        )
        return None
    if not isinstance(example, dict):
        message = f"must be a JSON object, not {_json_type(example)}"
        issues.append(CatalogIssue(file, "", message, f"{prefix}example"))
        return None
    schema_issue = _schema_problem(schema)
    if schema_issue is not None:
        path, message = schema_issue
        issues.append(CatalogIssue(file, path, message, f"{prefix}schema"))
        return None
    issues += _schema_errors(schema, example, file=file, subject=f"{prefix}example")
    if len(issues) > before:
        return None
    return EventType(name=name, description=description, schema=schema, example=example, source=file)


# -- JSON Schema -----------------------------------------------------------------------------------


def _schema_problem(schema: dict[str, Any]) -> tuple[str, str] | None:
    """Why ``schema`` is not a valid draft 2020-12 schema (path inside it, message), or None."""
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as e:
        return json_path(e.absolute_path), _shorten(e.message)
    except (OverflowError, RecursionError, ValueError, TypeError) as e:  # e.g. a pattern 're' cannot compile
        return "", _shorten(f"invalid schema: {e}")
    return None


def _schema_errors(
    schema: dict[str, Any], instance: object, *, file: str, subject: str
) -> list[CatalogIssue]:
    """Every way ``instance`` fails ``schema``, each with its JSON path; sorted by path, then message."""
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    try:
        errors = list(validator.iter_errors(instance))
    except RecursionError:
        return [CatalogIssue(file, "", "cannot validate: the schema's $refs loop without end", subject)]
    except Exception as e:  # noqa: BLE001 - unresolvable $ref, a pattern Python's re rejects, ...
        message = str(e).split("\n", 1)[0]
        return [CatalogIssue(file, "", _shorten(f"cannot validate: {message}"), subject)]
    found: dict[tuple[str, str], CatalogIssue] = {}
    for error in errors:
        best: ValidationError = best_match([error]) or error
        issue = CatalogIssue(file, json_path(best.absolute_path), _shorten(best.message), subject)
        found.setdefault((issue.path, issue.message), issue)
    return [found[k] for k in sorted(found)]


def _shorten(message: str) -> str:
    message = " ".join(message.split())
    return message if len(message) <= _MAX_MESSAGE else message[: _MAX_MESSAGE - 3] + "..."


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


# -- OpenAPI 3.1 webhooks --------------------------------------------------------------------------


class _RefError(Exception):
    pass


# Keywords whose value is a schema, a list of schemas, or a map of schemas. Everything else in a schema
# (example, const, enum, default, discriminator, ...) is data and is copied untouched.
_SCHEMA_VALUED = {
    "items", "additionalProperties", "not", "if", "then", "else", "contains", "propertyNames",
    "unevaluatedItems", "unevaluatedProperties", "additionalItems", "contentSchema",
}  # fmt: skip
_SCHEMA_LISTS = {"allOf", "anyOf", "oneOf", "prefixItems"}
_SCHEMA_MAPS = {"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"}


class _Resolver:
    """Resolves local ``$ref`` s of an OpenAPI document into self-contained JSON Schemas.

    References are inlined, so ``catalog show`` prints the whole shape; a reference that leads back into
    itself (a tree, a linked list) cannot be inlined and becomes ``#/$defs/<Name>`` instead.
    """

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self.budget = _MAX_NODES  # shared by every webhook of the document
        self.defs: dict[str, Any] = {}  # the current schema's recursive references, by $defs name
        self.def_names: dict[str, str] = {}  # ref -> $defs name
        self.taken: set[str] = set()  # $defs names the schema already uses itself

    def pointer(self, ref: str) -> Any:
        if not ref.startswith("#"):
            raise _RefError(f"only local $refs (#/...) are supported, not {ref!r}")
        from urllib.parse import unquote

        node: Any = self.doc
        fragment = unquote(ref[1:])
        if fragment and not fragment.startswith("/"):
            raise _RefError(f"cannot resolve $ref {ref!r}: not a JSON pointer")
        for token in fragment.split("/")[1:] if fragment else []:
            token = token.replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and token in node:
                node = node[token]
            elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
            else:
                raise _RefError(f"cannot resolve $ref {ref!r}: {token!r} not found")
        return node

    def follow(self, node: Any) -> Any:
        """Follow a chain of Reference Objects (``{"$ref": ...}``) to the object they name."""
        seen: set[str] = set()
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            if ref in seen:
                raise _RefError(f"$ref {ref!r} refers to itself")
            seen.add(ref)
            node = self.pointer(ref)
        return node

    def schema(self, node: Any) -> Any:
        """``node`` as a self-contained schema: references inlined, recursive ones under ``$defs``."""
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

    def _schema(self, node: Any, stack: tuple[str, ...]) -> Any:
        self.budget -= 1
        if self.budget < 0:
            raise _RefError("the schema is too large once its $refs are inlined")
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
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

    def _keywords(self, node: dict[str, Any], stack: tuple[str, ...]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key in _SCHEMA_VALUED:
                out[key] = self._schema(value, stack)
            elif key in _SCHEMA_LISTS and isinstance(value, list):
                out[key] = [self._schema(v, stack) for v in value]
            elif key in _SCHEMA_MAPS and isinstance(value, dict):
                out[key] = {k: self._schema(v, stack) for k, v in value.items()}
            else:
                out[key] = value
        return out


def _openapi_version_ok(version: object) -> bool:
    match = re.match(r"^(\d+)\.(\d+)", version) if isinstance(version, str) else None
    return match is not None and (int(match[1]), int(match[2])) >= (3, 1)


def _from_openapi(doc: dict[str, Any], file: str, issues: _Issues) -> list[EventType]:
    """Event types from an OpenAPI document's ``webhooks``: one per key, named by the key."""
    if not _openapi_version_ok(doc.get("openapi")):
        issues.append(
            CatalogIssue(
                file, "$.openapi", f"webhooks need OpenAPI 3.1 or later (found {doc.get('openapi')!r})"
            )
        )
        return []
    webhooks = doc.get("webhooks")
    if webhooks is None:
        issues.append(CatalogIssue(file, "", "the OpenAPI document has no webhooks section"))
        return []
    if not isinstance(webhooks, dict):
        issues.append(CatalogIssue(file, "$.webhooks", f"must be an object, not {_json_type(webhooks)}"))
        return []
    if not webhooks:
        issues.append(CatalogIssue(file, "$.webhooks", "the OpenAPI document defines no webhooks"))
    resolver = _Resolver(doc)
    found: list[EventType] = []
    for key, item in webhooks.items():
        where = json_path(["webhooks", key])
        try:
            parts = _webhook_parts(resolver, item, where)
        except _RefError as e:
            issues.append(CatalogIssue(file, e.args[1] if len(e.args) > 1 else where, str(e.args[0])))
            continue
        except RecursionError:
            issues.append(CatalogIssue(file, where, "nested too deeply"))
            continue
        description, schema, example = parts
        et = _make_event_type(key, description, schema, example, file, where, True, issues)
        if et:
            found.append(et)
    return found


def _webhook_parts(resolver: _Resolver, item: Any, where: str) -> tuple[str, Any, Any]:
    """(description, schema, example) of one webhook's POST operation; ``_RefError(message, path)``."""
    item = resolver.follow(item)
    if not isinstance(item, dict):
        raise _RefError(f"expected a Path Item object, found {_json_type(item)}", where)
    op = item.get("post")
    if not isinstance(op, dict):
        raise _RefError("no post operation", where)
    where += ".post"
    description = ""
    for holder in (op, item):
        for key in ("summary", "description"):
            if isinstance(holder.get(key), str) and holder[key].strip() and not description:
                description = holder[key].strip()
    body = resolver.follow(op.get("requestBody"))
    if not isinstance(body, dict):
        raise _RefError("no requestBody", where)
    where += ".requestBody"
    content = body.get("content")
    if not isinstance(content, dict):
        raise _RefError("no content", where)
    media_type = "application/json" if "application/json" in content else None
    media_type = media_type or next((k for k in content if "json" in str(k).lower()), None)
    if media_type is None:
        raise _RefError("no application/json content", where + ".content")
    media = content[media_type]
    where += json_path(["content", media_type])[1:]
    if not isinstance(media, dict) or "schema" not in media:
        raise _RefError("no schema", where)
    schema = resolver.schema(media["schema"])
    return description, schema, _webhook_example(resolver, media, schema, where)


def _webhook_example(resolver: _Resolver, media: dict[str, Any], schema: Any, where: str) -> Any:
    """The media type's ``example``, else its first ``examples`` value, else the schema's own example."""
    if "example" in media:
        return media["example"]
    examples = media.get("examples")
    if isinstance(examples, dict) and examples:
        first_key = next(iter(examples))
        first = resolver.follow(examples[first_key])
        if isinstance(first, dict) and "value" in first:
            return first["value"]
        if isinstance(first, dict) and "externalValue" in first:
            raise _RefError("externalValue examples are not supported; inline the value", where)
        raise _RefError("an example without a value", where + json_path(["examples", first_key])[1:])
    if isinstance(schema, dict):
        if "example" in schema:
            return schema["example"]
        if isinstance(schema.get("examples"), list) and schema["examples"]:
            return schema["examples"][0]
    raise _RefError("no example (give the media type an example or examples, or the schema examples)", where)
