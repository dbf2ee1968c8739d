"""What a document reader (entries, OpenAPI, AsyncAPI) hands to the loader: one event type, not yet checked."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hookdev.catalog.model import CatalogIssue

MISSING: Any = object()  # "the document gives no example" (None is a JSON value)


@dataclass
class Candidate:
    """An event type as a document describes it.

    ``schema`` is a callable because resolving an OpenAPI schema (inlining its ``$ref`` s) is the costly
    part of loading a big document: it runs when the type is first used. It raises :class:`SchemaUnusable`
    when the schema cannot be resolved. ``problem`` is set when the reader already knows the type cannot
    be used (no post operation, a dangling ``$ref``).
    """

    name: object  # checked by the loader: a string matching NAME_PATTERN
    description: str
    file: str
    where: str  # JSON path of the type in its file ("" for a one-type file)
    schema: Callable[[], Any]
    example: Any = MISSING
    example_where: str = ""  # JSON path of the example, for messages
    problem: CatalogIssue | None = None
    multi: bool = True  # messages name the type ("code.scanned example at ...")
    no_example: str = "no example"  # what ``validate`` says when there is none, with the format's hint
    # the metaschema check of a thorough build, when the reader has a cheaper one than checking the
    # resolved schema (OpenAPI/AsyncAPI: each shared component once per document)
    check: Callable[[Callable[[dict[str, Any]], tuple[str, str] | None]], tuple[str, str] | None] | None = (
        None
    )
    # the schema's top node with its own ``$ref`` s followed, without resolving the rest (cheap): enough
    # to tell, before building, that a type without an example can never have an object payload
    top: Callable[[], Any] | None = None


class SchemaUnusable(Exception):
    """A schema that cannot be resolved; ``path`` is where in the file, ``args[0]`` the reason."""

    def __init__(self, message: str, path: str = "") -> None:
        super().__init__(message)
        self.path = path
