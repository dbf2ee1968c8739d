"""The event catalog: which event types exist, what their payloads look like, and an example of each.

A catalog is the bundled sample, a directory of event type files, or one document: an event type file,
an OpenAPI 3.x document's webhooks, or an AsyncAPI 2.x/3.x document's messages. It loads per type (see
:mod:`hookdev.catalog.loading`): a missing or invalid example is synthesised from the schema and flagged,
an unusable schema makes only its own type unusable.

The package, by responsibility:

- :mod:`~hookdev.catalog.model`: event types, issues, the catalog (no I/O);
- :mod:`~hookdev.catalog.documents`: JSON / YAML text into JSON values, errors with their line;
- :mod:`~hookdev.catalog.loading`: files and directories into a catalog, per type, ``strict`` or not;
- :mod:`~hookdev.catalog.schema`: JSON Schema checks, jsonschema imported lazily;
- :mod:`~hookdev.catalog.resolve`, :mod:`~hookdev.catalog.openapi`, :mod:`~hookdev.catalog.asyncapi`:
  the two API description formats;
- :mod:`~hookdev.catalog.synth`: examples from schemas (readable and fixed, or varied by a seed);
- :mod:`~hookdev.catalog.overrides`: ``--set`` / ``--unset`` on a payload;
- :mod:`~hookdev.catalog.cache`: big documents parsed once per workspace;
- :mod:`~hookdev.catalog.lookup`: which catalog a command uses (one rule for the CLI, the engine, the TUI).

Nothing here imports jsonschema until a schema is checked.
"""

from __future__ import annotations

from hookdev.catalog.documents import parse_data
from hookdev.catalog.loading import EXTENSIONS, load_catalog, validate_catalog
from hookdev.catalog.model import (
    NAME_PATTERN,
    SAMPLE_SOURCE,
    Catalog,
    CatalogError,
    CatalogIssue,
    EventType,
    TypeInfo,
    UnknownEventType,
    json_path,
    payload_bytes,
)
from hookdev.catalog.overrides import Override, OverrideError, apply_overrides, parse_override
from hookdev.catalog.schema import validate_payload
from hookdev.catalog.synth import SynthesisError, synthesize

__all__ = [
    "EXTENSIONS",
    "NAME_PATTERN",
    "SAMPLE_SOURCE",
    "Catalog",
    "CatalogError",
    "CatalogIssue",
    "EventType",
    "Override",
    "OverrideError",
    "SynthesisError",
    "TypeInfo",
    "UnknownEventType",
    "apply_overrides",
    "json_path",
    "load_catalog",
    "parse_data",
    "parse_override",
    "payload_bytes",
    "synthesize",
    "validate_catalog",
    "validate_payload",
]
