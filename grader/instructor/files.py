"""Reading the files an instructor gives (timestamps, roster, overrides, rubric) as people
save them: UTF-8 with or without a BOM (Excel's "CSV UTF-8"), CRLF or LF line ends, and
for CSV a comma, semicolon or tab, whichever the header uses.

Every problem is one line naming the file, the line and, for undecodable bytes, the byte
offset: the caller turns it into exit status 2.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


class InstructorInputError(ValueError):
    """Any problem with what the instructor gave (rubric, overrides, timestamps, roster,
    output paths): one line, exit status 2. Each kind of input has its subclass."""


class InstructorFileError(InstructorInputError):
    """An instructor's file that cannot be read or lacks what it needs: one line."""


def read_text(path: Path) -> str:
    """The file's text, decoded as utf-8-sig (a BOM is dropped).

    Raises InstructorFileError naming the line and byte offset of the first byte that is
    not UTF-8, or the reason the file cannot be opened.
    """
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise InstructorFileError(f"{path}: cannot be read ({error.strerror})") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        # Excel's advice only for what Excel writes (a CSV), not for a YAML file.
        csv = Path(path).suffix.lower() == ".csv"
        how = "as UTF-8, e.g. Excel's 'CSV UTF-8'" if csv else "as UTF-8 in your editor"
        raise InstructorFileError(
            f"{path}: line {line}, byte {error.start}: 0x{data[error.start]:02x} is not UTF-8 "
            f"(save the file {how})"
        ) from None


@dataclass(frozen=True)
class CsvRow:
    line: int  # 1-based line of the file where the row starts (the header is line 1)
    values: dict[str, str]  # column name -> stripped cell ("" where the row is short)


def read_csv(path: Path, required: Sequence[str]) -> tuple[CsvRow, ...]:
    """The data rows of a CSV whose header names at least the `required` columns.

    Column names are matched without case or surrounding spaces; blank rows are skipped.
    Raises InstructorFileError for an unreadable file, a missing column or a broken row.
    """
    text = read_text(path)
    if not text.strip():
        raise InstructorFileError(f"{path}: line 1: empty; needs the columns {', '.join(required)}")
    header_line = text.splitlines()[0]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(header_line, ",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        header = [cell.strip().lower() for cell in next(reader)]
        missing = [column for column in required if column not in header]
        if missing:
            raise InstructorFileError(
                f"{path}: line 1: no column '{missing[0]}' "
                f"(the header has: {', '.join(header) or 'nothing'})"
            )
        rows = []
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            values = {
                column: (cells[index].strip() if index < len(cells) else "")
                for index, column in enumerate(header)
            }
            rows.append(CsvRow(reader.line_num, values))
    except csv.Error as error:
        raise InstructorFileError(f"{path}: line {reader.line_num}: {error}") from None
    return tuple(rows)


__all__ = ["CsvRow", "InstructorFileError", "read_csv", "read_text"]


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML's safe loader, but a mapping that names one key twice is refused (YAML itself
    keeps the last value without a word: a rubric weight or an override's points lost)."""


def _mapping_without_repeats(loader: _UniqueKeyLoader, node: yaml.MappingNode) -> Any:
    lines: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if isinstance(key, (str, int, float, bool)) and key in lines:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"the key {key!r} is given twice (lines {lines[key]} and {line})",
                key_node.start_mark,
            )
        if isinstance(key, (str, int, float, bool)):
            lines[key] = line
    return loader.construct_mapping(node, deep=True)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_repeats
)


def load_yaml(text: str) -> Any:
    """YAML text as plain data (yaml.safe_load), refusing a key given twice in one
    mapping: yaml.YAMLError whose `problem` says which key and lines."""
    return yaml.load(text, Loader=_UniqueKeyLoader)


def yaml_problem(error: yaml.YAMLError) -> str:
    """ ": the key 'points' is given twice (lines 3 and 5)" for a repeated key, else ""."""
    if isinstance(error, yaml.constructor.ConstructorError) and error.problem:
        return f": {error.problem}"
    return ""
