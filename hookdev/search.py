"""The capture search language: free words plus ``field:value`` terms, parsed once, used twice.

``type:code.* status:4xx body:"cus_123" header:x-team=growth`` - every term must match (AND):

- a free word matches the path, method, event type, capture id, webhook-id, verdict reason, the body
  or any header value;
- ``type:`` and ``path:`` take a glob (``*``, ``?``) or else a substring; ``method:`` is exact;
- ``status:`` takes ``404``, ``4xx`` or ``400-499``;
- ``body:`` and ``header:NAME[=VALUE]`` look into the body and the headers;
- ``verdict:valid|invalid|unsigned``, ``is:duplicate`` (webhook-id seen before), ``is:replay``;
- ``"quoted text"`` keeps spaces; an unknown ``field:`` is a free word.

The store turns a Query into SQL (an FTS5 index for bodies and headers); ``matches`` is the same test
in Python for captures that arrive live. Pure: no I/O, no SQL here.
"""

from __future__ import annotations

import fnmatch
import re
import shlex
from dataclasses import dataclass, field

from hookdev.models import Capture

FIELDS = ("type", "path", "method", "status", "body", "header", "verdict", "is", "id", "webhook-id")
_STATUS = re.compile(r"^(?:([1-5])xx|(\d{3})(?:-(\d{3}))?)$", re.IGNORECASE)


class QueryError(ValueError):
    """A term that cannot mean anything (``status:abc``): the reason, in one line."""


@dataclass(frozen=True)
class Query:
    words: tuple[str, ...] = ()
    event_type: str | None = None  # glob or substring
    path: str | None = None
    method: str | None = None
    status: tuple[int, int] | None = None  # inclusive range
    body: tuple[str, ...] = ()
    headers: tuple[tuple[str, str | None], ...] = ()  # (lowercase name, value substring or None)
    verdict: str | None = None  # valid | invalid | unsigned
    duplicate: bool = False
    replay: bool = False
    ids: tuple[str, ...] = ()
    webhook_ids: tuple[str, ...] = ()
    errors: tuple[str, ...] = field(default=(), compare=False)

    @property
    def empty(self) -> bool:
        return self == Query()

    @property
    def needs_body(self) -> bool:
        """True when matching needs bodies or headers (the index, or the capture's bytes)."""
        return bool(self.words or self.body or self.headers)


def _split(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError:  # an unclosed quote while typing: take the rest as it is
        return shlex.split(text + '"') if text.count('"') % 2 else text.split()


def parse(text: str) -> Query:
    """A Query; terms that cannot mean anything are kept out and listed in ``errors``."""
    words: list[str] = []
    body: list[str] = []
    headers: list[tuple[str, str | None]] = []
    ids: list[str] = []
    webhook_ids: list[str] = []
    errors: list[str] = []
    values: dict[str, object] = {}
    for token in _split(text):
        name, colon, value = token.partition(":")
        name = name.lower()
        if not colon or name not in FIELDS or not value:
            if token:
                words.append(token)
            continue
        if name == "type":
            values["event_type"] = value
        elif name == "path":
            values["path"] = value
        elif name == "method":
            values["method"] = value.upper()
        elif name == "status":
            m = _STATUS.match(value)
            if m is None:
                errors.append(f"status:{value}: use a code (404), a class (4xx) or a range (400-499)")
            elif m.group(1):
                low = int(m.group(1)) * 100
                values["status"] = (low, low + 99)
            else:
                low = int(m.group(2))
                values["status"] = (low, int(m.group(3) or low))
        elif name == "body":
            body.append(value)
        elif name == "header":
            hname, eq, hvalue = value.partition("=")
            headers.append((hname.strip().lower(), hvalue if eq else None))
        elif name == "verdict":
            if value.lower() in ("valid", "invalid", "unsigned"):
                values["verdict"] = value.lower()
            else:
                errors.append(f"verdict:{value}: use valid, invalid or unsigned")
        elif name == "is":
            if value.lower() in ("dup", "duplicate", "duplicates"):
                values["duplicate"] = True
            elif value.lower() in ("replay", "replays"):
                values["replay"] = True
            else:
                errors.append(f"is:{value}: use is:duplicate or is:replay")
        elif name == "id":
            ids.append(value)
        else:
            webhook_ids.append(value)
    return Query(
        words=tuple(words),
        body=tuple(body),
        headers=tuple(headers),
        ids=tuple(ids),
        webhook_ids=tuple(webhook_ids),
        errors=tuple(errors),
        **values,  # type: ignore[arg-type]
    )


def is_glob(pattern: str) -> bool:
    return any(ch in pattern for ch in "*?[")


def _like(pattern: str, value: str | None) -> bool:
    if value is None:
        return False
    if is_glob(pattern):
        return fnmatch.fnmatchcase(value.lower(), pattern.lower())
    return pattern.lower() in value.lower()


def _in(needle: str, haystack: str) -> bool:
    return needle.lower() in haystack.lower()


def body_text(body: bytes) -> str:
    return body.decode("utf-8", "replace")


_TOKEN = re.compile(r"[^\W_]+")


def tokens(text: str) -> list[str]:
    """The words SQLite FTS5's unicode61 tokenizer makes of ``text`` (``cus_123`` -> ``cus``, ``123``)."""
    return _TOKEN.findall(text.lower())


def _phrase_in(needle: str, text: str) -> bool:
    """What the index finds: ``needle``'s words in a row in ``text``, the last one as a prefix."""
    want = tokens(needle)
    if not want:
        return True
    have = tokens(text)
    n = len(want)
    for i in range(len(have) - n + 1):
        if have[i : i + n - 1] == want[:-1] and have[i + n - 1].startswith(want[-1]):
            return True
    return False


def _found(needle: str, text: str) -> bool:
    """A body or header match: the substring, where the index (word by word) finds it too."""
    return _in(needle, text) and _phrase_in(needle, text)


def matches(query: Query, c: Capture, *, duplicate: bool = False) -> bool:
    """The test the store applies, for one capture in hand. ``duplicate``: its webhook-id was seen
    before (the caller knows; the capture alone cannot tell)."""
    if query.verdict == "valid" and c.verified is not True:
        return False
    if query.verdict == "invalid" and c.verified is not False:
        return False
    if query.verdict == "unsigned" and c.verified is not None:
        return False
    if query.event_type is not None and not _like(query.event_type, c.event_type):
        return False
    if query.path is not None and not _like(query.path, c.path):
        return False
    if query.method is not None and c.method.upper() != query.method:
        return False
    if query.status is not None and (c.status is None or not query.status[0] <= c.status <= query.status[1]):
        return False
    if query.duplicate and not duplicate:
        return False
    if query.replay and c.replay_of is None:
        return False
    if any(not c.id.startswith(i) and not c.id.endswith(i) for i in query.ids):
        return False
    if any(not _in(w, c.webhook_id or "") for w in query.webhook_ids):
        return False
    text: str | None = None
    if query.body:
        text = body_text(c.body)
        if any(not _found(b, text) for b in query.body):
            return False
    for name, value in query.headers:
        found = [v for k, v in c.headers if k.lower() == name]
        if not found or (value is not None and not any(_found(value, v) for v in found)):
            return False
    for word in query.words:
        fields = (c.path, c.method, c.event_type or "", c.reason or "", c.webhook_id or "", c.id)
        if any(_in(word, f) for f in fields):
            continue
        text = body_text(c.body) if text is None else text
        if _found(word, text) or any(_found(word, f"{k}: {v}") for k, v in c.headers):
            continue
        return False
    return True
