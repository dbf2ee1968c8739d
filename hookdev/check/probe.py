"""The side-effect probe: a count of what the consumer did, read before and after a check.

hookdev cannot see inside a consumer. The user can: ``--probe URL_OR_CMD`` is a GET URL (``http://`` or
``https://``) or a shell command that prints one integer, e.g. the number of rows the handler wrote.
A check that must have no effect (a tampered event) fails when the count moved; ``duplicate`` fails
when it moved twice. The probe is the user's own command line, so it may use a shell; its output is
read as a bounded integer and never echoed raw.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal

import httpx

PROBE_TIMEOUT = 10.0
_MAX_OUTPUT = 4096
_INTEGER = re.compile(rb"\s*(-?\d{1,18})\s*")


class ProbeError(Exception):
    """The probe could not be read; the message says why, in one line."""


class Probe:
    """Reads a side-effect count from a URL or a shell command."""

    def __init__(self, spec: str, timeout: float = PROBE_TIMEOUT) -> None:
        spec = spec.strip()
        if not spec:
            raise ProbeError("--probe is empty: give a GET URL or a shell command that prints a count")
        self.spec = spec
        self.timeout = timeout
        self.kind = "url" if spec.lower().startswith(("http://", "https://")) else "command"

    async def read(self) -> int:
        if self.kind == "url":
            return await self._read_url()
        return await self._read_command()

    async def _read_url(self) -> int:
        try:
            status, body = await asyncio.wait_for(self._get(), self.timeout)
        except TimeoutError:
            raise ProbeError(f"probe URL did not answer within {self.timeout:g} s") from None
        except httpx.HTTPError as e:
            raise ProbeError(f"probe URL failed: {type(e).__name__}: {e}"[:300]) from None
        if not 200 <= status < 300:
            raise ProbeError(f"probe URL answered {status}, expected 2xx with a count")
        return _count(body, "probe URL")

    async def _get(self) -> tuple[int, bytes]:
        """The status and at most ``_MAX_OUTPUT + 1`` bytes of the body (a deadline on the whole)."""
        async with (
            httpx.AsyncClient(trust_env=False, timeout=self.timeout) as client,
            client.stream("GET", self.spec) as response,
        ):
            body = b""
            async for chunk in response.aiter_raw():
                body += chunk
                if len(body) > _MAX_OUTPUT:
                    break
            return response.status_code, body[: _MAX_OUTPUT + 1]

    async def _read_command(self) -> int:
        try:
            proc = await asyncio.create_subprocess_shell(
                self.spec,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                start_new_session=True,  # its own process group: a timeout kills its children too
            )
        except OSError as e:
            raise ProbeError(f"probe command could not start: {e.strerror or e}") from None
        try:
            out, err = await asyncio.wait_for(proc.communicate(), self.timeout)
        except TimeoutError:
            # killing the shell alone leaves its children holding the pipes open (and the wait hangs)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            with contextlib.suppress(TimeoutError):  # drained to EOF, so the pipes close cleanly
                await asyncio.wait_for(proc.communicate(), 5)
            raise ProbeError(f"probe command did not finish within {self.timeout:g} s") from None
        if proc.returncode != 0:
            tail = _printable(err[-200:]) or "no output on stderr"
            raise ProbeError(f"probe command exited with {proc.returncode}: {tail}")
        return _count(out[:_MAX_OUTPUT], "probe command")


def _count(raw: bytes, what: str) -> int:
    match = _INTEGER.fullmatch(raw)
    if match is None:
        shown = _printable(raw[:60]) or "nothing"
        raise ProbeError(f"{what} printed {shown!r}, expected one integer (a count of side effects)")
    return int(match.group(1))


def _printable(raw: bytes) -> str:
    """Bytes as one safe line: control characters dropped (the output is the consumer's, not ours)."""
    text = raw.decode("utf-8", "replace")
    return "".join(ch if ch.isprintable() else " " for ch in text).strip()
