"""Line numbers of keys in a TOML text: tomllib gives none, so errors find them here (only when
there is an error to report)."""

from __future__ import annotations

import bisect
import re

from hookdev.config.model import Key

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_SCALAR = re.compile(r"[^,\]}\n#]*")
_ESCAPES = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", '"': '"', "\\": "\\"}


class KeyLines:
    """Line numbers of the keys, tables and array items of a TOML document tomllib has accepted.

    Keys are paths like ``("endpoints", 1, "rate_limit")``: arrays of tables and inline arrays count
    their items, as the error messages do. Best effort: anything it cannot follow ends the scan, and
    ``find`` falls back to the nearest enclosing key it did see.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.lines: dict[Key, int] = {}
        self._newlines = [i for i, c in enumerate(text) if c == "\n"]
        self._arrays: dict[Key, int] = {}  # array of tables -> index of its last item
        try:
            self._document()
        except Exception:  # a partial map still places most errors
            pass

    def find(self, key: Key) -> int | None:
        for end in range(len(key), 0, -1):
            line = self.lines.get(key[:end])
            if line is not None:
                return line
        return None

    # -- helpers
    def _line_at(self, pos: int) -> int:
        return bisect.bisect_right(self._newlines, pos - 1) + 1

    def _mark(self, key: Key, pos: int, *, weak: bool = False) -> None:
        if weak:
            self.lines.setdefault(key, self._line_at(pos))
        else:
            self.lines[key] = self._line_at(pos)

    def _peek(self) -> str:
        return self.text[self.pos : self.pos + 1]

    def _expect(self, token: str) -> None:
        if not self.text.startswith(token, self.pos):
            raise ValueError(f"expected {token!r} at {self.pos}")
        self.pos += len(token)

    def _skip(self, newlines: bool) -> None:
        text, n = self.text, len(self.text)
        while self.pos < n:
            c = text[self.pos]
            if c in " \t\r" or (newlines and c == "\n"):
                self.pos += 1
            elif c == "#":
                end = text.find("\n", self.pos)
                self.pos = n if end < 0 else end
            else:
                return

    def _resolve(self, names: Key) -> Key:
        """A header's names with the current index of every array of tables on the way."""
        path: Key = ()
        for name in names:
            path += (name,)
            if path in self._arrays:
                path += (self._arrays[path],)
        return path

    # -- grammar
    def _document(self) -> None:
        table: Key = ()
        while True:
            self._skip(newlines=True)
            start = self.pos
            if start >= len(self.text):
                return
            if self.text.startswith("[[", start):
                self.pos += 2
                names = self._key()
                self._skip(newlines=False)
                self._expect("]]")
                array = self._resolve(names[:-1]) + names[-1:]
                index = self._arrays.get(array, -1) + 1
                self._arrays[array] = index
                table = array + (index,)
                self._mark(array, start, weak=True)
                self._mark(table, start)
            elif self.text.startswith("[", start):
                self.pos += 1
                names = self._key()
                self._skip(newlines=False)
                self._expect("]")
                table = self._resolve(names)
                self._mark(table, start)
            else:
                self._pair(table, start)

    def _pair(self, table: Key, start: int) -> None:
        names = self._key()
        self._skip(newlines=False)
        self._expect("=")
        key = table + names
        for end in range(len(table) + 1, len(key)):
            self._mark(key[:end], start, weak=True)
        self._mark(key, start)
        self._value(key)

    def _key(self) -> Key:
        names: list[str] = []
        while True:
            self._skip(newlines=False)
            c = self._peek()
            if c == '"':
                names.append(self._basic_string())
            elif c == "'":
                end = self.text.index("'", self.pos + 1)
                names.append(self.text[self.pos + 1 : end])
                self.pos = end + 1
            else:
                m = _BARE_KEY.match(self.text, self.pos)
                if not m:
                    raise ValueError(f"no key at {self.pos}")
                names.append(m.group())
                self.pos = m.end()
            self._skip(newlines=False)
            if self._peek() != ".":
                return tuple(names)
            self.pos += 1

    def _basic_string(self) -> str:
        text = self.text
        self.pos += 1
        out: list[str] = []
        while True:
            c = text[self.pos]
            if c == '"':
                self.pos += 1
                return "".join(out)
            if c == "\\":
                e = text[self.pos + 1]
                if e in "uU":
                    width = 4 if e == "u" else 8
                    out.append(chr(int(text[self.pos + 2 : self.pos + 2 + width], 16)))
                    self.pos += 2 + width
                else:
                    out.append(_ESCAPES.get(e, e))
                    self.pos += 2
            else:
                out.append(c)
                self.pos += 1

    def _value(self, key: Key) -> None:
        self._skip(newlines=False)
        text = self.text
        if text.startswith('"""', self.pos) or text.startswith("'''", self.pos):
            self._multiline_string(text[self.pos])
        elif text.startswith('"', self.pos):
            self._basic_string()
        elif text.startswith("'", self.pos):
            self.pos = text.index("'", self.pos + 1) + 1
        elif text.startswith("[", self.pos):
            self._array(key)
        elif text.startswith("{", self.pos):
            self._inline_table(key)
        else:
            m = _SCALAR.match(text, self.pos)
            if m is None or m.end() == self.pos:
                raise ValueError(f"no value at {self.pos}")
            self.pos = m.end()

    def _multiline_string(self, quote: str) -> None:
        text = self.text
        self.pos += 3
        while True:
            if quote == '"' and text[self.pos] == "\\":
                self.pos += 2
            elif text.startswith(quote * 3, self.pos):
                self.pos += 3
                for _ in range(2):  # up to two quotes may sit right before the closing three
                    if text.startswith(quote, self.pos):
                        self.pos += 1
                return
            else:
                self.pos += 1
            if self.pos >= len(text):
                raise ValueError("unterminated string")

    def _array(self, key: Key) -> None:
        self.pos += 1
        index = 0
        while True:
            self._skip(newlines=True)
            if self._peek() == "]":
                self.pos += 1
                return
            self._mark(key + (index,), self.pos)
            self._value(key + (index,))
            self._skip(newlines=True)
            if self._peek() == ",":
                self.pos += 1
            index += 1

    def _inline_table(self, key: Key) -> None:
        self.pos += 1
        while True:
            self._skip(newlines=True)
            if self._peek() == "}":
                self.pos += 1
                return
            self._pair(key, self.pos)
            self._skip(newlines=True)
            if self._peek() == ",":
                self.pos += 1
