"""`hookdev check`: prove a consumer correct by delivering a battery of checks and grading each answer.

``specs`` (the battery: checks: ids, what each sends, when it passes, why it matters, per scheme), ``runner``
(delivers them through the sender's attempt code and grades them), ``probe`` (the side-effect count a
user can offer), ``model`` (results and runs, with their JSON), ``junit`` (JUnit XML for CI). No click,
no textual: the CLI (``cli/check.py``), the TUI and the pytest plugin are three faces of this package.
"""

from __future__ import annotations

from hookdev.check.model import FAIL, PASS, WARN, Exchange, Result, Run
from hookdev.check.probe import Probe, ProbeError
from hookdev.check.runner import Runner, Target, new_client
from hookdev.check.specs import CHECKS, IDS, Spec, battery, not_applicable, parse_ids

__all__ = [
    "CHECKS",
    "FAIL",
    "IDS",
    "PASS",
    "WARN",
    "Exchange",
    "Probe",
    "ProbeError",
    "Result",
    "Run",
    "Runner",
    "Spec",
    "Target",
    "battery",
    "new_client",
    "not_applicable",
    "parse_ids",
]
