"""Examples from schemas: a readable, deterministic instance of a JSON Schema, or a varied one.

:func:`synthesize` walks the schema and builds a value a person can read: ``"user@example.com"`` for an
email, ``"2025-01-01T12:00:00Z"`` for a date-time, ``"org_abcdefghijklmnopqrstuvwxyz0"`` for
``^org_[A-Za-z0-9]{27}$``, the first enum value, required properties plus the optional ones near the top.
It follows ``$ref`` s (a recursive one stops at its first repetition), merges ``allOf``, picks the first
``oneOf``/``anyOf`` branch that makes the whole schema valid, and prefers a non-null type over ``null``.

With a ``seed`` it makes a *varied* instance instead (``send --vary``): fresh ids, timestamps, numbers and
enum choices drawn from a ``random.Random(seed)``, so the same seed gives the same payloads.

The result is always checked against the schema. When the walk cannot satisfy it (``not``, ``if`` /
``then``, contradictory keywords), hypothesis-jsonschema, when installed, finds the simplest valid
instance deterministically (derandomized, shrunk). If nothing validates, :class:`SynthesisError` says why.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import re._constants as c  # type: ignore[import-not-found]  # the stdlib's regex parser, to write instances
import re._parser as sre_parse  # type: ignore[import-not-found]
import string
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from hookdev.catalog.model import quote, walk_pointer
from hookdev.catalog.schema import validator

MAX_DEPTH = 40
_FIXED_TIME = dt.datetime(2025, 1, 1, 12, 0, 0, tzinfo=dt.UTC)
_NUMERIC = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")
_STRINGY = ("minLength", "maxLength", "pattern", "format")
_OBJECTY = ("properties", "required", "additionalProperties", "patternProperties", "minProperties")
_ARRAYY = ("items", "prefixItems", "minItems", "maxItems", "contains", "uniqueItems")


class SynthesisError(Exception):
    """No valid instance could be made; the message says which part of the schema stood in the way."""


def synthesize(schema: dict[str, Any], *, seed: int | None = None, now: dt.datetime | None = None) -> Any:
    """A valid instance of ``schema``: readable and the same every time, or varied by ``seed``.

    ``now`` is where varied timestamps start (default: a fixed date, so a seed alone decides them).
    """
    rng = random.Random(seed) if seed is not None else None
    gen = _Generator(schema, rng, now or _FIXED_TIME)
    check = validator(schema)
    try:
        value = gen.make(schema, "", 0, ())
    except (SynthesisError, RecursionError, re.error, ValueError, TypeError):
        value = _MISSING
    if value is not _MISSING and _valid(check, value):
        return value
    found = _fallback(schema) if _small(schema) else _MISSING
    if found is not _MISSING and _valid(check, found):
        return found
    errors = []
    if value is not _MISSING:
        try:
            errors = sorted(check.iter_errors(value), key=lambda e: list(e.absolute_path))
        except Exception:  # noqa: BLE001
            errors = []
    if errors:
        from hookdev.catalog.model import json_path
        from hookdev.catalog.schema import message_of

        first = errors[0]
        raise SynthesisError(
            f"cannot make a valid example: at {json_path(first.absolute_path)}: {message_of(first)}"
        )
    raise SynthesisError("cannot make a valid example from this schema")


_MISSING: Any = object()


def _valid(check: Any, value: Any) -> bool:
    try:
        return bool(check.is_valid(value))
    except Exception:  # noqa: BLE001 - a $ref that does not resolve, a pattern re rejects
        return False


def _small(schema: dict[str, Any]) -> bool:
    """hypothesis-jsonschema takes minutes on a schema of GitHub's size; it is for small ones."""
    import json

    try:
        return len(json.dumps(schema)) <= 20_000
    except (TypeError, ValueError):
        return False


