"""What a catalog is made of: event types, the problems found while loading them, and the catalog itself.

A :class:`Catalog` is built per type: every event type a document names is in it, each in one of three
states (see :attr:`EventType.status`):

- ``ok``: its schema is usable and its own example validates;
- ``synthesized``: its schema is usable but its example was missing or invalid, so an example was
  synthesised from the schema (``notes`` says why);
- ``unusable``: its schema cannot be used (a dangling ``$ref``, an invalid schema); ``problem`` says why.
  It can still be sent with ``--data ... --no-validate``.

Big documents are indexed cheaply and each type is *materialised* (schema resolved and checked, example
validated or synthesised) only when it is asked for, so ``catalog list`` on a 255-type document does not
pay for 255 schema checks.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

SAMPLE_SOURCE = "bundled sample"
NAME_PATTERN = re.compile(r"^[A-Za-z0-9_.\-]{1,256}$")  # what Svix accepts for event type names
MAX_MESSAGE = 300

Status = Literal["ok", "synthesized", "unusable"]


def payload_bytes(obj: object) -> bytes:
    """The one serialization hookdev uses for a payload it builds: one line, UTF-8, key order kept.

    Signatures cover bytes, so a message is serialized once, here, and its bytes are stored and sent as
    they are; nothing re-serializes them later.
    """
    return json.dumps(obj, ensure_ascii=False, allow_nan=False).encode("utf-8")


_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


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


def walk_pointer(doc: Any, pointer: str) -> Any:
    """The node a JSON Pointer (RFC 6901: ``/a/b~1c/0``; ``""`` is the whole document) names in ``doc``.

    Raises KeyError with the first token that leads nowhere."""
    node = doc
    for token in pointer.split("/")[1:] if pointer else []:
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            raise KeyError(token)
    return node


def quote(value: object) -> str:
    """A value as it appears in messages: JSON (``null``, ``"x"``, ``[1, 2]``), shortened when long."""
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except (ValueError, TypeError, RecursionError):
        text = str(value)
    return text if len(text) <= 80 else text[:77] + "..."


def json_type(value: object) -> str:
    """``a string``, ``an object``, ``null``: a JSON value's kind, for messages."""
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


def shorten(message: str) -> str:
    message = " ".join(message.split())
    return message if len(message) <= MAX_MESSAGE else message[: MAX_MESSAGE - 3] + "..."


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

    def brief(self) -> str:
        """The issue without its file: what ``catalog show`` and ``list`` print next to a type."""
        where = " at ".join(part for part in (self.subject, self.path) if part)
        return " ".join(": ".join(part for part in (where, self.message) if part).split())


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


@dataclass(frozen=True)
class EventType:
    """One event type: its JSON Schema (draft 2020-12) and an example payload that validates against it.

    ``example`` is the document's own example when it validates, else one synthesised from the schema
    (``synthesized`` is true and ``notes`` says why); it is None only when the type is unusable or no
    valid example could be made (``problem`` says why). Such a type can still be sent with ``--data``.
    """

    name: str
    description: str
    schema: dict[str, Any]
    example: dict[str, Any] | None
    source: str  # the file it came from
    synthesized: bool = False
    notes: tuple[CatalogIssue, ...] = ()  # why the example was synthesised (missing, or its errors)
    problem: CatalogIssue | None = None  # why the type is unusable (its schema), or None

    @property
    def status(self) -> Status:
        if self.problem is not None:
            return "unusable"
        return "synthesized" if self.synthesized else "ok"

    @property
    def usable(self) -> bool:
        return self.problem is None

    def example_bytes(self) -> bytes:
        """The body a message of this type carries when sent "as the example" (see :func:`payload_bytes`)."""
        if self.example is None:
            raise ValueError(self.no_example_reason())
        return payload_bytes(self.example)

    def no_example_reason(self) -> str:
        why = self.problem.brief() if self.problem else "no example"
        return f"{self.name} has no usable example ({why}): send it with --data"

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
            "status": self.status,
            "synthesized": self.synthesized,
            "notes": [n.brief() for n in self.notes],
            "problem": self.problem.brief() if self.problem else None,
        }


@dataclass(frozen=True)
class TypeInfo:
    """What ``catalog list`` needs about a type, known without materialising it (cheap, and cached)."""

    name: str
    description: str
    source: str
    status: Status = "ok"
    reason: str = ""  # why it is synthesized or unusable, one line

    def summary(self) -> str:
        return self.description.strip().split("\n", 1)[0].strip()

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "source": self.source,
            "status": self.status,
            "reason": self.reason,
        }


