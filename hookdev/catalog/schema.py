"""JSON Schema (draft 2020-12): is a schema usable, and every way an instance fails it, with JSON paths.

jsonschema is imported on first use, never at module import, and without the one piece of its
``format-nongpl`` extra that is slow to import: ``rfc3987_syntax`` builds a grammar at import time
(about 1.3 s), and jsonschema only uses it for the ``iri`` and ``iri-reference`` formats. Those two are
checked lazily (the grammar is built the first time an ``iri`` value is checked); ``date-time``, ``uri``,
``email``, ``uuid`` and the rest are checked as usual.

Messages quote values as JSON (``null``, ``"x"``), not as Python reprs.
"""

from __future__ import annotations

import re
import sys
from functools import cache
from typing import TYPE_CHECKING, Any

from hookdev.catalog.model import CatalogIssue, EventType, json_path, quote, shorten

if TYPE_CHECKING:
    from jsonschema import FormatChecker
    from jsonschema.protocols import Validator


def _import_jsonschema() -> None:
    """Import jsonschema with ``rfc3987_syntax`` hidden, unless something imported it already."""
    if "jsonschema" in sys.modules:
        return
    hide = "rfc3987_syntax" not in sys.modules
    if hide:
        sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]  # makes its import fail fast
    try:
        import jsonschema  # noqa: F401
    finally:
        if hide and sys.modules.get("rfc3987_syntax", 0) is None:
            del sys.modules["rfc3987_syntax"]


def _lazy_iri(rule: str) -> Any:
    def check(instance: object) -> bool:
        if not isinstance(instance, str):
            return True
        from rfc3987_syntax import is_valid_syntax  # type: ignore[import-untyped]  # slow: paid only here

        return bool(is_valid_syntax(rule, instance))

    return check


@cache
def format_checker() -> FormatChecker:
    """Draft 2020-12's format checker, with ``iri``/``iri-reference`` checked lazily."""
    _import_jsonschema()
    from jsonschema import Draft202012Validator, FormatChecker

    checker = FormatChecker(formats=())
    checker.checkers = dict(Draft202012Validator.FORMAT_CHECKER.checkers)
    if "iri" not in checker.checkers:
        try:
            import importlib.util

            available = importlib.util.find_spec("rfc3987_syntax") is not None
        except (ImportError, ValueError):
            available = False
        if available:
            checker.checkers["iri"] = (_lazy_iri("iri"), ValueError)
            checker.checkers["iri-reference"] = (_lazy_iri("iri_reference"), ValueError)
    return checker


def validator(schema: dict[str, Any]) -> Validator:
    """A draft 2020-12 validator for ``schema`` with format checking on."""
    _import_jsonschema()
    from jsonschema import Draft202012Validator

    return Draft202012Validator(schema, format_checker=format_checker())


def schema_problem(schema: dict[str, Any]) -> tuple[str, str] | None:
    """Why ``schema`` is not a valid draft 2020-12 schema (path inside it, message), or None."""
    _import_jsonschema()
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as e:
        return json_path(e.absolute_path), shorten(message_of(e))
    except (OverflowError, RecursionError, ValueError, TypeError) as e:  # e.g. a pattern 're' cannot compile
        return "", shorten(f"invalid schema: {e}")
    return None


def schema_errors(schema: dict[str, Any], instance: object, *, file: str, subject: str) -> list[CatalogIssue]:
    """Every way ``instance`` fails ``schema``, each with its JSON path; sorted by path, then message."""
    _import_jsonschema()
    from jsonschema.exceptions import ValidationError, best_match

    v = validator(schema)
    try:
        errors = list(v.iter_errors(instance))  # type: ignore[arg-type]
    except RecursionError:
        return [CatalogIssue(file, "", "cannot validate: the schema's $refs loop without end", subject)]
    except Exception as e:  # noqa: BLE001 - unresolvable $ref, a pattern Python's re rejects, ...
        message = str(e).split("\n", 1)[0]
        return [CatalogIssue(file, "", shorten(f"cannot validate: {message}"), subject)]
    found: dict[tuple[str, str], CatalogIssue] = {}
    for error in errors:
        best: ValidationError = best_match([error]) or error
        issue = CatalogIssue(file, json_path(best.absolute_path), shorten(message_of(best)), subject)
        found.setdefault((issue.path, issue.message), issue)
    return [found[k] for k in sorted(found)]


def is_valid(schema: dict[str, Any], instance: object) -> bool:
    try:
        return bool(validator(schema).is_valid(instance))  # type: ignore[arg-type]
    except Exception:  # noqa: BLE001 - a schema that cannot be used validates nothing
        return False


def validate_payload(event_type: EventType, data: object) -> list[CatalogIssue]:
    """Check a whole payload (``{"type", "timestamp", "data"}`` for the sample) against its type's schema."""
    if event_type.problem is not None:
        return [CatalogIssue("", "", f"cannot validate: {event_type.problem.brief()}")]
    return schema_errors(event_type.schema, data, file="", subject="")


_PY_STRING = re.compile(r"""(?<![\w"])'((?:[^'\\]|\\.)*)'(?!\w)""")
_PY_CONSTANT = re.compile(r"(?<![\w\"'])(None|True|False)(?![\w\"'])")
_CONSTANTS = {"None": "null", "True": "true", "False": "false"}


def message_of(error: Any) -> str:
    """jsonschema's message with values quoted as JSON: ``"x" is not of type "integer"``, ``null``."""
    message = str(error.message)
    instance = error.instance
    r = repr(instance)
    if r in message and not isinstance(instance, bool | int | float) or instance is None:
        message = message.replace(r, "\0", 1)
    else:
        r = ""
    message = _PY_STRING.sub(lambda m: quote(_unrepr(m.group(1))), message)
    message = _PY_CONSTANT.sub(lambda m: _CONSTANTS[m.group(1)], message)
    return message.replace("\0", quote(instance)) if r else message


def _unrepr(body: str) -> str:
    return body.replace("\\'", "'").replace("\\\\", "\\")
