"""JUnit XML for GitLab, Jenkins and other CI test reports: one <testsuite> per
submission, one <testcase> per check.

Built from the class folder's typed results (grader/classwork/classfolder.py reads each
results.json, the fallback of a failed grading too), so every submission is reported
like any other. Failed checks carry the learner-facing message; grader errors are
<error>s; skipped checks (a stub, a broken file) and manual items awaiting review are
<skipped>.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path

from grader.classwork.classfolder import StoredResult
from grader.files import atomic_write_text
from grader.results import Status

# Characters XML 1.0 cannot hold at all (learner output may contain anything).
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(value: object) -> str:
    return _NOT_XML.sub("\ufffd", str(value))


def junit_suite(result: StoredResult) -> ET.Element:
    """One submission's results as a <testsuite>."""
    # A criterion override or a late penalty is a test of results.json (so that the tests
    # add up to the score) but no check: it is not a test case.
    tests = result.checks
    suite = ET.Element("testsuite", name=_text(result.name))
    counts = {"failures": 0, "errors": 0, "skipped": 0}
    for test in tests:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=_text(f"{result.name}.{test.exercise or 'submission'}"),
            name=_text(test.name),
        )
        output = _text(test.output)
        first_line = output.strip().splitlines()[0] if output.strip() else test.name
        if test.status is Status.ERROR:
            counts["errors"] += 1
            ET.SubElement(case, "error", message=first_line[:300]).text = output
        elif test.status is Status.REVIEW:
            counts["skipped"] += 1
            ET.SubElement(case, "skipped", message="awaiting instructor review")
        elif test.status is Status.SKIPPED:
            counts["skipped"] += 1
            ET.SubElement(case, "skipped", message=f"not run: {first_line}"[:300]).text = output
        elif test.status is Status.FAILED:
            counts["failures"] += 1
            ET.SubElement(case, "failure", message=first_line[:300]).text = output
    suite.set("tests", str(len(tests)))
    for key, value in counts.items():
        suite.set(key, str(value))
    suite.set("time", f"{result.execution_time:.3f}")
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


def write_junit(results: Iterable[StoredResult], path: Path) -> None:
    """JUnit XML for the class's results, written atomically."""
    atomic_write_text(Path(path), junit_text(junit_suite(result) for result in results))


__all__ = ["junit_suite", "junit_text", "write_junit"]
