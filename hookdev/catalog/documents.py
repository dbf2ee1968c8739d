"""Reading catalog documents: JSON and YAML text into JSON values, with errors that name the line.

YAML can hold things JSON cannot (dates, binary, sets, NaN, recursive aliases): they are refused with the
path where they appear. PyYAML's C loader is used when it is built in (a 7 MB document parses in seconds
instead of tens of seconds).
"""

from __future__ import annotations

import functools
import json
import re
from typing import Protocol

from hookdev.catalog.model import CatalogIssue, json_path

MAX_NODES = 1_000_000  # a YAML alias bomb or a $ref explosion stops here instead of eating memory


class File(Protocol):
    """What both ``pathlib.Path`` and an ``importlib.resources`` Traversable offer."""

    @property
    def name(self) -> str: ...

    def read_bytes(self) -> bytes: ...


def parse_data(text: str) -> object:
    """Parse JSON text the user typed or piped in; ``ValueError`` says where it went wrong.

    Non-standard constants (``NaN``, ``Infinity``) are refused: they would make a body other JSON parsers
    reject.
    """
    return parse_json(text)


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


def parse_json(text: str) -> object:
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as e:
        raise ValueError(f"invalid JSON at line {e.lineno} column {e.colno}: {e.msg}") from None
    except _NonStandardConstant as e:
        line, col = _line_col(text, _constant_position(text))
        raise ValueError(f"invalid JSON at line {line} column {col}: {e} is not allowed in JSON") from None
    except RecursionError:
        raise ValueError("invalid JSON: nested too deeply") from None


_FAST_FROM = 512 * 1024  # characters: hand-written catalogs get the pure-Python loader's clearer errors


@functools.cache
def _yaml_loaders() -> tuple[type, type]:
    """SafeLoader subclasses that keep timestamps as strings (a schema's ``format: date-time`` wants a
    string): the pure-Python one, and the same on libyaml (ten times faster on a big document, its error
    messages say a little less) when PyYAML was built with it. Built on first use: PyYAML costs start-up
    time that JSON catalogs never need."""
    import yaml

    class YamlLoader(yaml.SafeLoader):
        pass

    class FastYamlLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
        pass

    no_timestamps = {
        first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    YamlLoader.yaml_implicit_resolvers = no_timestamps
    FastYamlLoader.yaml_implicit_resolvers = no_timestamps
    return YamlLoader, FastYamlLoader


def parse_yaml(text: str) -> object:
    import yaml

    slow, fast = _yaml_loaders()
    try:
        loader = fast if len(text) >= _FAST_FROM else slow
        return yaml.load(text, Loader=loader)  # noqa: S506 - SafeLoader subclasses
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


def jsonable(value: object) -> object:
    """YAML can hold things JSON cannot (dates, binary, sets, NaN, recursive aliases): refuse them.

    Scalar keys become strings (``200:`` in OpenAPI responses is an int to YAML).
    """
    budget = [MAX_NODES]

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


def read_document(file: File, label: str, issues: list[CatalogIssue]) -> tuple[bool, object]:
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
            doc = parse_json(text)  # JSON is JSON already: string keys, no NaN, no aliases to expand
        elif suffix in ("yaml", "yml"):
            doc = jsonable(parse_yaml(text))
        else:
            try:
                doc = parse_json(text)
            except ValueError:
                doc = jsonable(parse_yaml(text))
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
