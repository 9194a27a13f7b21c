"""Specialists named in a diary where the staff table holds codes with the names beside them: map
proposes each name as its code (ingest.propose_staff), on a tiny export worked out by hand
with words unlike trial 5's (a 'Worker' column, 'Full Name' in the staff sheet)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from ipseval.ingest.propose import propose_export
from ipseval.ingest.propose_read import LocalColumn, LocalExport, LocalTable
from ipseval.ingest.propose_staff import folded, match_name, name_codes
from ipseval.ingest.propose_toml import proposal_toml

STAFF = [("Ll?r Hughes", "K4"), ("Sam Jones", "K5"), ("Sam Jones", "K6"), ("Eira Môn-Price", "K7")]
N = 24


def _export() -> LocalExport:
    clients = LocalTable(
        "Caseload",
        [
            LocalColumn("Person Ref", [f"P{i:03d}" for i in range(1, 7)]),
            LocalColumn("Area", ["Bangor"] * 6),
            LocalColumn("Referred On", [f"2023-01-{i:02d}" for i in range(1, 7)]),
            LocalColumn("Keyworker Code", ["K4", "K5", "K6", "K7", "K4", "K5"]),
        ],
        rows=6,
    )
    # hand-worked: 6 'Llŷr Hughes' (K4 through the lost letter), 6 'Price, Eira Mon' (K7, the same
    # letters), 6 'Sam Jones' (two staff: ambiguous), 6 'Pat Doe' (not in the staff sheet)
    workers = ["Llŷr Hughes", "Price, Eira Mon", "Sam Jones", "Pat Doe"] * (N // 4)
    diary = LocalTable(
        "Diary",
        [
            LocalColumn("Visit No", [str(5000 + i) for i in range(N)]),
            LocalColumn("Person Ref", [f"P{1 + i % 6:03d}" for i in range(N)]),
            LocalColumn("Visit Date", [f"2023-02-{1 + i:02d}" for i in range(N)]),
            LocalColumn("Worker", workers),
        ],
        rows=N,
    )
    staff = LocalTable(
        "Staff list",
        [
            LocalColumn("Keyworker Code", [c for _, c in STAFF]),
            LocalColumn("Full Name", [n for n, _ in STAFF]),
            LocalColumn("FTE", ["1", "1", "0.5", "0.8"]),
            LocalColumn("Start Date", ["2021-04-01"] * 4),
            LocalColumn("Team", ["Bangor"] * 4),
        ],
        rows=4,
    )
    return LocalExport(Path("x.xlsx"), True, [clients, diary, staff])


def test_each_name_is_proposed_as_its_code_and_ambiguous_or_unknown_names_are_left_to_check():
    p = propose_export(_export())
    diary = next(t for t in p.tables if t.local == "Diary")
    worker = next(c for c in diary.columns if c.local == "Worker")
    assert worker.standard == "employment_specialist_id" and not worker.sure
    got = {g.value: (g.code, g.confidence) for g in worker.codes}
    assert got["Llŷr Hughes"] == ("K4", 0.75)
    assert got["Price, Eira Mon"] == ("K7", 0.85)
    assert got["Sam Jones"] == (None, 0.0) and got["Pat Doe"] == (None, 0.0)
    why = {g.value: g.how for g in worker.codes}
    assert "ambiguous" in why["Sam Jones"] and "K5, K6" in why["Sam Jones"]
    assert "unknown: not a name in 'Full Name' (Staff list)" in why["Pat Doe"]
    codes = p.settings().mapping.codes["meetings"]["employment_specialist_id"]
    assert codes == {"Llŷr Hughes": "K4", "Price, Eira Mon": "K7"}
    toml = proposal_toml(p)
    assert "'Ll?r Hughes': a letter lost in the staff file's encoding" in toml
    assert '# "Sam Jones" = ?  CHECK: ambiguous' in toml


def test_matching_steps_and_their_order():
    staff = [("Siân Pritchard", "E1"), ("Ll?r Hughes", "E4"), ("Llyr Hughes", "E9")]
    # as written wins over the lost-letter reading, which would also fit E4
    assert match_name("LLYR  HUGHES", staff) == (["E9"], 0.9, "as written")
    assert match_name("Pritchard, Sian", staff) == (["E1"], 0.85, "the same letters")
    assert match_name("Llŵr Hughes", staff)[0] == ["E4"]  # ŵ folds to w: only the lost letter fits
    assert match_name("Lleucu Hughes", staff)[0] == []  # one lost letter is one letter, not four
    assert name_codes([("Nobody", 3)], staff, "Name", "Code", "staff.csv")[0].code is None


@given(st.lists(st.text(alphabet="abcdefghéâŷ", min_size=1, max_size=8), min_size=1, max_size=4))
def test_a_name_always_matches_itself_reordered_or_stripped_of_accents(words):
    name = " ".join(words)
    staff = [(name, "X1")]
    assert match_name(name, staff)[0] == ["X1"]
    assert match_name(", ".join(reversed(words)), staff)[0] == ["X1"]
    assert folded(name) == folded(name.upper())
