"""Similar submissions: pairs whose exercise files share long fragments of code.

Fingerprinting by winnowing (Schleimer, Wilkerson and Aiken's MOSS algorithm) as the
maintained `copydetect` package does it: code is tokenized with identifiers and literals
normalized, so renamed variables still match; fingerprints of the stub (the kit's
exercises/, in every submission) are given as boilerplate and never count. The result is
a lead for a person to read, never a verdict: correct solutions of short functions look
alike, so only pairs that share most of their own code are listed.

The same class gives the same pairs on every run: copydetect hashes its k-grams with
Python's hash(), which is salted per process (PYTHONHASHSEED), so which fingerprints
winnowing keeps, and pairs near the threshold, changed from run to run. Here the k-grams
are hashed by a fixed function (blake2b) instead. The shared fragments shown leave out
the stub's own lines (its docstrings, TODOs and signatures), as the shares do.
"""

from __future__ import annotations

import contextlib
import hashlib
import heapq
import io
import itertools
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from grader.paths import EXERCISE_ORDER
from grader.sandbox.limits import Limits
from grader.source_text import read_learner_source

NOISE_TOKENS = 25  # copydetect's defaults: matches shorter than this are noise,
GUARANTEE_TOKENS = 30  # and any match this long is found
THRESHOLD = 0.8  # share of one side's code found in the other
MIN_TOKENS = 150  # shared tokens, at least: a couple of one-line functions are not a lead
MAX_PAIRS = 50
MAX_FRAGMENTS = 3
MAX_FRAGMENT_CHARS = 1500


@dataclass(frozen=True)
class SharedFragment:
    file_name: str  # e.g. "logistic_scratch.py"
    first: str  # the code as it reads in the first submission
    second: str  # and in the second


@dataclass(frozen=True)
class SimilarPair:
    first: str
    second: str
    similarity: float  # the larger of the two sides' shares of shared code, in [0, 1]
    shared_tokens: int
    fragments: tuple[SharedFragment, ...]


def _stable_kgram_hashes(string: str, k: int) -> np.ndarray:
    """copydetect.utils.hashed_kgrams with a hash that is the same in every process."""
    data = string.encode("utf-8", "surrogatepass")
    if len(data) != len(string):  # non-ASCII: hash the characters' k-grams one by one
        grams = (
            string[i : i + k].encode("utf-8", "surrogatepass") for i in range(len(string) - k + 1)
        )
    else:
        grams = (data[i : i + k] for i in range(len(string) - k + 1))
    return np.array(
        [
            int.from_bytes(hashlib.blake2b(g, digest_size=8).digest(), "big", signed=True)
            for g in grams
        ],
        dtype=np.int64,
    )


@contextlib.contextmanager
def _stable_hashes() -> Iterator[None]:
    """copydetect's k-gram hashes made the same in every process, while the search runs."""
    import copydetect.utils

    original = copydetect.utils.hashed_kgrams
    copydetect.utils.hashed_kgrams = _stable_kgram_hashes
    try:
        yield
    finally:
        copydetect.utils.hashed_kgrams = original


def find_similar(
    code_folders: Mapping[str, Path],
    stub_folder: Path | None,
    threshold: float = THRESHOLD,
    min_tokens: int = MIN_TOKENS,
) -> tuple[SimilarPair, ...]:
    """Pairs of submissions (name -> folder of their exercise files) that share at least
    `threshold` of one side's code and `min_tokens` tokens, most similar first, at most
    MAX_PAIRS; the same pairs on every run. Files that cannot be read or tokenized are
    left out."""
    if len(code_folders) < 2:  # no pair: spare copydetect's import (1 s, with matplotlib)
        return ()
    with _stable_hashes():
        return _find_similar(code_folders, stub_folder, threshold, min_tokens)


