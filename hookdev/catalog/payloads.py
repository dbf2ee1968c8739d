"""The bytes a message of an event type carries: the example, ``--data``, or ``--vary``; then overrides.

- No data: the type's example (its own, or the synthesised one).
- ``data``: sent byte for byte, unless overrides change it (then it is parsed, changed, serialised once).
- ``vary``: a fresh schema-valid payload per message (fresh ids, timestamps, numbers), from
  :func:`~hookdev.catalog.synth.synthesize` with one seed per message drawn from ``seed``: the same
  seed gives the same payloads. Without a seed one is drawn, and timestamps start now.

Overrides (``--set``/``--unset``) apply on top of any of the three. The result is validated against the
type's schema unless ``validate`` is off, and a failure names the JSON path. ``data`` with validation off
works for every type, even one whose schema is unusable or that has no example.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence

from hookdev.catalog.documents import parse_data
from hookdev.catalog.model import EventType, payload_bytes
from hookdev.catalog.overrides import Override, OverrideError, apply_overrides


class PayloadError(ValueError):
    """Why a payload cannot be made or sent; one line."""


def build_payloads(
    et: EventType,
    data: bytes | None = None,
    *,
    overrides: Sequence[Override] = (),
    validate: bool = True,
    vary: bool = False,
    seed: int | None = None,
    count: int = 1,
) -> list[bytes]:
    """``count`` payloads of type ``et`` (the same bytes each time unless ``vary``)."""
    if vary and data is not None:
        raise PayloadError("--vary makes the payloads from the schema: it cannot be combined with --data")
    if vary:
        return [
            _finish(et, obj, None, overrides, validate, generated=True)
            for obj in vary_examples(et, count, seed)
        ]
    if data is not None:
        obj = _parse(data)  # JSON even when not validated: a webhook body other parsers accept
        return [_finish(et, obj, data, overrides, validate, generated=False)] * count
    if et.example is None:
        raise PayloadError(et.no_example_reason())
    return [_finish(et, et.example, None, overrides, validate, generated=True)] * count


def vary_examples(et: EventType, count: int, seed: int | None) -> list[object]:
    """``count`` varied, schema-valid payloads for ``et`` (see the module docstring)."""
    from hookdev.catalog.synth import SynthesisError, synthesize

    if et.problem is not None:
        raise PayloadError(f"cannot vary {et.name}: {et.problem.brief()}")
    now = None
    if seed is None:
        seed = random.SystemRandom().getrandbits(63)
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    rng = random.Random(seed)
    out: list[object] = []
    for _ in range(count):
        try:
            out.append(synthesize(et.schema, seed=rng.getrandbits(63), now=now))
        except SynthesisError as e:
            raise PayloadError(f"cannot vary {et.name}: {e}") from None
    return out


def _parse(data: bytes) -> object:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise PayloadError(f"the data is not UTF-8 text (byte {e.start})") from None
    try:
        return parse_data(text)
    except ValueError as e:
        raise PayloadError(f"the data is not valid JSON: {e}") from None


def _finish(
    et: EventType,
    obj: object,
    raw: bytes | None,
    overrides: Sequence[Override],
    validate: bool,
    *,
    generated: bool,
) -> bytes:
    from hookdev.catalog.schema import validate_payload

    if overrides:
        try:
            obj = apply_overrides(obj, overrides)
        except OverrideError as e:
            raise PayloadError(str(e)) from None
    # an example or a varied payload is valid by construction; what the user gave or changed is checked
    if validate and (overrides or not generated):
        if et.problem is not None:
            raise PayloadError(
                f"cannot check the payload: {et.name} is unusable ({et.problem.brief()}); "
                "--no-validate sends it anyway"
            )
        issues = validate_payload(et, obj)
        if issues:
            what = "payload" if overrides else "data"
            after = " (after --set/--unset)" if overrides else ""
            more = f" (and {len(issues) - 1} more)" if len(issues) > 1 else ""
            raise PayloadError(
                f"the {what}{after} does not match the {et.name} schema: {issues[0]}{more} "
                "(--no-validate sends it anyway)"
            )
    if raw is not None and not overrides:
        return raw  # bytes are sacred: what the user gave is sent as given
    try:
        return payload_bytes(obj)
    except ValueError as e:
        raise PayloadError(f"the payload cannot be sent as JSON: {e}") from None
