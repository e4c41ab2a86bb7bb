"""A learner's identity: the name a submission was handed in under, the safe folder name it
is graded as in OUT, and how that folder name was made; and the one function that says
which submission a name in the instructor's files (overrides, timestamps, roster) means.

The rule that keeps identities apart (issue: name squatting): a name that had to change
(a leading dot dropped, a separator replaced, a suffix added) never takes a name that
another entry has as it is, nor one equal to it after Unicode compatibility mapping and
case folding (NFKC + casefold: `Alice`, `alice` and its fullwidth form are one name). Of two
entries whose names are equal that way, the first (in the batch's sorted order, after the
folders already in OUT) keeps its name and the other is suffixed, marked SUFFIXED so that
an export never hands its score to a student without saying so.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum


class NameOrigin(str, Enum):
    """How a submission's folder name was made from the name it was handed in under."""

    AS_GIVEN = "as-given"  # the folder name is the name as handed in
    MADE_SAFE = "made-safe"  # characters replaced, leading dots dropped, or read as cp1252
    SUFFIXED = "suffixed"  # another entry has this name (case and Unicode forms aside)


@dataclass(frozen=True)
class Identity:
    """One submission's identity; `folder` is unique in OUT, `given` is what the learner used."""

    given: str  # the name as handed in (a folder's name, an archive's without its suffix)
    folder: str  # the safe folder name in OUT, the name in every view and export
    origin: NameOrigin = NameOrigin.AS_GIVEN

    @property
    def renamed(self) -> bool:
        """Graded under another name than the one handed in."""
        return self.origin is not NameOrigin.AS_GIVEN


def name_key(name: str) -> str:
    """The form in which two names are the same name: NFKC, case folded (twice NFKC, as
    case folding may leave characters that compose again)."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())


def assign_identities(
    given: Sequence[tuple[str, str]], existing: Iterable[Identity] = ()
) -> list[Identity]:
    """Identities for the entries `given`, each a pair (name as handed in, safe name), in
    order; `existing` are the identities already in OUT (their folders are kept by whoever
    was handed in under that name again).

    An entry keeps its safe name when it is its name as handed in and no earlier entry
    or existing folder of another given name holds it (compared by name_key). Every other
    entry gets the safe name, or the safe name suffixed -2, -3, ..., whose key is no
    entry's given name, no kept name and no existing folder of another given name.
    """
    existing = list(existing)
    held: dict[str, str] = {name_key(i.folder): i.given for i in existing}  # key -> given
    every_given = {name_key(name) for name, _ in given}
    result: list[Identity | None] = [None] * len(given)
    # First pass: names as handed in claim themselves, first come first served.
    kept: set[str] = set()  # keys kept in this batch: one entry each
    for index, (name, safe) in enumerate(given):
        key = name_key(safe)
        if safe == name and key not in kept and held.get(key, name) == name:
            held[key] = name
            kept.add(key)
            result[index] = Identity(name, safe)
    # Second pass: every changed or colliding name avoids all of the above.
    reserved = set(held) | every_given
    claimed = {name_key(i.folder) for i in result if i is not None}
    again = {i.given: i for i in existing if i.renamed}
    for index, (name, safe) in enumerate(given):
        if result[index] is not None:
            continue
        before = again.get(name)
        if before is not None and name_key(before.folder) not in claimed:
            # Handed in again under the same name: graded into the same folder as before.
            claimed.add(name_key(before.folder))
            result[index] = before
            continue
        candidate, counter = safe, 2
        while name_key(candidate) in reserved:
            candidate, counter = f"{safe}-{counter}", counter + 1
        reserved.add(name_key(candidate))
        claimed.add(name_key(candidate))
        origin = NameOrigin.SUFFIXED if candidate != safe or safe == name else NameOrigin.MADE_SAFE
        result[index] = Identity(name, candidate, origin)
    return [identity for identity in result if identity is not None]


@dataclass(frozen=True)
class NameMatch:
    """What a name from the instructor's files means among the submissions."""

    name: str
    identity: Identity | None  # the submission meant: folder, else given, else the loose one
    exact: bool = False  # `name` is that submission's folder name
    problem: str = ""  # one line: why the name does not mean one submission for certain

    @property
    def clean(self) -> bool:
        """The name is exactly one submission's folder, handed in under that name, and no
        other submission is the same name after case folding."""
        return self.identity is not None and not self.problem


def match_name(name: str, identities: Iterable[Identity]) -> NameMatch:
    """The submission `name` means among `identities` (the one matcher of the kit).

    Exact folder name first, then exact name as handed in, then equal after NFKC and case
    folding. `problem` is set where the match is not certain: the submission was renamed,
    or several submissions are that name after case folding, or only a folded form matched.
    """
    identities = list(identities)
    key = name_key(name)
    loose = [i for i in identities if key in (name_key(i.folder), name_key(i.given))]
    by_folder = [i for i in identities if i.folder == name]
    by_given = [i for i in identities if i.given == name]
    chosen = (by_folder or by_given or loose or [None])[0]
    if chosen is None:
        return NameMatch(name, None)
    exact = chosen.folder == name
    problem = ""
    others = [i.folder for i in loose if i is not chosen]
    if chosen.renamed:
        why = (
            "another submission has its name"
            if chosen.origin is NameOrigin.SUFFIXED
            else "its name was made safe"
        )
        problem = (
            f"'{name}' is the submission handed in as '{chosen.given}', graded as "
            f"'{chosen.folder}' ({why})"
        )
    elif others:
        names = ", ".join(f"'{folder}'" for folder in [chosen.folder, *others])
        problem = (
            f"'{name}' is the name of more than one submission (case and Unicode forms "
            f"aside): {names}"
        )
    elif not exact:
        problem = (
            f"'{name}' matches the submission '{chosen.folder}' only in another case or "
            "Unicode form"
        )
    return NameMatch(name, chosen, exact, problem)


__all__ = ["Identity", "NameMatch", "NameOrigin", "assign_identities", "match_name", "name_key"]
