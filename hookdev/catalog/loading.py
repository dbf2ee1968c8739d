"""Loading a catalog per type: every event type a document names loads unless its own schema is unusable.

:func:`load_catalog` tells the three sources apart by looking: the bundled sample (``path=None``), a
directory of ``*.json`` / ``*.yaml`` / ``*.yml`` files (each one event type ``{name, description, schema,
example}`` or a list of them, or an OpenAPI / AsyncAPI document), or one such file.

- A type whose example is missing or does not validate still loads: an example is synthesised from its
  schema (:mod:`hookdev.catalog.synth`) and the type is flagged ``synthesized`` with the reasons.
  ``catalog list`` must say what ``catalog show`` finds, so every type of a small catalog is built when
  it loads. A big document (:data:`EAGER_BYTES` or more, what the workspace cache keeps) builds a type
  without an example only when it is used (resolving and synthesising 255 types takes seconds): until
  then it is listed as synthesised, unless its schema's top shows that no payload can be an object
  (:func:`never_an_object`, exact), which makes it unusable whatever the rest says.
- A type whose schema cannot be used (a dangling ``$ref``, an invalid schema) is in the catalog as
  ``unusable``, with its reason; the others work.
- Problems that are not about one type (a file that does not parse, a duplicate name) are collected in
  :attr:`Catalog.issues`; the types that could be read still load.

``strict=True`` restores all-or-nothing loading: any problem at all raises :class:`CatalogError` listing
every one. :func:`validate_catalog` lists every problem (what ``catalog validate`` prints).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from hookdev.catalog.candidate import MISSING, Candidate, SchemaUnusable
from hookdev.catalog.documents import read_document
from hookdev.catalog.model import (
    NAME_PATTERN,
    SAMPLE_SOURCE,
    Catalog,
    CatalogError,
    CatalogIssue,
    Entry,
    EventType,
    TypeInfo,
    info_of,
    json_type,
    quote,
)

EXTENSIONS = (".json", ".yaml", ".yml")
EAGER_BYTES = 64 * 1024  # a catalog smaller than this builds every type at load (the cache's MIN_SIZE)


def load_catalog(
    path: str | os.PathLike[str] | None = None,
    *,
    strict: bool = False,
    cache_dir: str | os.PathLike[str] | None = None,
) -> Catalog:
    """Load the bundled sample (``None``), a directory, or one catalog file, per type (see the module).

    Raises :class:`CatalogError` when nothing can be loaded (no such file, no event type at all), or
    with ``strict`` when anything is wrong. ``cache_dir`` (the workspace's) keeps big documents parsed.
    """
    issues: list[CatalogIssue] = []
    candidates: list[tuple[Candidate, TypeInfo | None]] = []
    size = [0]
    if path is None:
        candidates = [(c, None) for c in _load_directory(_sample_dir(), None, issues, size)]
        source = SAMPLE_SOURCE
    else:
        source = os.fspath(path)
        p = Path(source).expanduser()
        try:
            is_dir, is_file = p.is_dir(), p.is_file()
        except (OSError, ValueError) as e:  # a permission problem on a parent, a NUL in the name
            raise CatalogError([CatalogIssue(source, "", f"cannot open: {e}")]) from None
        if is_dir:
            candidates = [(c, None) for c in _load_directory(p, source, issues, size)]
        elif is_file:
            return _load_one_file(p, source, strict, cache_dir)
        else:
            raise CatalogError([CatalogIssue(source, "", "no such file or directory")])
    return _finish(Catalog(_entries(candidates, issues, size[0] < EAGER_BYTES), source, issues), strict)


def _load_one_file(p: Path, source: str, strict: bool, cache_dir: str | os.PathLike[str] | None) -> Catalog:
    """One file, through the workspace's cache when it is big (see :mod:`hookdev.catalog.cache`)."""
    from hookdev.catalog import cache

    issues: list[CatalogIssue] = []
    keyed = key_of_file(p)
    hit = cache.lookup(cache_dir, p, keyed[0]) if keyed else None
    if hit is not None:

        def document() -> object:
            """The cached parse, or the file parsed again if the cache entry went away meanwhile."""
            doc = hit.document()
            if doc is None:
                ok, doc = read_document(p, source, [])
                doc = doc if ok else {}
            return doc

        catalog = Catalog(_cached_entries(hit.infos, document, source), source, list(hit.issues))
        _reindex_on_change(catalog, cache_dir, p, keyed[0] if keyed else None)
        return _finish(catalog, strict)
    ok, doc = read_document(_Bytes(p, keyed[1]) if keyed else p, source, issues)
    if not ok:
        return _finish(Catalog({}, source, issues), strict)
    eager = keyed is not None and len(keyed[1]) < EAGER_BYTES
    catalog = Catalog(
        _entries([(c, None) for c in candidates_of(doc, source, issues)], issues, eager), source, issues
    )
    if keyed and catalog.entries:
        cache.store(cache_dir, p, keyed[0], doc, catalog)
        _reindex_on_change(catalog, cache_dir, p, keyed[0])
    return _finish(catalog, strict)


def _reindex_on_change(catalog: Catalog, cache_dir: str | os.PathLike[str] | None, p: Path, key: Any) -> None:
    """A type whose state was guessed for the index (no example: "synthesized") and turns out different
    when built (unusable) is re-indexed, so the next ``catalog list`` shows the truth."""
    if cache_dir is None or key is None:
        return
    from hookdev.catalog import cache

    def refresh() -> None:
        cache.refresh_index(cache_dir, p, key, catalog)

    for entry in catalog.entries.values():
        entry.on_change = refresh


def _cached_entries(infos: list[TypeInfo], document: Callable[[], object], source: str) -> dict[str, Entry]:
    """Entries from a cache index; the document is parsed only when a type is first built."""
    found: dict[str, Candidate] = {}

    def candidate(name: str) -> Candidate:
        if not found:
            for c in candidates_of(document(), source, []):
                if isinstance(c.name, str):
                    found.setdefault(c.name, c)
        if name not in found:  # the file changed under the cache in the same instant: say so, per type
            problem = CatalogIssue(source, "", "changed while in use; run the command again")
            return Candidate(name, "", source, "", dict, problem=problem)
        return found[name]

    def entry(info: TypeInfo) -> Entry:
        def build(thorough: bool) -> EventType:
            et = materialise(candidate(info.name), info.name, thorough)
            made.info = info_of(et)
            return et

        made = Entry(info, build)
        return made

    return {info.name: entry(info) for info in sorted(infos, key=lambda i: i.name)}


def key_of_file(p: Path) -> tuple[Any, bytes] | None:
    from hookdev.catalog.cache import key_of

    return key_of(p)


class _Bytes:
    """A file already read (its bytes were hashed for the cache key): not read twice."""

    def __init__(self, path: Path | Traversable, raw: bytes) -> None:
        self.name = path.name
        self._raw = raw

    def read_bytes(self) -> bytes:
        return self._raw


def _finish(catalog: Catalog, strict: bool) -> Catalog:
    if strict:
        problems = catalog.all_issues()
        if problems:
            raise CatalogError(problems)
    elif not catalog.entries and catalog.issues:
        raise CatalogError(catalog.issues)
    return catalog


def validate_catalog(path: str | os.PathLike[str] | None = None) -> list[CatalogIssue]:
    """Every problem in the catalog at ``path`` (parse errors, unusable schemas, missing or invalid
    examples, duplicates); an empty list means it loads strictly."""
    try:
        return load_catalog(path).all_issues()
    except CatalogError as e:
        return e.issues


# -- turning candidates into entries ---------------------------------------------------------------


def _entries(
    found: Iterable[tuple[Candidate, TypeInfo | None]], issues: list[CatalogIssue], eager: bool
) -> dict[str, Entry]:
    entries: dict[str, Entry] = {}
    seen: dict[str, str] = {}
    for c, known in found:
        name = c.name
        if not isinstance(name, str):
            path = (c.where or "$") + ".name"
            issues.append(CatalogIssue(c.file, path, f"name must be a string, not {json_type(name)}"))
            continue
        if not NAME_PATTERN.match(name):
            message = f"invalid event type name {quote(name)}: use 1 to 256 letters, digits, '.', '_' or '-'"
            issues.append(CatalogIssue(c.file, c.where, message))
            continue
        if name in seen:
            message = f"duplicate event type {quote(name)} (first defined in {seen[name]})"
            issues.append(CatalogIssue(c.file, c.where, message))
            continue
        seen[name] = c.file
        entries[name] = _entry(c, name, known, eager)
    return {n: entries[n] for n in sorted(entries)}


def _entry(c: Candidate, name: str, known: TypeInfo | None, eager: bool) -> Entry:
    def build(thorough: bool) -> EventType:
        et = materialise(c, name, thorough)
        entry.info = info_of(et)
        return et

    if c.problem is not None:
        et = EventType(name, c.description, {}, None, c.file, problem=c.problem)
        return Entry(info_of(et), lambda thorough: et, et, True)
    if known is not None:
        entry = Entry(known, build)
    elif c.example is MISSING and not eager and not never_an_object(c):
        # a big document: the costly part (resolving, synthesising) waits until the type is used
        entry = Entry(TypeInfo(name, c.description, c.file, "synthesized", "no example"), build)
    else:
        # an example is given (whether it validates decides the flag), the catalog is small, or the
        # type is unusable anyway: build it now, so the list says what ``show`` will
        entry = Entry(TypeInfo(name, c.description, c.file), build)
        entry.event_type()
    return entry


def never_an_object(c: Candidate) -> bool:
    """True when the schema's top alone shows that no valid payload is a JSON object (so the type is
    unusable however its schema resolves): not an object schema at all, or a ``type``, ``const`` or
    ``enum`` that leaves out objects, also through the top's ``allOf`` (one member suffices) and
    ``anyOf``/``oneOf`` (every branch). Cheap: only the top's own ``$ref`` is followed, nested ones
    count as "may be an object". False means "not known yet", never "usable"."""
    if c.top is None:
        return False
    try:
        top = c.top()
    except (SchemaUnusable, RecursionError):
        return True  # its own $ref cannot be followed: resolving the schema fails the same way
    if not isinstance(top, dict):
        return True  # a boolean or a non-schema: no object payload (the top must be an object schema)
    return _excludes_objects(top, 0)


def _excludes_objects(node: object, depth: int) -> bool:
    if node is False:
        return True
    if not isinstance(node, dict) or "$ref" in node or depth > 8:
        return False  # true, a nested reference, or too deep: an object may still be valid
    kind = node.get("type")
    if isinstance(kind, str) and kind != "object":
        return True
    if isinstance(kind, list) and kind and all(isinstance(k, str) for k in kind) and "object" not in kind:
        return True
    if "const" in node and not isinstance(node["const"], dict):
        return True
    enum = node.get("enum")
    if isinstance(enum, list) and not any(isinstance(v, dict) for v in enum):
        return True
    every = node.get("allOf")
    if isinstance(every, list) and any(_excludes_objects(m, depth + 1) for m in every):
        return True
    for key in ("anyOf", "oneOf"):
        branches = node.get(key)
        if isinstance(branches, list) and branches and all(_excludes_objects(b, depth + 1) for b in branches):
            return True
    return False


def materialise(c: Candidate, name: str, thorough: bool = True) -> EventType:
    """Resolve the schema (and with ``thorough``, check it against the metaschema), check the example,
    synthesise one when needed."""
    from hookdev.catalog.openapi import Unusable
    from hookdev.catalog.schema import schema_errors, schema_problem
    from hookdev.catalog.synth import SynthesisError, synthesize

    prefix = f"{name} " if c.multi else ""
    if c.problem is not None:
        return EventType(name, c.description, {}, None, c.file, problem=c.problem)

    def unusable(issue: CatalogIssue, schema: dict[str, Any] | None = None) -> EventType:
        return EventType(name, c.description, schema or {}, None, c.file, problem=issue)

    try:
        schema = c.schema()
    except SchemaUnusable as e:
        return unusable(CatalogIssue(c.file, e.path or c.where, str(e)))
    except RecursionError:
        return unusable(CatalogIssue(c.file, c.where, "nested too deeply"))
    if not isinstance(schema, dict):
        return unusable(
            CatalogIssue(c.file, "", f"must be a JSON object, not {json_type(schema)}", f"{prefix}schema")
        )
    if not thorough:
        problem = None
    elif c.check is not None:
        problem = c.check(schema_problem)
    else:
        problem = schema_problem(schema)
    if problem is not None:
        return unusable(CatalogIssue(c.file, problem[0], problem[1], f"{prefix}schema"))
    example = c.example
    subject = f"{prefix}example"
    if example is MISSING:
        notes = [CatalogIssue(c.file, c.example_where or c.where, c.no_example)]
    elif isinstance(example, Unusable):
        notes = [CatalogIssue(c.file, example.where, example.message)]
    elif not isinstance(example, dict):
        notes = [CatalogIssue(c.file, "", f"must be a JSON object, not {json_type(example)}", subject)]
    else:
        notes = schema_errors(schema, example, file=c.file, subject=subject)
        if notes and notes[0].message.startswith("cannot validate:"):
            return unusable(CatalogIssue(c.file, "", notes[0].message, f"{prefix}schema"), schema)
        if not notes:
            return EventType(name, c.description, schema, example, c.file)
    try:
        made = synthesize(schema)
    except SynthesisError as e:
        return unusable(CatalogIssue(c.file, "", str(e), f"{prefix}schema"), schema)
    may_be_object = isinstance(schema.get("allOf", []), list) and not _excludes_objects(schema, 0)
    if not isinstance(made, dict) and may_be_object:
        # a payload is an object: where the schema also allows one (a oneOf whose first branch is a
        # string, say), make that instead of giving up on the type
        try:
            made = synthesize({**schema, "allOf": [*schema.get("allOf", []), {"type": "object"}]})
        except SynthesisError:
            pass  # none: the type is unusable, as the first attempt says
    if not isinstance(made, dict):
        message = f"a payload must be a JSON object; this schema describes {json_type(made)}"
        return unusable(CatalogIssue(c.file, "", message, f"{prefix}schema"), schema)
    return EventType(name, c.description, schema, made, c.file, synthesized=True, notes=tuple(notes))


# -- directories and files -------------------------------------------------------------------------


def _sample_dir() -> Traversable:
    return resources.files("hookdev").joinpath("sample_catalog")


def _load_directory(
    directory: Path | Traversable, label: str | None, issues: list[CatalogIssue], size: list[int]
) -> list[Candidate]:
    """Every event type in the directory's catalog files, in file name order (not recursive); ``size``
    gets the bytes read added."""
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
    found: list[Candidate] = []
    for f in files:
        shown_file = str(f) if label is None else os.path.join(label, f.name)
        try:
            raw = f.read_bytes()
        except OSError:
            ok, doc = read_document(f, shown_file, issues)  # says why, as one issue
        else:
            size[0] += len(raw)
            ok, doc = read_document(_Bytes(f, raw), shown_file, issues)
        if ok:
            found += candidates_of(doc, shown_file, issues)
    return found


def candidates_of(doc: object, label: str, issues: list[CatalogIssue]) -> list[Candidate]:
    """The event types a parsed document describes (its kind decided by looking at it)."""
    from hookdev.catalog.asyncapi import from_asyncapi, is_asyncapi
    from hookdev.catalog.openapi import from_openapi, is_openapi

    if is_openapi(doc):
        return from_openapi(doc, label, issues)  # type: ignore[arg-type]
    if is_asyncapi(doc):
        return from_asyncapi(doc, label, issues)  # type: ignore[arg-type]
    if isinstance(doc, dict):
        return [c for c in [_from_entry(doc, label, "", False, issues)] if c]
    if isinstance(doc, list):
        if not doc:
            issues.append(CatalogIssue(label, "", "the list of event types is empty"))
        return [c for i, entry in enumerate(doc) if (c := _from_entry(entry, label, f"$[{i}]", True, issues))]
    issues.append(
        CatalogIssue(
            label,
            "",
            "expected an event type object, a list of them, or an OpenAPI or AsyncAPI document; "
            f"found {json_type(doc)}",
        )
    )
    return []


def _from_entry(
    entry: object, file: str, where: str, multi: bool, issues: list[CatalogIssue]
) -> Candidate | None:
    """A candidate from a ``{name, description, schema, example}`` object; ``where`` is its path."""
    if not isinstance(entry, dict):
        issues.append(CatalogIssue(file, where, f"expected an event type object, found {json_type(entry)}"))
        return None
    missing = [k for k in ("name", "schema") if k not in entry]
    if missing:
        fields = ", ".join(quote(k) for k in missing)
        plural = "s" if len(missing) > 1 else ""
        named = f" (event type {quote(entry['name'])})" if isinstance(entry.get("name"), str) else ""
        issues.append(CatalogIssue(file, where, f"missing required field{plural} {fields}{named}"))
        return None
    description = entry.get("description", "")
    if description is None:
        description = ""
    if not isinstance(description, str):
        path = (where or "$") + ".description"
        issues.append(CatalogIssue(file, path, f"description must be a string, not {json_type(description)}"))
        return None
    schema = entry["schema"]
    return Candidate(
        entry["name"],
        description,
        file,
        where,
        lambda: schema,
        entry.get("example", MISSING),
        where,
        multi=multi,
        no_example="no example (give the event type an example)",
        top=lambda: schema,
    )
