"""JUnit XML for GitLab, Jenkins and other CI test reports: one <testsuite> per
submission, one <testcase> per check.

Built from the results.json files the batch wrote (Gradescope's documented schema), so a
submission whose grading failed (and got the fallback results) is reported like any
other. Failed checks carry the learner-facing message; grader errors are <error>s;
manual items awaiting review are <skipped>.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path

from grader.render._shared import atomic_write_text

# Characters XML 1.0 cannot hold at all (learner output may contain anything).
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(value: object) -> str:
    return _NOT_XML.sub("\ufffd", str(value))


def junit_suite(name: str, results: dict) -> ET.Element:
    """One submission's results.json document as a <testsuite>."""
    errors = (results.get("extra_data") or {}).get("check_errors") or {}
    # A criterion override or a late penalty is a test of results.json (so that the tests
    # add up to the score) but no check: it is not a test case.
    tests = [t for t in results.get("tests") or [] if "adjustment" not in (t.get("tags") or [])]
    suite = ET.Element("testsuite", name=_text(name))
    counts = {"failures": 0, "errors": 0, "skipped": 0}
    for test in tests:
        check_id = str(test.get("name", ""))
        tags = [str(tag) for tag in test.get("tags") or []]
        exercise = tags[0] if tags else "submission"
        case = ET.SubElement(
            suite, "testcase", classname=_text(f"{name}.{exercise}"), name=_text(check_id)
        )
        output = _text(test.get("output", ""))
        first_line = output.strip().splitlines()[0] if output.strip() else check_id
        if check_id in errors:
            counts["errors"] += 1
            ET.SubElement(case, "error", message=first_line[:300]).text = output
        elif "review" in tags:
            counts["skipped"] += 1
            ET.SubElement(case, "skipped", message="awaiting instructor review")
        elif test.get("status") != "passed":
            counts["failures"] += 1
            ET.SubElement(case, "failure", message=first_line[:300]).text = output
    suite.set("tests", str(len(tests)))
    for key, value in counts.items():
        suite.set(key, str(value))
    suite.set("time", f"{float(results.get('execution_time') or 0.0):.3f}")
    return suite


def junit_text(suites: Iterable[ET.Element]) -> str:
    root = ET.Element("testsuites", name="logistic-regression-and-metrics")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for suite in suites:
        root.append(suite)
        for key in totals:
            totals[key] += int(suite.get(key, "0"))
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def write_junit(folders: Iterable[tuple[str, Path]], path: Path) -> None:
    """JUnit XML for (name, folder holding results.json) pairs, written atomically."""
    suites = []
    for name, folder in folders:
        try:
            results = json.loads((folder / "results.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            results = {"tests": [], "output": "no results were written"}
        suites.append(junit_suite(name, results))
    atomic_write_text(Path(path), junit_text(suites))


__all__ = ["junit_suite", "junit_text", "write_junit"]