def _find_similar(
    code_folders: Mapping[str, Path],
    stub_folder: Path | None,
    threshold: float = THRESHOLD,
    min_tokens: int = MIN_TOKENS,
) -> tuple[SimilarPair, ...]:
    from copydetect import CodeFingerprint, compare_files

    window = GUARANTEE_TOKENS - NOISE_TOKENS + 1

    def fingerprint(path: Path, boilerplate: np.ndarray | None) -> CodeFingerprint | None:
        # Read as the grader reads every learner file (grader/source_text.py: a BOM, a
        # coding line, a stray byte in a comment as Python allows it), never re-decoded
        # by copydetect; a file over the source size cap was never graded.
        source = read_learner_source(path, path.name, Limits().source_kb * 1024)
        if source.text is None:
            return None
        try:
            # copydetect logs through the root logger; its warnings are not ours to print
            with contextlib.redirect_stderr(io.StringIO()):
                return CodeFingerprint(
                    str(path),
                    NOISE_TOKENS,
                    window,
                    boilerplate=boilerplate,
                    fp=io.StringIO(source.text),
                )
        except ValueError:
            return None

    # Identical files (untouched stubs, copies) are fingerprinted and compared once: the
    # result depends only on the two texts.
    known: dict[bytes, CodeFingerprint | None] = {}
    compared: dict[tuple[int, int], tuple] = {}

    def fingerprint_once(path: Path, boilerplate: np.ndarray) -> CodeFingerprint | None:
        try:
            key = hashlib.sha256(path.read_bytes()).digest()
        except OSError:
            return None
        if key not in known:
            known[key] = fingerprint(path, boilerplate)
        return known[key]

    def compare_once(a: CodeFingerprint, b: CodeFingerprint) -> tuple:
        key = (id(a), id(b))
        if key not in compared:
            compared[key] = compare_files(a, b)
        return compared[key]

    logging.getLogger("copydetect").setLevel(logging.ERROR)
    prints: dict[str, dict[str, CodeFingerprint]] = {name: {} for name in code_folders}
    stub_lines: dict[str, frozenset[str]] = {}
    for file_name in EXERCISE_ORDER:
        stub = stub_folder / file_name if stub_folder else None
        boilerplate = np.array([], dtype=np.int64)
        if stub is not None and stub.is_file():
            stub_lines[file_name] = _lines_of(stub)
            stub_print = fingerprint(stub, None)
            if stub_print is not None:
                boilerplate = np.unique(np.array(sorted(stub_print.hashes), dtype=np.int64))
        for name, folder in code_folders.items():
            path = folder / file_name
            if path.is_file():
                found = fingerprint_once(path, boilerplate)
                if found is not None and found.hashes:
                    prints[name][file_name] = found

    # First the share of every pair (numbers only), keeping the MAX_PAIRS most similar in a
    # heap; then the shared fragments of those alone. A class of copies has ~n²/2 similar
    # pairs: their code fragments, all kept, held gigabytes.
    best: list[tuple[float, str, str, str, str, int]] = []
    for first, second in itertools.combinations(sorted(code_folders, key=str.lower), 2):
        shared = covered_first = covered_second = 0
        overlap_first = overlap_second = 0
        for file_name in EXERCISE_ORDER:
            a, b = prints[first].get(file_name), prints[second].get(file_name)
            # (a and b may be one object: identical files share their fingerprint)
            covered_first += a.token_coverage if a is not None else 0
            covered_second += b.token_coverage if b is not None else 0
            if a is None or b is None or not (a.hashes & b.hashes):
                continue
            tokens, (share_a, share_b), _ = compare_once(a, b)
            shared += int(tokens)
            overlap_first += round(float(share_a) * a.token_coverage)
            overlap_second += round(float(share_b) * b.token_coverage)
        if not shared:
            continue
        share = min(
            1.0,
            max(
                overlap_first / covered_first if covered_first else 0.0,
                overlap_second / covered_second if covered_second else 0.0,
            ),
        )
        if share >= threshold and shared >= min_tokens:
            # heapq keeps the smallest first: the weakest of the kept pairs is dropped
            entry = (
                share,
                _negated(first.lower()),
                _negated(second.lower()),
                first,
                second,
                shared,
            )
            if len(best) < MAX_PAIRS:
                heapq.heappush(best, entry)
            elif entry > best[0]:
                heapq.heapreplace(best, entry)
    pairs = []
    for share, _, _, first, second, shared in best:
        fragments: list[tuple[int, SharedFragment]] = []
        for file_name in EXERCISE_ORDER:
            a, b = prints[first].get(file_name), prints[second].get(file_name)
            if a is None or b is None or not (a.hashes & b.hashes):
                continue
            _, _, (slices_a, slices_b) = compare_once(a, b)
            fragments += _fragments(
                file_name,
                a.raw_code,
                b.raw_code,
                slices_a,
                slices_b,
                stub_lines.get(file_name, frozenset()),
            )
        fragments.sort(key=lambda item: -item[0])
        pairs.append(
            SimilarPair(
                first, second, share, shared, tuple(f for _, f in fragments[:MAX_FRAGMENTS])
            )
        )
    pairs.sort(key=lambda pair: (-pair.similarity, pair.first.lower(), pair.second.lower()))
    return tuple(pairs)


def _negated(name: str) -> str:
    """A name whose order is reversed (for the heap: among equal shares the alphabetically
    first pairs are kept, as in the sorted result)."""
    return "".join(chr(0x10FFFF - ord(ch)) for ch in name)


def _lines_of(stub: Path) -> frozenset[str]:
    """The stub's non-blank lines, stripped: what every submission starts from."""
    try:
        text = stub.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return frozenset()
    return frozenset(line.strip() for line in text.splitlines() if line.strip())


def _without_stub(text: str, stub_lines: frozenset[str]) -> str:
    """The fragment's lines that are not the stub's (blank lines between them kept once)."""
    kept = [line for line in text.splitlines() if line.strip() not in stub_lines]
    return "\n".join(kept).strip("\n")


def _fragments(
    file_name: str,
    code_a: str,
    code_b: str,
    slices_a: np.ndarray,
    slices_b: np.ndarray,
    stub_lines: frozenset[str] = frozenset(),
) -> list[tuple[int, SharedFragment]]:
    """The copied slices of both files, paired in order, longest first (chars), without
    the stub's own lines."""
    found = []
    try:
        starts_a, ends_a = slices_a[0], slices_a[1]
        starts_b, ends_b = slices_b[0], slices_b[1]
        count = min(len(starts_a), len(starts_b))
    except (TypeError, IndexError):
        return []
    for i in range(count):
        text_a = _without_stub(_whole_lines(code_a, int(starts_a[i]), int(ends_a[i])), stub_lines)
        text_b = _without_stub(_whole_lines(code_b, int(starts_b[i]), int(ends_b[i])), stub_lines)
        if text_a.strip() and text_b.strip():
            found.append((len(text_a), SharedFragment(file_name, text_a, text_b)))
    return found


def _whole_lines(code: str, start: int, end: int) -> str:
    """The slice widened to whole lines (copydetect's offsets may cut a token)."""
    start = code.rfind("\n", 0, max(0, start)) + 1
    stop = code.find("\n", max(start, end))
    return code[start : len(code) if stop < 0 else stop].strip("\n")[:MAX_FRAGMENT_CHARS]


__all__ = ["SharedFragment", "SimilarPair", "find_similar"]