def _fallback(schema: dict[str, Any]) -> Any:
    """hypothesis-jsonschema's simplest instance (derandomized and shrunk: the same every time)."""
    try:
        from hypothesis import HealthCheck, Phase, find, settings
        from hypothesis.errors import HypothesisException
        from hypothesis_jsonschema import from_schema
    except ImportError:
        return _MISSING
    try:
        return find(
            from_schema(schema),
            lambda _: True,
            settings=settings(
                database=None,
                derandomize=True,
                max_examples=50,
                phases=[Phase.generate, Phase.shrink],
                suppress_health_check=list(HealthCheck),
            ),
        )
    except (HypothesisException, Exception):  # noqa: BLE001 - anything it cannot handle: no fallback
        return _MISSING


class _Generator:
    def __init__(self, root: dict[str, Any], rng: random.Random | None, now: dt.datetime) -> None:
        self.root = root
        self.rng = rng
        self.now = now
        self.check = validator(root)
        self.variant = 0  # > 0: make a different value than before (unique array items)

    # -- helpers ----------------------------------------------------------------------------------
    def resolve(self, ref: str) -> Any:
        if not ref.startswith("#"):
            raise SynthesisError(f"cannot follow $ref {quote(ref)}")
        try:
            return walk_pointer(self.root, unquote(ref[1:]))
        except KeyError:
            raise SynthesisError(f"cannot follow $ref {quote(ref)}") from None

    def valid(self, schema: Any, value: Any) -> bool:
        try:
            return bool(self.check.evolve(schema=schema).is_valid(value))
        except Exception:  # noqa: BLE001
            return False

    def pick(self, options: list[Any]) -> Any:
        return options[0] if self.rng is None else self.rng.choice(options)

    # -- the walk ---------------------------------------------------------------------------------
    def make(self, s: Any, key: str, depth: int, refs: tuple[str, ...]) -> Any:
        if depth > MAX_DEPTH:
            raise SynthesisError("the schema nests too deeply")
        if s is True or s is None:
            s = {}
        if s is False:
            raise SynthesisError("a false schema accepts nothing")
        if not isinstance(s, dict):
            raise SynthesisError("not a schema")
        if isinstance(s.get("$ref"), str):
            ref = s["$ref"]
            minimal = ref in refs
            if refs.count(ref) >= 2:
                raise SynthesisError(f"$ref {ref} recurses without end")
            target = self.resolve(ref)
            rest = {k: v for k, v in s.items() if k != "$ref"}
            merged = _merge(target, rest) if rest else target
            return self.make(merged, key, depth + 1 if not minimal else depth + 10, (*refs, ref))
        if "allOf" in s and isinstance(s["allOf"], list):
            merged = {k: v for k, v in s.items() if k != "allOf"}
            for branch in s["allOf"]:
                if isinstance(branch, dict) and isinstance(branch.get("$ref"), str):
                    if branch["$ref"] in refs:
                        continue
                    branch = self._deref(branch)
                merged = _merge(merged, branch)
            return self.make(merged, key, depth + 1, refs)
        if "const" in s:
            return s["const"]
        if isinstance(s.get("enum"), list) and s["enum"]:
            values = [v for v in s["enum"] if v is not None] or s["enum"]
            return self.pick(values)
        for keyword in ("oneOf", "anyOf"):
            if isinstance(s.get(keyword), list) and s[keyword]:
                return self.branch(s, keyword, key, depth, refs)
        if isinstance(s.get("examples"), list) and s["examples"] and self.rng is None:
            if self.valid(s, s["examples"][0]):
                return s["examples"][0]
        if "example" in s and self.rng is None and self.valid(s, s["example"]):
            return s["example"]  # OpenAPI's own schema example: the author's choice of a readable value
        kind = self.kind(s)
        deep = depth + 1
        if kind == "null":
            return None
        if kind == "boolean":
            return True if self.rng is None else self.rng.random() < 0.5
        if kind == "integer":
            return self.integer(s, key)
        if kind == "number":
            return self.number(s)
        if kind == "string":
            return self.string(s, key)
        if kind == "array":
            return self.array(s, key, deep, refs)
        return self.object(s, deep, refs)

    def _deref(self, s: dict[str, Any]) -> Any:
        target = self.resolve(s["$ref"])
        rest = {k: v for k, v in s.items() if k != "$ref"}
        return _merge(target, rest) if rest else target

    def branch(self, s: dict[str, Any], keyword: str, key: str, depth: int, refs: tuple[str, ...]) -> Any:
        base = {k: v for k, v in s.items() if k != keyword}
        branches = list(s[keyword])
        order = list(range(len(branches)))
        if self.rng is not None:
            self.rng.shuffle(order)
        # null-only branches last: an example with content says more
        order.sort(key=lambda i: _is_null_schema(self._maybe_deref(branches[i], refs)))
        for i in order:
            b = branches[i]
            try:
                value = self.make(_merge(base, b) if base else b, key, depth + 1, refs)
            except SynthesisError:
                continue
            if self.valid(s, value):
                return value
        raise SynthesisError(f"no {keyword} branch gives a valid value")

    def _maybe_deref(self, s: Any, refs: tuple[str, ...]) -> Any:
        if isinstance(s, dict) and isinstance(s.get("$ref"), str):
            try:
                return self.resolve(s["$ref"])
            except SynthesisError:
                return s
        return s

    def kind(self, s: dict[str, Any]) -> str:
        t = s.get("type")
        types = (
            [t] if isinstance(t, str) else [x for x in t if isinstance(x, str)] if isinstance(t, list) else []
        )
        if not types:
            if any(k in s for k in _OBJECTY):
                return "object"
            if any(k in s for k in _ARRAYY):
                return "array"
            if any(k in s for k in _STRINGY):
                return "string"
            if any(k in s for k in _NUMERIC):
                return "number"
            return "string"
        useful = [x for x in types if x != "null"] or types
        return str(self.pick(useful))

    # -- scalars ----------------------------------------------------------------------------------
    def integer(self, s: dict[str, Any], key: str) -> int:
        lo, hi = _bounds(s, integer=True)
        step = s.get("multipleOf")
        if self.rng is not None:
            a = lo if lo is not None else (0 if hi is None or hi >= 0 else hi - 1000)
            b = hi if hi is not None else a + 1000
            value = self.rng.randint(int(a), int(max(a, b)))
        else:
            value = int(lo) if lo is not None else (1 if hi is None or hi >= 1 else int(hi))
        if isinstance(step, int | float) and step > 0:
            value = int(-(-value // step) * step) if float(step).is_integer() else value
            if hi is not None and value > hi:
                value -= int(step)
        return value

    def number(self, s: dict[str, Any]) -> float | int:
        lo, hi = _bounds(s, integer=False)
        step = s.get("multipleOf")
        if isinstance(step, int | float) and step > 0:
            start = lo if lo is not None else (1 if hi is None or hi >= 1 else hi)
            n = -(-start // step)
            if self.rng is not None:
                n += self.rng.randint(0, 100)
            value: float | int = n * step
            return int(value) if float(value).is_integer() and isinstance(step, int) else value
        if self.rng is not None:
            a = lo if lo is not None else 0.0
            b = hi if hi is not None else a + 1000.0
            if b <= a:
                return a
            drawn = self.rng.uniform(a, b)  # may be a bound itself, and rounding may reach one
            return next((v for v in (round(drawn, 2), drawn) if _within(s, v)), (a + b) / 2)
        value = 1.5
        if lo is not None and value < lo:
            value = lo if "exclusiveMinimum" not in s else lo + (1 if hi is None else (hi - lo) / 2)
        if hi is not None and value > hi:
            value = hi if "exclusiveMaximum" not in s else hi - (1 if lo is None else (hi - lo) / 2)
        return value

    def string(self, s: dict[str, Any], key: str) -> str:
        fmt = s.get("format")
        pattern = s.get("pattern")
        lo = _int(s, "minLength") or 0
        hi = _int(s, "maxLength")
        if isinstance(pattern, str):
            text = regex_instance(pattern, self.rng, lo, hi, self.variant)
            if text is not None:
                return text
        if isinstance(fmt, str) and fmt in _FORMATS:
            return _FORMATS[fmt](self, key)
        text = self.word(key)
        if len(text) < lo:
            text += "x" * (lo - len(text))
        if hi is not None and len(text) > hi:
            text = text[:hi]
        return text

    def token(self, n: int = 12) -> str:
        assert self.rng is not None
        return "".join(self.rng.choice(string.ascii_lowercase + string.digits) for _ in range(n))

    def word(self, key: str) -> str:
        """A readable string for a property named ``key``."""
        k = key.lower()
        if k == "id" or k.endswith("_id") or k.endswith("id") and key[-2:] == "Id":
            stem = re.sub(r"_?id$", "", key, flags=re.IGNORECASE) or "id"
            return f"{stem}_{self.token() if self.rng else '123'}"
        if "email" in k:
            return _email(self, key)
        if k.endswith("url") or k.endswith("uri") or k in ("href", "link", "website"):
            return _uri(self, key)
        if k.endswith("_at") or k in ("timestamp", "time", "date", "created", "updated"):
            return _date_time(self, key)
        if self.rng is not None:
            return f"{key or 'value'}-{self.token(6)}"
        suffix = f" {self.variant + 1}" if self.variant else ""
        return (f"example {key}" if key else "example") + suffix

    # -- containers -------------------------------------------------------------------------------
    def array(self, s: dict[str, Any], key: str, depth: int, refs: tuple[str, ...]) -> list[Any]:
        lo = _int(s, "minItems") or 0
        hi = _int(s, "maxItems")
        prefix = _list(s, "prefixItems")
        items = s.get("items", {})
        want = max(lo, 1 if depth < 4 else 0, len(prefix) if depth < 4 else 0)
        if self.rng is not None and depth < 4:
            want = max(lo, self.rng.randint(1, 3))
        if hi is not None:
            want = min(want, hi)
        out: list[Any] = []
        unique = s.get("uniqueItems") is True
        single = key[:-1] if key.endswith("s") else key
        for i in range(want):
            sub = prefix[i] if i < len(prefix) else items
            if sub is False:
                break
            value = self.make(sub, single, depth, refs)
            if unique and value in out:
                for variant in range(1, 8):
                    self.variant = variant + i
                    try:
                        value = self.make(sub, single, depth, refs)
                    finally:
                        self.variant = 0
                    if value not in out:
                        break
                else:
                    if len(out) >= lo:
                        break  # no other distinct value: the array is long enough as it is
                    value = _distinct(value, i)
            out.append(value)
        contains = s.get("contains")
        if isinstance(contains, dict) and not any(self.valid(contains, v) for v in out):
            value = self.make(contains, single, depth, refs)
            if hi is not None and len(out) >= hi and out:
                out[-1] = value
            else:
                out.append(value)
        return out

    def object(self, s: dict[str, Any], depth: int, refs: tuple[str, ...]) -> dict[str, Any]:
        props = _dict(s, "properties")
        required = [r for r in _list(s, "required") if isinstance(r, str)]
        extra = s.get("additionalProperties", True)
        deps = _dict(s, "dependentRequired")
        minimal = len(refs) != len(set(refs))
        names = list(required)
        if not minimal and depth <= 2:
            names += [k for k in props if k not in names]
        i = 0
        while i < len(names):
            for dep in deps.get(names[i], []) if isinstance(deps.get(names[i]), list) else []:
                if isinstance(dep, str) and dep not in names:
                    names.append(dep)
            i += 1
        lo = _int(s, "minProperties") or 0
        for k in props:
            if len(names) >= lo:
                break
            if k not in names:
                names.append(k)
        n = 1
        while len(names) < lo:
            names.append(f"key{n}")
            n += 1
        out: dict[str, Any] = {}
        for name in names:
            sub = self.property_schema(s, props, name, extra)
            if name in required:
                out[name] = self.make(sub, name, depth, refs)
                continue
            try:  # an optional property that cannot be made valid is left out
                value = self.make(sub, name, depth, refs)
            except SynthesisError:
                continue
            if not _risky(sub) or self.valid(sub, value):
                out[name] = value
        hi = s.get("maxProperties")
        if isinstance(hi, int) and len(out) > hi:
            for name in [k for k in out if k not in required][: len(out) - hi]:
                del out[name]
        return out

    @staticmethod
    def property_schema(s: dict[str, Any], props: dict[str, Any], name: str, extra: Any) -> Any:
        if name in props:
            return props[name]
        patterns = s.get("patternProperties")
        if isinstance(patterns, dict):
            for rx, sub in patterns.items():
                try:
                    if re.search(rx, name):
                        return sub
                except re.error:
                    continue
        return extra if isinstance(extra, dict) else {}


def _int(s: dict[str, Any], key: str) -> int | None:
    value = s.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _list(s: dict[str, Any], key: str) -> list[Any]:
    value = s.get(key)
    return value if isinstance(value, list) else []


def _dict(s: dict[str, Any], key: str) -> dict[str, Any]:
    value = s.get(key)
    return value if isinstance(value, dict) else {}


def _risky(s: Any) -> bool:
    """Whether a schema combines keywords the walk may not satisfy (so its value is checked)."""
    return isinstance(s, dict) and any(k in s for k in ("allOf", "oneOf", "anyOf", "not", "if", "$ref"))


def _is_null_schema(s: Any) -> bool:
    return isinstance(s, dict) and (s.get("type") == "null" or s.get("const", 0) is None)


def _distinct(value: Any, n: int) -> Any:
    if isinstance(value, str):
        return f"{value}{n + 1}"
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value + n
    return value


def _bounds(s: dict[str, Any], *, integer: bool) -> tuple[float | None, float | None]:
    lo = s.get("minimum")
    hi = s.get("maximum")
    lo = lo if isinstance(lo, int | float) and not isinstance(lo, bool) else None
    hi = hi if isinstance(hi, int | float) and not isinstance(hi, bool) else None
    emin, emax = s.get("exclusiveMinimum"), s.get("exclusiveMaximum")
    if isinstance(emin, int | float) and not isinstance(emin, bool):
        lo = max(lo, emin + (1 if integer else 0)) if lo is not None else emin + (1 if integer else 0)
        if integer:
            lo = int(lo) if float(lo).is_integer() else int(lo) + 1
    if isinstance(emax, int | float) and not isinstance(emax, bool):
        hi = min(hi, emax - (1 if integer else 0)) if hi is not None else emax - (1 if integer else 0)
    if integer:
        if lo is not None and not float(lo).is_integer():
            lo = int(lo) + 1
        if hi is not None and not float(hi).is_integer():
            hi = int(hi // 1)
    return lo, hi


def _within(s: dict[str, Any], value: float) -> bool:
    """``value`` honours the schema's bounds, exclusive ones strictly."""

    def bound(key: str) -> float | None:
        b = s.get(key)
        return b if isinstance(b, int | float) and not isinstance(b, bool) else None

    lo, hi, elo, ehi = (
        bound("minimum"),
        bound("maximum"),
        bound("exclusiveMinimum"),
        bound("exclusiveMaximum"),
    )
    return (
        (lo is None or value >= lo)
        and (hi is None or value <= hi)
        and (elo is None or value > elo)
        and (ehi is None or value < ehi)
    )


def _merge(a: Any, b: Any) -> Any:
    """Two schemas that must both hold, as one (good enough to generate from; the result is checked)."""
    if not isinstance(a, dict) or not isinstance(b, dict):
        return b if isinstance(b, dict) else a
    out = dict(a)
    for k, v in b.items():
        if k not in out:
            out[k] = v
        elif k == "properties" and isinstance(out[k], dict) and isinstance(v, dict):
            props = dict(out[k])
            for name, sub in v.items():
                props[name] = _merge(props[name], sub) if name in props else sub
            out[k] = props
        elif k == "required" and isinstance(out[k], list) and isinstance(v, list):
            out[k] = list(dict.fromkeys([*out[k], *v]))
        elif k == "type":
            ta = out[k] if isinstance(out[k], list) else [out[k]]
            tb = v if isinstance(v, list) else [v]
            both = [t for t in ta if t in tb or (t == "integer" and "number" in tb)]
            both += [t for t in tb if t == "integer" and "number" in ta and t not in both]
            out[k] = both[0] if len(both) == 1 else both or v
        elif k in ("minimum", "minLength", "minItems", "minProperties", "exclusiveMinimum"):
            out[k] = max(out[k], v) if _num(out[k]) and _num(v) else v
        elif k in ("maximum", "maxLength", "maxItems", "maxProperties", "exclusiveMaximum"):
            out[k] = min(out[k], v) if _num(out[k]) and _num(v) else v
        elif k == "enum" and isinstance(out[k], list) and isinstance(v, list):
            out[k] = [x for x in out[k] if x in v] or v
        elif k in ("items", "additionalProperties") and isinstance(out[k], dict) and isinstance(v, dict):
            out[k] = _merge(out[k], v)
        elif k == "allOf" and isinstance(out[k], list) and isinstance(v, list):
            out[k] = [*out[k], *v]
        else:
            out[k] = v
    return out


def _num(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


# -- formats ---------------------------------------------------------------------------------------


def _date_time(g: _Generator, key: str) -> str:
    t = g.now if g.rng is None else g.now + dt.timedelta(seconds=g.rng.randint(0, 86_400 * 30))
    return t.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _date(g: _Generator, key: str) -> str:
    return _date_time(g, key)[:10]


def _time(g: _Generator, key: str) -> str:
    return _date_time(g, key)[11:]


def _email(g: _Generator, key: str) -> str:
    return "user@example.com" if g.rng is None else f"user.{g.token(6)}@example.com"


def _uri(g: _Generator, key: str) -> str:
    tail = re.sub(r"[^a-z0-9]+", "-", key.lower()).strip("-") or "resource"
    tail = re.sub(r"-?(url|uri|href)$", "", tail) or "resource"
    return f"https://example.com/{tail}" + (f"/{g.token(8)}" if g.rng else "")


def _uuid(g: _Generator, key: str) -> str:
    if g.rng is None:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"hookdev:{key}"))
    return str(uuid.UUID(int=g.rng.getrandbits(128), version=4))


_FORMATS: dict[str, Callable[[_Generator, str], str]] = {
    "date-time": _date_time,
    "date": _date,
    "time": _time,
    "email": _email,
    "idn-email": _email,
    "uri": _uri,
    "iri": _uri,
    "url": _uri,
    "uri-reference": lambda g, k: "/" + (_uri(g, k).split("/", 3)[3]),
    "iri-reference": lambda g, k: "/" + (_uri(g, k).split("/", 3)[3]),
    "uri-template": lambda g, k: "https://example.com/{id}",
    "uuid": _uuid,
    "hostname": lambda g, k: "example.com",
    "idn-hostname": lambda g, k: "example.com",
    "ipv4": lambda g, k: "192.0.2.1" if g.rng is None else f"192.0.2.{g.rng.randint(1, 254)}",
    "ipv6": lambda g, k: "2001:db8::1",
    "duration": lambda g, k: "PT1H",
    "regex": lambda g, k: "^example$",
    "json-pointer": lambda g, k: "/example",
    "relative-json-pointer": lambda g, k: "0",
    "byte": lambda g, k: "ZXhhbXBsZQ==",
    "binary": lambda g, k: "example",
    "password": lambda g, k: "example-password",
}


# -- regular expressions ---------------------------------------------------------------------------

_PREFERRED = string.ascii_lowercase + string.digits + string.ascii_uppercase + "_-.~ "
_PRINTABLE = [chr(c) for c in range(32, 127)]


def regex_instance(
    pattern: str, rng: random.Random | None, min_len: int = 0, max_len: int | None = None, variant: int = 0
) -> str | None:
    """A string that ``re.search(pattern, ...)`` accepts, within the lengths when it can; None if not."""

    try:
        parsed = sre_parse.parse(pattern)
        compiled = re.compile(pattern)
    except (re.error, OverflowError, RecursionError, ValueError):
        return None
    best: str | None = None
    for extra in (0, 1, 2, 4, 8, 16, 32, 64, 128, 256):
        if max_len is not None and extra and best is not None and len(best) >= max_len:
            break
        text = _RegexWriter(rng, extra, variant).write(parsed)
        if text is None or not compiled.search(text):
            continue
        if best is None:
            best = text
        if len(text) >= min_len and (max_len is None or len(text) <= max_len):
            return text
        if len(text) < min_len:
            best = text
            continue
        break
    return best


class _RegexWriter:
    def __init__(self, rng: random.Random | None, extra: int, variant: int = 0) -> None:
        self.rng = rng
        self.extra = extra  # extra repetitions for open-ended repeats, to reach a minLength
        self.groups: dict[int, str] = {}
        self.i = variant  # where the deterministic walk through each character class starts

    def write(self, parsed: Any) -> str | None:
        try:
            return self.seq(parsed)
        except (_NoChar, RecursionError):
            return None

    def seq(self, items: Any) -> str:
        return "".join(self.node(op, av) for op, av in items)

    def node(self, op: Any, av: Any) -> str:

        if op is c.LITERAL:
            return chr(av)
        if op is c.NOT_LITERAL:
            return self.char([ch for ch in _PRINTABLE if ord(ch) != av])
        if op is c.ANY:
            return self.char(list(string.ascii_lowercase))
        if op is c.IN:
            return self.char(_charset(av))
        if op is c.BRANCH:
            options = av[1]
            chosen = options[0] if self.rng is None else self.rng.choice(options)
            return self.seq(chosen)
        if op is c.SUBPATTERN:
            group, _add, _del, p = av
            text = self.seq(p)
            if group is not None:
                self.groups[group] = text
            return text
        if op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", c.MAX_REPEAT)):
            lo, hi, p = av
            hi = lo + 1000 if hi is c.MAXREPEAT else hi
            n = lo if self.rng is None else self.rng.randint(lo, min(hi, lo + 3))
            if hi > n and self.extra:
                n = min(hi, n + self.extra)
            return "".join(self.seq(p) for _ in range(n))
        if op is c.GROUPREF:
            return self.groups.get(av, "")
        if op is getattr(c, "ATOMIC_GROUP", None):
            return self.seq(av)
        if op is c.CATEGORY:
            return self.char(_category(av))
        return ""  # anchors (AT), lookarounds: the whole result is checked with re.search afterwards

    def char(self, allowed: list[str]) -> str:
        if not allowed:
            raise _NoChar
        if self.rng is not None:
            return self.rng.choice(allowed)
        ordered = sorted(
            allowed, key=lambda ch: (_PREFERRED.find(ch) % 1000 if ch in _PREFERRED else 1000, ch)
        )
        ch = ordered[self.i % len(ordered)]
        self.i += 1
        return ch


class _NoChar(Exception):
    pass


def _category(cat: Any) -> list[str]:

    digits = list(string.digits)
    word = list(string.ascii_letters + string.digits + "_")
    space = [" "]
    table = {
        c.CATEGORY_DIGIT: digits,
        c.CATEGORY_NOT_DIGIT: [ch for ch in _PRINTABLE if ch not in digits],
        c.CATEGORY_WORD: word,
        c.CATEGORY_NOT_WORD: [ch for ch in _PRINTABLE if ch not in word],
        c.CATEGORY_SPACE: space,
        c.CATEGORY_NOT_SPACE: [ch for ch in _PRINTABLE if ch != " "],
    }
    return table.get(cat, list(string.ascii_lowercase))


def _charset(items: Any) -> list[str]:

    allowed: set[str] = set()
    negate = False
    for op, av in items:
        if op is c.NEGATE:
            negate = True
        elif op is c.LITERAL:
            allowed.add(chr(av))
        elif op is c.RANGE:
            lo, hi = av
            allowed.update(chr(x) for x in range(lo, min(hi, lo + 2000) + 1))
        elif op is c.CATEGORY:
            allowed.update(_category(av))
    if negate:
        return [ch for ch in _PRINTABLE if ch not in allowed]
    return sorted(allowed)
