"""A parsed-catalog cache in the workspace, so a big document is read once, not at every command.

A document of 64 KB or more is cached under ``<workspace>/cache/catalog/``: its parsed form (JSON, which
loads far faster than YAML) and the index ``catalog list`` shows (each type's name, description, status
and reason). An entry is used only when the file's size, mtime and SHA-256 are all the ones it was made
from; anything else (an edit, a copy over it, a corrupt entry) reads the file again and rewrites it.
Writing is best effort: a read-only workspace just means no cache.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hookdev.catalog.model import Catalog, CatalogIssue, TypeInfo
from hookdev.private_files import write_private

MIN_SIZE = 64 * 1024
VERSION = 2  # 2: a type without an example is no longer listed as synthesised when its top says unusable


@dataclass
class Key:
    size: int
    mtime_ns: int
    sha256: str

    def as_dict(self) -> dict[str, Any]:
        return {"size": self.size, "mtime_ns": self.mtime_ns, "sha256": self.sha256}


def key_of(path: Path) -> tuple[Key, bytes] | None:
    try:
        st = path.stat()
        raw = path.read_bytes()
    except OSError:
        return None
    return Key(len(raw), st.st_mtime_ns, hashlib.sha256(raw).hexdigest()), raw


def _files(cache_dir: str | os.PathLike[str], path: Path) -> tuple[Path, Path]:
    name = hashlib.sha256(os.fsencode(path.resolve())).hexdigest()[:32]
    base = Path(cache_dir) / "catalog"
    return base / f"{name}.index.json", base / f"{name}.doc.json"


@dataclass
class Hit:
    """A usable cache entry: the index now, the parsed document when a type is first built."""

    infos: list[TypeInfo]
    issues: list[CatalogIssue]
    doc_file: Path
    doc_sha256: str

    def document(self) -> Any:
        """The cached parsed document; None if it went missing or changed under us."""
        try:
            raw = self.doc_file.read_bytes()
            if hashlib.sha256(raw).hexdigest() != self.doc_sha256:
                return None
            return json.loads(raw)
        except (OSError, ValueError):
            return None


def lookup(cache_dir: str | os.PathLike[str] | None, path: Path, key: Key) -> Hit | None:
    """The cache entry for ``path`` when its key (size, mtime, hash) still matches, else None."""
    if cache_dir is None or key.size < MIN_SIZE:
        return None
    index_file, doc_file = _files(cache_dir, path)
    try:
        index = json.loads(index_file.read_text(encoding="utf-8"))
        if index.get("version") != VERSION or index.get("key") != key.as_dict():
            return None
        infos = [TypeInfo(**t) for t in index["types"]]
        issues = [CatalogIssue(**i) for i in index["issues"]]
        return Hit(infos, issues, doc_file, str(index["doc_sha256"]))
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None


def store(cache_dir: str | os.PathLike[str] | None, path: Path, key: Key, doc: Any, catalog: Catalog) -> None:
    """Remember ``doc`` and the catalog's index for ``path`` (best effort, atomic)."""
    if cache_dir is None or key.size < MIN_SIZE:
        return
    index_file, doc_file = _files(cache_dir, path)
    try:
        index_file.parent.mkdir(parents=True, exist_ok=True)
        doc_bytes = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        index = {
            "version": VERSION,
            "source": str(path),
            "key": key.as_dict(),
            "doc_sha256": hashlib.sha256(doc_bytes).hexdigest(),
            "types": [info.as_dict() for info in catalog.infos()],
            "issues": [i.as_dict() for i in catalog.issues],
        }
        write_private(doc_file, doc_bytes)
        write_private(index_file, json.dumps(index, ensure_ascii=False).encode("utf-8"))
    except (OSError, ValueError, TypeError):
        return


def refresh_index(cache_dir: str | os.PathLike[str] | None, path: Path, key: Key, catalog: Catalog) -> None:
    """Rewrite the index of an entry whose types turned out different once built (best effort)."""
    if cache_dir is None or key.size < MIN_SIZE:
        return
    index_file, _ = _files(cache_dir, path)
    try:
        index = json.loads(index_file.read_text(encoding="utf-8"))
        if index.get("key") != key.as_dict():
            return
        index["types"] = [info.as_dict() for info in catalog.infos()]
        write_private(index_file, json.dumps(index, ensure_ascii=False).encode("utf-8"))
    except (OSError, ValueError, TypeError, AttributeError):
        return
