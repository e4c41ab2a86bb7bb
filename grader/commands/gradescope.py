"""`gradescope OUT.zip`: the autograder to upload to Gradescope.

The zip's top level becomes /autograder/source on Gradescope: setup.sh (installs the kit
and its Python dependencies from pyproject.toml), run_autograder (grades
/autograder/submission with every check and always writes
/autograder/results/results.json), and the kit itself: grader/, solutions/, exercises/
(the data loader and data the submissions run against), rubric.yaml, pyproject.toml and
README.md. No tests, samples or docs. The templates are in gradescope_assets/.
"""

from __future__ import annotations

import os
import stat
import tempfile
import zipfile
from pathlib import Path

import yaml

from grader.paths import EXERCISES, SOLUTIONS, KitPaths, shipped_files

ASSETS = Path(__file__).with_name("gradescope_assets")
SCRIPTS = ("setup.sh", "run_autograder")
#: The kit's parts the autograder needs, relative to the kit's root.
KIT_PARTS = ("grader", SOLUTIONS, EXERCISES, "rubric.yaml", "pyproject.toml", "README.md")
_SKIPPED = {"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".DS_Store"}
#: Zip entries carry a fixed date: the same kit gives the same zip.
_DATE = (2020, 1, 1, 0, 0, 0)


class GradescopeError(RuntimeError):
    """The autograder zip cannot be made (one line for the user)."""


def gradescope_command(kit: KitPaths, out: Path) -> int:
    members = write_gradescope_zip(kit, out)
    print(f"wrote the Gradescope autograder to {out} ({len(members)} files)")
    print(
        "upload it under Configure Autograder (base image: Ubuntu 22.04 or later); "
        "run_autograder writes results.json even when grading fails"
    )
    return 0


def write_gradescope_zip(kit: KitPaths, out: Path) -> list[str]:
    """Write the zip (atomically) and return its member names."""
    out = Path(out)
    if out.suffix.lower() != ".zip":
        raise GradescopeError(f"{out} should end in .zip")
    missing = [part for part in KIT_PARTS if not (kit.root / part).exists()]
    if missing:
        raise GradescopeError(f"the kit in {kit.root} has no {missing[0]}")
    files = dict(_script_texts(kit))
    for part in KIT_PARTS:
        for path in _kit_files(kit.root / part):
            files.setdefault(path.relative_to(kit.root).as_posix(), path)
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, scratch = tempfile.mkstemp(prefix=".gradescope-", suffix=".zip", dir=out.parent)
    os.close(handle)
    try:
        with zipfile.ZipFile(scratch, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name in sorted(files):
                content = files[name]
                data = content.encode("utf-8") if isinstance(content, str) else content.read_bytes()
                executable = name in SCRIPTS
                archive.writestr(_entry(name, executable), data)
        os.replace(scratch, out)
    except BaseException:
        Path(scratch).unlink(missing_ok=True)
        raise
    return sorted(files)


def _script_texts(kit: KitPaths) -> list[tuple[str, str]]:
    """setup.sh and run_autograder with the kit's facts filled in."""
    rubric = yaml.safe_load(kit.rubric.read_text(encoding="utf-8"))
    facts = {
        "@MAX_SCORE@": repr(float(rubric["total_points"])),
    }
    texts = []
    for name in SCRIPTS:
        text = (ASSETS / name).read_text(encoding="utf-8")
        for placeholder, value in facts.items():
            text = text.replace(placeholder, value)
        texts.append((name, text))
    return texts


def _kit_files(part: Path) -> list[Path]:
    if part.is_file():
        return [part]
    tracked = shipped_files(part)
    if tracked is not None:
        return [path for path in tracked if not _SKIPPED & set(path.relative_to(part).parts)]
    return sorted(
        path
        for path in part.rglob("*")
        if path.is_file()
        and not path.is_symlink()
        and not _SKIPPED & set(path.relative_to(part).parts)
        and path.suffix != ".pyc"
    )


def _entry(name: str, executable: bool) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_DATE)
    info.create_system = 3  # Unix: the mode bits below are read by unzip
    mode = 0o755 if executable else 0o644
    info.external_attr = (stat.S_IFREG | mode) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    return info
