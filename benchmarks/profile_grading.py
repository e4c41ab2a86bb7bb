"""Where one grading's time goes: phases of grade_submission, and a cProfile of one.

Run by hand, never as a test:

    python benchmarks/profile_grading.py [--kind correct|buggy|hanging] [--repeat 5]
        [--cprofile FILE.prof] [--top 25] [--cpu] [--json]
        [--pytest-arg=ARG ...] [--tbstyle native|no]   # try pytest options without run.py

Builds a grading process's context as `grade --jobs N` does (timed: the per-process
start), grades one submission of the given kind once to warm up (timed: the first
submission), then `--repeat` more times, each with its reports written, timing every
phase by wrapping the grader's functions (inclusive times, averaged):

    load          load_submission (copy into a work folder)
    worker start  Worker._spawn: asks the zygote for a fork (prestart: the worker's
                  readiness is awaited inside the first learner IPC)
    pytest        CheckSession.run: one submission's checks in the process's pytest
                  session (configured and collected once, in the first submission), of which:
      check bodies  Function.runtest: the check functions themselves (learner IPC inside);
                    pytest minus check bodies is pytest's own per-check machinery
      learner IPC   _Process.exchange, round trips to the worker (learner code inside)
      learner code  what the worker reports as the time inside learner code
      reference     SolutionReference.call / get (the expected values)
      worker end    _Process.end: killing a worker (after a timeout; the last in close)
      process wait  _Process._wait: polls on the worker's pipes (inside learner IPC)
    figures       FigureCollector (the report's curves: learner calls and reference)
    worker close  Worker.close (kill the process tree, remove the scratch folder)
    reports       write_submission_reports, of which render_html, and in it plot_views
                  (drawing the three plots)

Then one more grading runs under cProfile (not in the timings): `--cprofile FILE` keeps
its stats for snakeviz / pstats, `--top N` prints the N costliest functions by cumulative
time (--top 0 and no --cprofile: no profiled run). Last, the issue's stages (worker
start, learner calls, reference, checks, plots, rendering) with their shares.

Findings (issue 14; 2 shared cores with other engineers' test runs: every figure is
noisy, learner time itself varied from 0.28 to 0.61 s between runs of the same code):

Before (main at 539b9e8), a correct submission in a warm process took 0.92 s with its
reports, 0.32 s of it in learner code (185 % overhead). The costs, largest first:
- drawing the three plots with matplotlib: 0.33 s (render_html; matplotlib's figure,
  artist and SVG backend, about 0.1 s a plot whatever the data);
- pytest's session per submission: configuring (arguments, 30 plugins registered, the
  fixture manager), collecting 73 checks, its per-check hooks: about 0.15 s;
- report templates compiled afresh for each report (a new Jinja2 Environment): 0.04 s;
- round trips to the worker beyond learner time: 0.05 s for 135 requests, growing with
  the machine's load (context switches); 0.24 MB sent and 0.32 MB received per
  submission, so re-encoding arrays is not a cost worth removing;
- the reference: 7 ms (already cached per process); caching held-out data per seed
  would not pay either (each submission has its own seed);
- worker fork 7 ms (prestarted), kill and clean-up 0.04 s, the figures' own work 0.02 s.
A hanging submission took 28.1 s: two time limits (10 s) for fit_logistic, then 2 s
limits for each later function built on it. The first submission of each grading process
took 2.6 s: scikit-learn imported in the grading process for the reference (1 s) after
the zygote's start (1.2 s). A cold `grade` of one folder took about 4.5 s, 1.6 s of it
the class report of one submission (copydetect's import, 0.9 s, for no pair; matplotlib
for the class plots).

After (this branch): 0.47 s with reports, 0.28 s in learner code (64 %, measured at a
quieter moment): plots 7 ms (grader/render/chart.py, a Jinja2 SVG template), reports
15 ms, pytest 0.03 s of machinery per submission (CheckSession: one session per grading
process), a hanging submission 11.4 s (one time limit; dependants fail at once). What
is left: the checks' own work (generating held-out data, comparing arrays: about
0.06 s), worker start and close (0.04 s), round trips; and per grading process the
zygote's start and the reference's imports, now overlapped at the process's start.

Third round (the targets still open: overhead and throughput). The wall times above
depend on the load; the grading process's CPU time per submission does much less, so it
is the yardstick here (a class of 11 distinct submissions graded by batch's own
_grade_and_write in one warm process, process_time): 0.24-0.28 s before, 0.15-0.17 s
after, beside 0.29 s of learner code. What paid:
- the thread limit of a grading process: threadpool_limits(1) ran before the reference
  imported scikit-learn, so SciPy's OpenBLAS and scikit-learn's OpenMP kept two threads
  each; the reference's L-BFGS fit (ex6) spun its second thread on the other grading
  process's core. The variables are now set before those imports: the reference's CPU
  time fell from 0.08 to 0.02 s a submission (batch.one_thread_each);
- pytest's report of a failed check, which nobody reads, in the native style: the
  default parsed each frame's source, 0.05-0.1 s a failure (a buggy submission's
  pytest machinery 0.068 -> 0.032 s);
- in a batch the worker's tree is killed as its checks end and the rest of its close
  (waiting for it to die, 1 ms polls; reaping; the cgroup; its files: 0.02-0.03 s) runs
  in a thread while the reports are written (run.closing_in_background);
- OUT/NAME/code/ copied from the copy grading loads, not from a second load (0.01 s);
- the reference cache keyed by the arguments' bytes, not their JSON encoding (6 -> 3 ms).
Measured and not kept: disabling the pytest plugins no check uses (hypothesis, unittest,
tmpdir, setuponly, setupplan, subtests, legacypath, doctest, junitxml, pastebin: each
within 2 ms, noise; capture cannot go: nothing is collected without it); making the
check session in a thread while the zygote starts (a cold grade 2.7 s either way: it
shares the GIL with the reference's imports); gc.freeze() in the zygote after its
imports, so that the workers' collections copy fewer shared pages (0.505 -> 0.521 s a
grading, noise). Not tried: sending several calls of a check
at once (164 round trips cost 0.04 s beyond learner code; a change to every check);
CPU-time limits and niced workers for hanging code: the hanging fixture spins, so its
limit costs a core's time either way, and with one grading process per core a hang takes
one core while the other lane goes on (18 to 19 submissions finished during each hang of
the class of 100); priorities would move that CPU time, not remove it. What is left per
correct submission (CPU): pytest's per-check machinery 0.03 s, the checks' own work 0.04
s, the reference 0.02 s, the
reports 0.02 s and automatic.json 0.007 s, the worker's close 0.009 s (in its thread),
round trips 0.009 s, load, scores and figures 0.01 s; and in wall time,
waiting for the worker to be ready and its teardown: from the spawn request to its
"ready", 30 ms with namespaces and 25 ms without (the zygote's three forks of a 100 MB
process, then the worker's set-up); its close 14-18 ms (load average 3); and pipe latency.

Fourth round (issue 25; the machine loaded, load average 2 to 7 on 2 cores: CPU times,
not wall times). The grading process's CPU time per correct submission, 8 gradings in
one warm process: 0.137-0.153 s before (one outlier 0.22), 0.129-0.150 s after. What
was removed: the worker's fence around each call into logistic_scratch (from-scratch
rule) made a tripwire for each of about 700 scikit-learn and SciPy modules and sieved
sys.modules with a Python test per name, 0.55 ms of the worker's CPU a call; now the
tripwires are reused and the sieve is str.startswith, 0.29 ms (the worker's time,
outside the learner's measured time: it showed as round-trip overhead). The M19 keys of
the seen calls (JSON and SHA-256 of their arguments) were made again by every hidden
check, about 170 a grading; now once per call. What is left, from a cProfile by CPU time
(inflated about 2.7x by the profiler): pytest's run-test loop around the check bodies
(fixtures' set-up and teardown, reports), the reports (chart templates), the
reference's keys and copies, the from-scratch import check's AST walks (three per
grading, source.imported_modules, not cached by source text).

Fifth round (issue 25; load average 2 to 5 on 2 cores). --cpu profiles by process_time
and the phases table has a CPU column (thread_time), since cProfile's inflation differs
by kind of code: the from-scratch import check looked like 0.016 s under cProfile and
takes 0.8 ms. The grading process's CPU per correct submission, median of 12 warm
gradings with reports (process_time, no timers): 0.150-0.155 s before (one loaded run
0.176), 0.143-0.149 s after. What paid: pytest's protocol per check taken over by
CheckPlugin (set-up state, fixtures and pytest_pyfunc_call kept; no capture, skip-mark,
makereport or logreport hooks, no TestReport): pytest's machinery 0.059 -> 0.023 s wall;
the submission's fixtures session-scoped (set up once per submission, not 200 times).
Measured and not kept: a plain-data copier for the reference's copies (no faster than
deepcopy on its answers), hashing arrays' memory without tobytes (0.05 ms). What is left
(CPU, thread_time per submission): the checks' own work about 0.05 s, spread thin (no
function above 2 ms: expect_close's allclose 3 ms, the seen-call keys, the variants);
the reference 0.019 s (its solution code on each submission's held-out data; keys and
copies 3 ms); loading 0.016 s (copy and parse); pytest 0.018 s; round trips 0.016 s;
reports 0.013 s (the three charts 7 ms, in Jinja2: per-coordinate formatting).

Sixth round (issue 25, the grading process's own CPU; the sandbox's side was the lead's:
the worker's encoding, IPC and close, about 0.035 s of this process's CPU, untouched).
Yardstick: the median process_time of 9 warm gradings with reports (printed as "its
median"), base and branch interleaved three times on the same machine (load average 1 to
2): 0.116-0.135 s before, 0.108-0.116 s after; every micro figure below is process_time
too. Costs measured inside a grading run 3 to 5 times their warm micro-benchmark (the
worker's round trips evict the caches), so only removed work shows. What paid:
- expect.close without np.allclose when it passes with finite expected values (25 -> 4
  us, 140 calls); an argument sent back with equal bytes unchanged without
  np.array_equal (6 -> 0.3 us, 230 calls); the confusion variants' cells counted with
  count_nonzero (16 -> 6 us a matrix, 110 a grading);
- CheckPlugin fills a check's own fixtures (learner, reference, tickets, variants, rng)
  into item.funcargs before pytest's set-up: pytest's lookups for them (200 a grading, a
  fixture definition built for `request` for every rng) were 16 ms of 300 under
  cProfile; pytest's machinery 0.016 -> 0.012 s. A passed check's outcome made once, not
  made and replaced (CheckPlugin._record 2.2 -> 1.0 ms);
- M19's seen calls sieved once per function and grading (each of 70 hidden checks made
  the chapter's arrays and sieved every seen call), their keys kept across gradings by the
  arguments' bytes: 4.2 -> 1.7 ms; and no seen call is kept by identity any more (up to
  4,096 with their arrays were held across gradings);
- hidden checks' M09 variants computed only when the check fails (1 ms);
- the charts: a curve scaled in one numpy pass (the same floats) and its points formatted
  in one string with two regular expressions; coordinates through a Jinja2 filter, which
  is called directly, not through the context (three charts 4.3 -> 3.1 ms, the same SVG
  for 1,536 layouts and the real charts); report.html and report.md share one view.
Measured and not kept: a repr per list of plain numbers in the reference's keys (no
faster: its arrays dominate); calling the check function directly instead of item.runtest
(3 us a check warm: pytest_pyfunc_call stays); gc.freeze() in a pool process after its
first submission (a full collection walks 120,000 objects, 60 ms, but only once in about
20 gradings, and 25 ms after freezing: 1.5 %, and frozen objects that later die in a
cycle would never be freed). What is left (CPU per correct grading, about 0.11 s): the
sandbox's calls 0.035 s (encoding, the echoed arguments, round trips, the close); the
reference 0.017 s (its solution code on held-out data 0.013 s: inherent, keys and copies
of cache hits 2 ms); the checks' own work 0.021 s, no check above 2.3 ms; pytest 0.010 s
(hook dispatch, set-up state, CallInfo); reports 0.010 s (the charts' template 2 ms,
report.html 2 ms, three fsyncs 1.4 ms); loading 0.006 s (parsing nine files 3 ms).

Seventh round (issue 25, the sandbox's side: round trips, the fence, the worker's start;
and the batch's writes). Per call into logistic_scratch the worker raised and lowered the
from-scratch fence, swapping about 700 scikit-learn and SciPy modules out of sys.modules
and back (0.37 ms of the worker's CPU a call, 80 calls a grading): the fence now stays up
from one fenced request to the next (5 switches a grading) and each request is checked
against sys.modules as the fence left it (identity of every key and value, C speed);
a call of sigmoid went from 0.78 to 0.30 ms a round trip. The worker sent every argument
back after each call, for the in-place-change check (M18): an argument the call left
unchanged now comes back as a tag, and the grader uses the object it sent (the grader's
CPU per call of log_loss 0.15 -> 0.11 ms). A worker's start, timed from the spawn request
to its "ready" with namespaces (marks written by each process): the zygote's fork of L
4 ms, L joining its two cgroups 12 ms (the kernel's migration, mostly waiting), G's fork
4 ms, the new root 2 ms, W's fork 4 ms, the seccomp filter built 2.4 ms, the rest 2 ms:
24 ms, waited for by the first check. Now the zygote makes the next worker's launcher as
a worker ends (Zygote.prepare_next, in the batch's clean-up thread): L joins its cgroup
and enters its namespaces, forks G, G forks W, and they wait for the spec; the filter is
built once in the zygote. Ready 24 -> 8 ms after the spawn (7 ms as an ordinary user,
through a user namespace). In a batch, automatic.json and adjusted.json are written
compact (json's indented form is pure Python) and to_plain looks up each dataclass's
fields once per type (6.5 -> 2.3 ms each a submission); reading adjusted.json resolves
each type's annotations once (typing.get_type_hints per object: 60 -> 17 ms a result
under cProfile, the class views' rebuild 3.2 -> 1.7 s for 30); a worker's tree is found
for its kill in its pids cgroup where there is one, not by reading the whole process
table twice. Considered and not kept: a per-process cache of `get` values (ex7's ANSWERS
read 8 times: 1 ms a grading); sending the calls of one check's loop in one request
(about 80 round trips fewer, 10 ms, but a later call would run after an earlier answer
already failed the check: a hang there would cost a time limit the check never paid);
checking only the fenced names after a fenced request (1 ms; a key renamed in place
would go unseen). Measured and not kept (cold `grade` of one folder, three runs each way,
quiet machine): starting the zygote before the grading process builds its context (3.3 ->
3.9 s: it ran beside the isolation probe's trial launches), and handing the grading
processes the main process's isolation probe (3.3 s either way: the grading process's
path is the reference's imports, which ran during the probe's wait anyway); pinning each
grading process and its workers to one core in a batch (0.245 / 0.235 s pinned, 0.251 /
0.232 s not, grading time minus learner code). What is left of a round trip (about
0.25 ms wall with the worker's code inside): the grader's CPU 0.09 ms (JSON and .npy
encoding of the arguments, the reply's decoding), the worker's 0.15 ms (the same on its
side, the fence's check, two context switches).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import functools
import io
import json
import pstats
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import _pytest.python  # noqa: E402

from grader.checks.reference import SolutionReference  # noqa: E402
from grader.paths import KitPaths  # noqa: E402
from grader.pipeline import figures as figures_module  # noqa: E402
from grader.pipeline import grade as grade_module  # noqa: E402
from grader.pipeline import run as run_module  # noqa: E402
from grader.pipeline.grade import GradingContext, GradingOptions, grade_submission  # noqa: E402
from grader.render import html as html_module  # noqa: E402
from grader.render import write_submission_reports  # noqa: E402
from grader.samples import Sample, compose_sample  # noqa: E402
from grader.sandbox import worker as worker_module  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"

# (label, owner, attribute): wrapped to accumulate their inclusive time.
PHASES: list[tuple[str, Any, str]] = [
    ("load", grade_module, "load_submission"),
    ("worker start", worker_module.Worker, "_spawn"),
    ("pytest", run_module.CheckSession, "run"),
    ("  check bodies", _pytest.python.Function, "runtest"),
    ("  learner IPC", worker_module._Process, "exchange"),
    ("  reference", SolutionReference, "call"),
    ("  reference get", SolutionReference, "get"),
    ("  worker end", worker_module._Process, "end"),
    ("  process wait", worker_module._Process, "_wait"),
    ("figures", figures_module.FigureCollector, "__call__"),
    ("worker close", worker_module.Worker, "close"),
    ("upstream notes", grade_module, "note_upstream_failures"),
    ("score", grade_module, "score"),
    ("reports", sys.modules[__name__], "_write_reports"),
    ("  render_html", html_module, "render_html"),
    ("  plot_views", html_module, "plot_views"),
]
OUTER = ("pytest", "figures")  # sub-phases are also counted per outer phase they ran in


def _write_reports(result: Any, folder: Path) -> None:
    write_submission_reports(result, folder)


class Timers:
    def __init__(self) -> None:
        self.total: dict[str, float] = defaultdict(float)
        self.cpu: dict[str, float] = defaultdict(float)  # the grading thread's CPU time
        self.calls: dict[str, int] = defaultdict(int)
        self._depth: dict[str, int] = defaultdict(int)
        self._outer: list[str] = []

    def wrap(self, label: str, function: Callable) -> Callable:
        @functools.wraps(function)
        def timed(*args: Any, **kwargs: Any) -> Any:
            self._depth[label] += 1
            if label in OUTER:
                self._outer.append(label)
            started, cpu = time.perf_counter(), time.thread_time()
            try:
                return function(*args, **kwargs)
            finally:
                self._depth[label] -= 1
                if label in OUTER:
                    self._outer.pop()
                if self._depth[label] == 0:  # recursion: count the outermost call only
                    elapsed = time.perf_counter() - started
                    self.total[label] += elapsed
                    self.cpu[label] += time.thread_time() - cpu
                    self.calls[label] += 1
                    if label.startswith("  ") and self._outer:
                        self.total[f"{label} [{self._outer[-1]}]"] += elapsed

        return timed

    def reset(self) -> None:
        self.total.clear()
        self.cpu.clear()
        self.calls.clear()


@contextlib.contextmanager
def instrumented(timers: Timers) -> Iterator[None]:
    saved = []
    for label, owner, attribute in PHASES:
        original = (
            owner.__dict__[attribute] if isinstance(owner, type) else getattr(owner, attribute)
        )
        saved.append((owner, attribute, original))
        setattr(owner, attribute, timers.wrap(label, original))
    # render/__init__ bound render_html at import: rebind it there too.
    import grader.render as render_package

    saved.append((render_package, "render_html", render_package.render_html))
    render_package.render_html = timers.wrap("  render_html", render_package.render_html)
    try:
        yield
    finally:
        for owner, attribute, original in reversed(saved):
            setattr(owner, attribute, original)


def _configure_pytest(extra: list[str], tbstyle: str | None = None) -> None:
    """Extra arguments for the process's check session (made on first use), and pytest's
    traceback style for failure reports."""
    run_module.PYTEST_ARGS.extend(extra)
    if tbstyle is None:
        return
    original = run_module.CheckSession.__init__

    def init_with_style(self: Any, categories: Any) -> None:
        original(self, categories)
        self.config.option.tbstyle = tbstyle

    run_module.CheckSession.__init__ = init_with_style


def make_submission(kind: str, folder: Path) -> Path:
    kit = KitPaths.discover()
    target = folder / f"learner-{kind}"
    if kind == "correct":
        shutil.copytree(kit.solutions, target, ignore=shutil.ignore_patterns("__pycache__"))
    elif kind == "buggy":
        sample = Sample.read(sorted(FIXTURES.glob("mistake-*"))[0])
        compose_sample(sample, kit.solutions, target)
    else:
        compose_sample(Sample.read(FIXTURES / "infinite-loop"), kit.solutions, target)
    return target


def measure(
    kind: str = "correct", repeat: int = 5, profile: bool = False, cpu_clock: bool = False
) -> tuple[dict[str, Any], cProfile.Profile | None]:
    """Grade one submission of `kind` in a warm grading process: the figures (as printed
    by --json) and, if `profile`, the cProfile of one more grading (timed by the process's
    CPU time if `cpu_clock`: waits on the worker then cost nothing)."""
    from grader.classwork.batch import one_thread_each

    one_thread_each()  # as batch._init_process does
    scratch = Path(tempfile.mkdtemp(prefix="grader-profile-"))
    profiler = None
    try:
        submission = make_submission(kind, scratch / "class")
        options = GradingOptions(kit_root=KitPaths.discover().root, base_seed=1,
                                 private_paths=(scratch / "out",))  # fmt: skip
        started = time.perf_counter()
        context = GradingContext.build(options)
        context_s = time.perf_counter() - started
        started = time.perf_counter()
        context.warm.zygote()  # the zygote starts on first use
        zygote_s = time.perf_counter() - started
        started = time.perf_counter()
        first = grade_submission(submission, context)
        _write_reports(first, scratch / "out" / "first")
        first_s = time.perf_counter() - started

        timers = Timers()
        walls, cpus, learner, durations = [], [], [], []
        with instrumented(timers):
            for index in range(repeat):
                started, cpu = time.perf_counter(), time.process_time()
                # Its own name, so its own seed, as in a class: the hidden checks' data
                # differ, and the reference cannot answer them from its cache.
                result = grade_submission(submission, context, name=f"learner-{index}")
                _write_reports(result, scratch / "out" / f"run-{index}")
                walls.append(time.perf_counter() - started)
                cpus.append(time.process_time() - cpu)
                learner.append(result.learner_time_s)
                durations.append(result.duration_s)
        if profile:  # one more, outside the timed ones (cProfile slows it down)
            profiler = cProfile.Profile(time.process_time) if cpu_clock else cProfile.Profile()
            profiler.enable()
            result = grade_submission(submission, context, name="learner-profiled")
            _write_reports(result, scratch / "out" / "profiled")
            profiler.disable()
        context.warm.close()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    n = repeat
    if not timers.calls.get("  check bodies"):
        print("warning: pytest ran no check (--pytest-arg misused?)", file=sys.stderr)
    wall = sum(walls) / n
    learner_s = sum(learner) / n
    phases = {label: timers.total.get(label, 0.0) / n for label, _, _ in PHASES}
    phases.update(
        {label: total / n for label, total in sorted(timers.total.items()) if "[" in label}
    )
    phases["  learner code"] = learner_s
    figures = {
        "kind": kind,
        "repeat": n,
        "context_build_s": context_s,
        "zygote_start_s": zygote_s,
        "first_submission_s": first_s,
        "per_submission_s": wall,
        # The grading process's own CPU time (every thread), the timers' included: less
        # sensitive to other load on the machine than the wall time.
        "grader_cpu_s": sum(cpus) / n,
        "grader_cpu_median_s": sorted(cpus)[n // 2],
        "grade_submission_s": sum(durations) / n,
        "learner_s": learner_s,
        "overhead_pct": 100 * (wall - learner_s) / learner_s if learner_s else None,
        "phases_s": phases,
        "calls": {label: timers.calls.get(label, 0) / n for label, _, _ in PHASES},
        # The same phases in the calling thread's CPU time (thread_time): what a loaded
        # machine's waits and other processes do not inflate.
        "phases_cpu_s": {label: timers.cpu.get(label, 0.0) / n for label, _, _ in PHASES},
    }
    figures["stages_s"] = stages(figures)
    return figures, profiler


def stages(f: dict[str, Any]) -> dict[str, float]:
    """The issue's stages, per submission (seconds; together the whole grading with its
    reports): worker start (load, fork, kill, clean up), learner calls (round trips with
    the learner's code inside), reference, checks (pytest and the checks' own work),
    plots (the curves' data besides learner calls, and drawing the SVG), rendering (the
    three reports, plots aside), other."""
    p = f["phases_s"]
    worker = p["load"] + p["worker start"] + p["worker close"] + p.get("  worker end [pytest]", 0)
    learner = p["  learner IPC"]
    reference = p["  reference"] + p["  reference get"]
    checks = (
        p["pytest"]
        - p.get("  learner IPC [pytest]", 0)
        - p.get("  reference [pytest]", 0)
        - p.get("  reference get [pytest]", 0)
        - p.get("  worker end [pytest]", 0)
    )
    figures_rest = (
        p["figures"] - p.get("  learner IPC [figures]", 0) - p.get("  reference [figures]", 0)
    )
    plots = p["  plot_views"]
    rendering = p["reports"] - plots
    named = {
        "worker start": worker,
        "learner calls": learner,
        "reference": reference,
        "checks": checks,
        "plots": plots + figures_rest,
        "rendering": rendering,
    }
    named["other"] = max(0.0, f["per_submission_s"] - sum(named.values()))
    return named


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kind", choices=("correct", "buggy", "hanging"), default="correct")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--cprofile", type=Path, help="write the profiled grading's stats here")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--cpu",
        action="store_true",
        help="time the cProfile run by the grading process's CPU time (process_time), "
        "not the wall clock: on a shared machine, waits and other load drop out",
    )
    parser.add_argument(
        "--pytest-arg",
        action="append",
        default=[],
        metavar="ARG",
        help="append ARG to the check session's pytest arguments (repeatable), to try an "
        "option without editing run.py: --pytest-arg=--tb=native",
    )
    parser.add_argument(
        "--tbstyle",
        help="set pytest's traceback style for failure reports (config.option.tbstyle; "
        "--tb itself belongs to the terminal plugin, which the grader disables): native, no",
    )
    args = parser.parse_args()
    if args.pytest_arg or args.tbstyle:
        _configure_pytest(args.pytest_arg, args.tbstyle)
    figures, profiler = measure(args.kind, args.repeat, bool(args.top or args.cprofile), args.cpu)
    if args.json:
        print(json.dumps(figures, indent=1))
    else:
        _table(figures)
    if args.cprofile and profiler is not None:
        profiler.dump_stats(args.cprofile)
    if args.top and not args.json and profiler is not None:
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(args.top)
        print(f"\ncProfile of one more grading, top {args.top} by cumulative time:")
        print(text.getvalue().split("\n", 4)[-1].rstrip())
    return 0


def _table(f: dict) -> None:
    print(f"one {f['kind']} submission, graded {f['repeat']} times in one warm process")
    print(f"  context build (per grading process)   {f['context_build_s']:6.2f} s")
    print(f"  zygote start (per grading process)    {f['zygote_start_s']:6.2f} s")
    print(f"  first submission, with reports        {f['first_submission_s']:6.2f} s")
    print(f"  each later one, with reports          {f['per_submission_s']:6.2f} s")
    print(f"    of which inside learner code        {f['learner_s']:6.2f} s")
    print(f"    the grading process's CPU time      {f['grader_cpu_s']:6.3f} s")
    print(f"      its median                        {f['grader_cpu_median_s']:6.3f} s")
    if f["overhead_pct"] is not None:
        print(f"    grader overhead                     {f['overhead_pct']:6.0f} % (target 25 %)")
    print("  phases (inclusive, per submission)     time    calls      CPU")
    pytest_s = f["phases_s"]["pytest"]
    for label, seconds in f["phases_s"].items():
        calls = f["calls"].get(label)
        shown = "" if calls is None else f"{calls:8.1f}"
        cpu = f["phases_cpu_s"].get(label)
        shown += "" if cpu is None else f"  {cpu:6.3f} s"
        print(f"    {label:<34} {seconds:6.3f} s{shown}")
    ipc = f["phases_s"]["  learner IPC"] - f["learner_s"]
    inside = [f"  {name} [pytest]" for name in ("learner IPC", "reference", "reference get")]
    inside.append("  worker end [pytest]")
    rest = pytest_s - sum(f["phases_s"].get(k, 0) for k in inside)
    print(f"    IPC round trips minus learner code    {ipc:6.3f} s")
    machinery = pytest_s - f["phases_s"]["  check bodies"]
    print(f"    pytest minus check bodies             {machinery:6.3f} s (pytest's machinery)")
    print(f"    pytest minus IPC, reference           {rest:6.3f} s (pytest, checks' own work)")
    total = f["per_submission_s"]
    print("  stages (share of each later submission's time)")
    for label, seconds in f["stages_s"].items():
        print(f"    {label:<34} {seconds:6.3f} s {100 * seconds / total:5.1f} %")


if __name__ == "__main__":
    raise SystemExit(main())
