"""Finding and reading hookdev.toml: in the current directory only (not its parents: a config that
silently applies from a parent directory is a surprise), strictly validated into one ``Config``.

Errors name the file, the line and the key, e.g.
``hookdev.toml:14: endpoints[1].rate_limit: expected a number > 0, got "ten"``.
"""

from __future__ import annotations

import math
import re
import tomllib
from pathlib import Path

from hookdev.config.checking import Checker, build_config, format_key
from hookdev.config.lines import KeyLines
from hookdev.config.model import CONFIG_FILE, Config, ConfigError, ConfigIssue, empty_config

# -- reading -----------------------------------------------------------------------------------------


def find_config(start: Path | None = None) -> Path | None:
    """``hookdev.toml`` in ``start`` (default: the current directory) or the nearest parent, searched
    the way the workspace is found: the first directory holding a ``hookdev.toml`` or a ``.hookdev/``
    ends the search (so ``hookdev send`` from ``src/`` reads the project's file)."""
    directory = (Path.cwd() if start is None else Path(start)).absolute()
    for parent in (directory, *directory.parents):
        candidate = parent / CONFIG_FILE
        try:
            if candidate.is_file():
                return candidate
            if (parent / ".hookdev").is_dir():
                return None
        except OSError:
            return None
    return None


def load_config(path: Path) -> Config:
    """Read and validate a config file; raises ConfigError (also for files that cannot be read)."""
    path = Path(path)
    file = _display(path)
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise ConfigError([ConfigIssue(file, None, None, f"cannot read: {e.strerror or e}")]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        raise ConfigError([ConfigIssue(file, line, None, "not UTF-8 text")]) from None
    return parse_config(text, path)


def project_config(start: Path | None = None) -> Config:
    """The config of the project in ``start`` (default: cwd), or the empty config when there is none."""
    path = find_config(start)
    return empty_config() if path is None else load_config(path)


def parse_config(text: str, path: Path | None = None) -> Config:
    """Parse and validate the text of a hookdev.toml; pure (relative paths resolve against ``path``)."""
    file = _display(path)
    text = text.removeprefix("\ufeff")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError([_syntax_issue(file, text, e)]) from None
    except ValueError:  # an integer literal beyond Python's digit limit
        raise ConfigError([ConfigIssue(file, None, None, "TOML syntax error: integer too large")]) from None
    except RecursionError:
        raise ConfigError([ConfigIssue(file, None, None, "TOML syntax error: nested too deeply")]) from None
    check = Checker()
    config = build_config(check, data, path)
    if check.found:
        lines = KeyLines(text)
        issues = []
        for key, message, also in check.found:
            if also is not None:
                where = lines.find(also)
                message += f" (also {format_key(also)}{'' if where is None else f', line {where}'})"
            issues.append(ConfigIssue(file, lines.find(key), format_key(key) or None, message))
        issues.sort(key=lambda i: math.inf if i.line is None else i.line)
        raise ConfigError(issues)
    return config


def _display(path: Path | None) -> str:
    """The file name as errors show it: relative to the current directory when it is inside it."""
    if path is None:
        return CONFIG_FILE
    try:
        return str(Path(path).relative_to(Path.cwd())) if Path(path).is_absolute() else str(path)
    except (ValueError, OSError):
        return str(path)


def _syntax_issue(file: str, text: str, e: tomllib.TOMLDecodeError) -> ConfigIssue:
    message = str(e)
    m = re.search(r"at line (\d+), column \d+", message)
    if m:
        line: int | None = int(m.group(1))
    elif "end of document" in message:
        line = text.count("\n") + 1
    else:
        line = None
    return ConfigIssue(file, line, None, f"TOML syntax error: {message}")
