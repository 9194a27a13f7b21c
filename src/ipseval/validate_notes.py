"""The read notes validate adds per file: what its checks read in a way worth saying (words for
no value read as blank, labels mapped to blank or to a value, the order of day and month decided,
columns worked out from input columns), each with its count."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ipseval.validate import _Checker as Checker

__all__ = ["counted_notes"]


def counted_notes(checkers: Iterable[Checker]) -> list[str]:
    """The notes on what each file's checks read in a way worth saying, with their counts."""
    notes: list[str] = []
    for chk in checkers:
        null_words = sum(chk.kept_cells.counts("null_words").values())
        if null_words:
            notes.append(f"{chk.file}: {null_words} cells holding NULL, NA or N/A were read as blank")
        for column, n in chk.kept_cells.counts("mapped_blank").items():
            meaning = chk.spec.column(column).meaning  # "blank = still in the job at the data cut"
            blank = f"({meaning})" if meaning.startswith("blank = ") else "(not recorded)"
            notes.append(
                f'{chk.file}: {n} {column} cell{"s" if n != 1 else ""} whose label is mapped to "" in '
                f"[mapping.codes.{chk.table}.{column}] read as blank {blank}"
            )
        for column, values in chk.no_row.items():
            n, shown = sum(values.values()), ", ".join(f"'{v}'" for v in values)
            notes.append(
                f'{chk.file}: {n} {column} cell{"s" if n != 1 else ""} of {shown} mapped to "" in '
                f"[mapping.codes.{chk.table}.{column}]: no row (not recorded, like a blank cell)"
            )
        for column, n in chk.kept_cells.counts("translated").items():
            notes.append(
                f"{chk.file}: {n} {column} cell{'s' if n != 1 else ''} read as the value "
                f"[mapping.codes.{chk.table}.{column}] maps {'them' if n != 1 else 'it'} to"
            )
        for column, n in chk.kept_cells.counts("blank_read_as").items():
            code = chk.blank_code[column]
            notes.append(
                f"{chk.file}: {n} blank {column} cell{'s' if n != 1 else ''} read as {code} "
                f'([mapping.codes.{chk.table}.{column}] "" = "{code}")'
            )
        if chk.dates.decided:
            notes.append(chk.dates.decided)
        if chk.ages_from_birth:
            notes.append(
                f"{chk.file}: {chk.ages_from_birth} ages at referral worked out from the date of birth "
                "(the dates of birth themselves are not kept)"
            )
        if chk.bands_from_last_worked:
            notes.append(
                f"{chk.file}: {chk.bands_from_last_worked} blank time_since_last_job cells worked out "
                "from the date last worked (whole years to referral, banded)"
            )
    return notes
