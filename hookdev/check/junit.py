"""JUnit XML of a check run, the format CI systems display (one testcase per check)."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET

from hookdev.check.model import FAIL, WARN, Run


def junit_xml(run: Run) -> bytes:
    """``<testsuites><testsuite name="hookdev check ..."><testcase .../>...`` as UTF-8 bytes.

    A failed check is a ``<failure>``; a warning passes, with the reason in ``<system-out>``.
    """
    counts = run.counts()
    took = (run.finished_at or run.started_at) - run.started_at
    suites = ET.Element(
        "testsuites", name="hookdev check", tests=str(len(run.results)), failures=str(counts[FAIL])
    )
    suite = ET.SubElement(
        suites,
        "testsuite",
        name=f"hookdev check {run.url} ({run.scheme})",
        tests=str(len(run.results)),
        failures=str(counts[FAIL]),
        errors="0",
        skipped="0",
        time=f"{took:.3f}",
        timestamp=time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(run.started_at)),
        id=run.id,
    )
    for r in run.results:
        seconds = sum(x.duration_ms for x in r.exchanges) / 1000
        case = ET.SubElement(
            suite, "testcase", classname=f"hookdev.check.{run.scheme}", name=r.id, time=f"{seconds:.3f}"
        )
        body = next((x.body for x in r.exchanges if x.body), "")
        text = f"sent: {r.spec_sends}\nreceived: {r.received()}\n"
        text += (f"answer body: {body}\n" if body else "") + f"why it matters: {r.why}"
        if r.verdict == FAIL:
            failure = ET.SubElement(case, "failure", message=r.reason, type="hookdev.check.fail")
            failure.text = text
        else:
            out = ET.SubElement(case, "system-out")
            out.text = (f"WARNING: {r.reason}\n" if r.verdict == WARN else f"{r.reason}\n") + text
    ET.indent(suites)
    xml: bytes = ET.tostring(suites, encoding="utf-8", xml_declaration=True)
    return xml + b"\n"