@dataclass
class Entry:
    """One type of a catalog: its :class:`TypeInfo`, and how to build the full :class:`EventType`.

    ``build(thorough)``: a thorough build also checks the schema against the draft 2020-12 metaschema,
    which costs up to a second on a big inlined schema; everyday use (list, show, send) relies on
    validation itself to find a schema it cannot use, ``catalog validate`` and strict loading on both.
    """

    info: TypeInfo
    build: Callable[[bool], EventType]
    built: EventType | None = None
    thorough: bool = False
    on_change: Callable[[], object] | None = None  # the info turned out different (the cache re-indexes)

    def event_type(self, thorough: bool = False) -> EventType:
        if self.built is None or (thorough and not self.thorough):
            before = self.info
            self.built = self.build(thorough)
            self.thorough = thorough
            if self.info != before and self.on_change is not None:
                self.on_change()
        return self.built


@dataclass
class Catalog:
    """The event types of a catalog by name, and where the catalog came from.

    ``issues`` are the problems found while indexing (files that do not parse, duplicates, types that
    cannot be used); :meth:`all_issues` materialises every type and adds theirs (what ``validate`` lists).
    """

    entries: dict[str, Entry]
    source: str  # SAMPLE_SOURCE or the path it was loaded from
    issues: list[CatalogIssue] = field(default_factory=list)

    def __post_init__(self) -> None:
        # Catalog({name: EventType}, source) still works: already built types become entries
        for name, value in list(self.entries.items()):
            if isinstance(value, EventType):
                self.entries[name] = Entry(_info(value), _constant(value), value)

    @classmethod
    def of(cls, types: Iterable[EventType], source: str) -> Catalog:
        """A catalog of already built event types (tests, the demo)."""
        return cls({et.name: Entry(_info(et), _constant(et), et) for et in types}, source)

    def get(self, name: str) -> EventType:
        try:
            entry = self.entries[name]
        except KeyError:
            raise UnknownEventType(name, self._unknown_message(name)) from None
        return entry.event_type()

    def info(self, name: str) -> TypeInfo:
        try:
            return self.entries[name].info
        except KeyError:
            raise UnknownEventType(name, self._unknown_message(name)) from None

    @property
    def types(self) -> dict[str, EventType]:
        """Every event type by name (materialises them all)."""
        return {n: self.entries[n].event_type() for n in self.names()}

    def infos(self) -> list[TypeInfo]:
        return [self.entries[n].info for n in self.names()]

    def names(self) -> list[str]:
        return sorted(self.entries)

    def __contains__(self, name: object) -> bool:
        return name in self.entries

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[EventType]:
        return (self.entries[n].event_type() for n in self.names())

    def all_issues(self, progress: Callable[[int, int], object] | None = None) -> list[CatalogIssue]:
        """Every problem: the index's, plus each type's (missing or invalid example, unusable schema).

        ``progress(done, total)`` is called after each type (a big document takes seconds)."""
        out = list(self.issues)
        names = self.names()
        for done, name in enumerate(names, 1):
            et = self.entries[name].event_type(thorough=True)
            if progress is not None:
                progress(done, len(names))
            for issue in (*et.notes, *([et.problem] if et.problem else [])):
                if issue not in out:
                    out.append(issue)
        return sorted(out, key=lambda i: i.file)  # file by file, each in the order found

    def _unknown_message(self, name: str) -> str:
        names = self.names()
        close = _close_names(name, names)
        head = f"unknown event type {quote(name)} in {self.source_label()}"
        if close:
            return f"{head}; did you mean {', '.join(close)}?"
        if not names:
            return f"{head}, which has no event types"
        shown = ", ".join(names[:10]) + (", ..." if len(names) > 10 else "")
        return f"{head}; known types: {shown}"

    def source_label(self) -> str:
        return "the bundled sample catalog" if self.source == SAMPLE_SOURCE else f"catalog {self.source}"


def _constant(et: EventType) -> Callable[[bool], EventType]:
    return lambda thorough: et


def _info(et: EventType) -> TypeInfo:
    reason = et.problem.brief() if et.problem else "; ".join(n.brief() for n in et.notes[:1])
    return TypeInfo(et.name, et.description, et.source, et.status, reason)


info_of = _info


def _close_names(name: str, names: list[str]) -> list[str]:
    """Names a typo probably meant (the best few by similarity), then names that ``name`` begins."""
    scored = sorted(((difflib.SequenceMatcher(None, name, n).ratio(), n) for n in names), reverse=True)
    best = scored[0][0] if scored else 0.0
    close = [n for score, n in scored[:3] if score >= 0.6 and score >= best - 0.05]
    return close + [n for n in names if n.startswith(name) and n not in close][: max(0, 5 - len(close))]
