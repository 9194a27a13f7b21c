"""Qualitative result tables and the report section: counts by hand, the cell rule for quotes,
VADER sentiment on hand-checked sentences, no names anywhere, and a demo smoke test."""

from __future__ import annotations

import importlib.util
import json
import re
import warnings
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import polars as pl
import pytest

from ipseval.disclosure import protect
from ipseval.evaluation import EvaluationMeta, PublishedEvaluation
from ipseval.qualitative.tables import qualitative_tables, sentiment_labels, vader_compound
from ipseval.settings import Disclosure, Settings

NAMES = ("Hannah", "Sam", "Jo")  # speaker and mentioned names the test transcripts would have


@dataclass
class FakeCodebook:
    """Two themes: 'integration' with two sub-themes, 'client_valued' with two, and a leaf theme
    'fidelity' with none."""

    leaves: tuple[str, ...] = (
        "integration.culture",
        "integration.co_location",
        "fidelity",
        "client_valued.practical_support",
        "client_valued.consistency_flexibility",
    )

    def parent(self, code: str) -> str | None:
        return code.split(".")[0] if "." in code else None

    def label(self, code: str) -> str:
        return {
            "integration": "Integration with treatment",
            "integration.culture": "Shared culture",
            "integration.co_location": "Co-location",
            "fidelity": "Fidelity to IPS",
            "client_valued": "What clients valued",
            "client_valued.practical_support": "Practical support",
            "client_valued.consistency_flexibility": "Consistency and flexibility",
        }[code]


# Seven interviews: five clients (four in North, one in South) and two IPS staff. Quotes carry
# the role only, so the cell that must be big enough is the role: clients (5 interviews, more
# than the ndtms threshold of 4) may be quoted, wherever they were interviewed; IPS staff (2) not.
INTERVIEWS = [
    ("c1", "client", "North"),
    ("c2", "client", "North"),
    ("c3", "client", "North"),
    ("c4", "client", "North"),
    ("c5", "client", "South"),
    ("s1", "ips_staff", "North"),
    ("s2", "ips_staff", "North"),
]

POSITIVE_TEXT = "She was brilliant and really helped me with my CV, I am so grateful for it."
NEGATIVE_TEXT = "I hated the job centre, it was awful and they were rude to me every single time."
NEUTRAL_TEXT = "We met at the library on Tuesdays and went through the forms for the warehouse job."
STAFF_TEXT = "Being in the same building as the keyworkers means we talk every day about referrals."

# (segment_id, interview, text); each interview also has one interviewer turn (below)
SEGMENTS = [
    ("c1-1", "c1", POSITIVE_TEXT),
    ("c1-2", "c1", NEUTRAL_TEXT),
    ("c2-1", "c2", POSITIVE_TEXT.replace("CV", "interview")),
    ("c2-2", "c2", NEGATIVE_TEXT),
    ("c3-1", "c3", NEUTRAL_TEXT.replace("library", "café")),
    ("c4-1", "c4", POSITIVE_TEXT.replace("CV", "forms")),
    ("c5-1", "c5", "[name] came to my house when I could not get out, she was wonderful and kind."),
    ("s1-1", "s1", STAFF_TEXT),
    ("s1-2", "s1", "The team meeting is where we hear about new clients; we go every week now."),
    ("s2-1", "s2", STAFF_TEXT.replace("every day", "most days")),
]

# (segment_id, code, score)
CODES = [
    ("c1-1", "client_valued.practical_support", 0.9),
    ("c1-2", "client_valued.consistency_flexibility", 0.5),
    ("c2-1", "client_valued.practical_support", 0.8),
    ("c2-2", "client_valued.consistency_flexibility", 0.4),
    ("c4-1", "client_valued.practical_support", 0.7),
    ("c4-1", "client_valued.consistency_flexibility", 0.6),
    ("c5-1", "client_valued.practical_support", 0.95),  # highest score, but a cell of 1
    ("s1-1", "integration.co_location", 0.9),
    ("s1-1", "integration.culture", 0.6),
    ("s1-2", "integration.culture", 0.7),
    ("s2-1", "integration.co_location", 0.8),
    ("s2-1", "fidelity", 0.3),
    ("c3-1", "not_a_code", 0.9),  # unknown code: ignored
    ("c1-0", "fidelity", 0.9),  # interviewer turn: ignored
]


def interview_set() -> SimpleNamespace:
    rows = []
    for iv, role, area in INTERVIEWS:
        rows.append((f"{iv}-0", iv, role, area, True, "What helped most?"))
    rows += [
        (sid, iv, *next((r, a) for i, r, a in INTERVIEWS if i == iv), False, text)
        for sid, iv, text in SEGMENTS
    ]
    segments = pl.DataFrame(
        rows, schema=["segment_id", "interview", "role", "area", "is_interviewer", "text"], orient="row"
    ).with_columns(
        pl.col("interview").alias("file"),
        pl.lit([], pl.List(pl.Utf8)).alias("name_flags"),
        pl.col("text").str.len_chars().alias("chars"),
    )
    interviews = pl.DataFrame(INTERVIEWS, schema=["interview", "role", "area"], orient="row").with_columns(
        (pl.col("interview") + ".md").alias("file"), pl.lit(100).alias("words")
    )
    problems = pl.DataFrame(schema={"file": pl.Utf8, "severity": pl.Utf8, "problem": pl.Utf8})
    return SimpleNamespace(segments=segments, interviews=interviews, problems=problems)


def codes_frame(with_score: bool = True) -> pl.DataFrame:
    df = pl.DataFrame(CODES, schema=["segment_id", "code", "score"], orient="row")
    return df if with_score else df.drop("score")


NO_QUOTES = pl.DataFrame(schema={"segment_id": pl.Utf8, "code": pl.Utf8})
AREAS = pl.DataFrame({"local_authority": ["north", "South"], "integration_strength": ["strong", "weak"]})


def tables(policy: str = "ndtms", quotes: pl.DataFrame = NO_QUOTES, source: str = "suggested: keyword", **kw):
    settings = kw.get("settings") or Settings(disclosure=Disclosure(policy=policy))
    return qualitative_tables(
        interview_set(),
        codes_frame("score" in kw.get("score", "score")),
        quotes,
        FakeCodebook(),
        settings,
        AREAS,
        source,
    )


def by(table, **match):
    return [r for r in table.data.to_dicts() if all(r[k] == v for k, v in match.items())]


# ----------------------------------------------------------------------------------------- counts


def test_interview_grid_counts_interviews_and_interviewee_segments():
    t = tables()["qualitative_interviews"]
    got = {(r["role"], r["area"]): (r["interviews"], r["segments"]) for r in t.data.to_dicts()}
    assert got == {
        ("client", "North"): (4, 6),
        ("client", "South"): (1, 1),
        ("ips_staff", "North"): (2, 3),
    }
    assert by(t, area="South")[0]["integration_strength"] == "weak"  # matched ignoring case


def test_themes_by_role_by_hand():
    t = tables()["qualitative_themes_by_role"]
    # clients: 5 interviews, 7 segments; practical support in c1, c2, c4, c5 (4 segments)
    ps = by(t, role="client", code="client_valued.practical_support")[0]
    assert (ps["interviews"], ps["total_interviews"], ps["segments"], ps["total_segments"]) == (4, 5, 4, 7)
    assert ps["share_segments"] == pytest.approx(4 / 7)
    # theme level counts each segment once: c1-1, c1-2, c2-1, c2-2, c4-1 (twice coded), c5-1
    cv = by(t, role="client", level="theme", code="client_valued")[0]
    assert (cv["interviews"], cv["segments"]) == (4, 6)
    # staff: integration in s1 (2 segments) and s2 (1 segment); s1-1 carries both sub-themes
    integ = by(t, role="ips_staff", level="theme", code="integration")[0]
    assert (integ["interviews"], integ["segments"], integ["total_segments"]) == (2, 3, 3)
    assert by(t, role="ips_staff", code="integration.culture")[0]["segments"] == 2
    # fidelity is a leaf theme: a theme row, no sub-theme row; the interviewer's code is ignored
    fid = by(t, code="fidelity")
    assert {r["level"] for r in fid} == {"theme"}
    assert {(r["role"], r["segments"]) for r in fid} == {("client", 0), ("ips_staff", 1)}
    # zeros kept: every role x every code
    assert t.data.height == 2 * 7  # 3 themes + 4 sub-themes
    assert not by(t, code="not_a_code")


def test_themes_overall_and_by_integration_strength():
    ts = tables()
    overall = by(ts["qualitative_themes"], code="client_valued.practical_support")[0]
    assert (overall["interviews"], overall["total_interviews"], overall["segments"]) == (4, 7, 4)
    strong = by(ts["qualitative_themes_by_integration"], integration_strength="strong", code="integration")[0]
    assert (strong["interviews"], strong["total_interviews"]) == (2, 6)
    weak = by(ts["qualitative_themes_by_integration"], integration_strength="weak", code="client_valued")[0]
    assert (weak["interviews"], weak["segments"], weak["total_segments"]) == (1, 1, 1)


def test_area_not_in_areas_table_is_not_recorded():
    settings = Settings()
    ts = qualitative_tables(
        interview_set(), codes_frame(), NO_QUOTES, FakeCodebook(), settings, AREAS.head(1), "analyst"
    )
    assert {r["integration_strength"] for r in by(ts["qualitative_interviews"], area="South")} == {
        "not recorded"
    }


def test_no_areas_table_gives_no_integration_table():
    ts = qualitative_tables(
        interview_set(), codes_frame(), NO_QUOTES, FakeCodebook(), Settings(), None, "analyst"
    )
    assert "qualitative_themes_by_integration" not in ts
    assert "integration_strength" not in ts["qualitative_themes_by_area"].data.columns


def test_counts_are_protected_by_disclosure_control():
    t = tables()["qualitative_themes_by_role"]
    p = protect(t, Disclosure(policy="ndtms"))
    row = next(
        i for i, r in enumerate(p.data.to_dicts()) if r["role"] == "ips_staff" and r["code"] == "integration"
    )
    assert p.is_hidden(row, "interviews") and p.is_hidden(row, "share_interviews")


# ----------------------------------------------------------------------------------------- quotes


def test_cell_rule_withholds_quotes_from_small_cells():
    q = tables()["qualitative_quotes"]
    rows = q.data.to_dicts()
    # practical support: the two best segments, from different client interviews (c5-1 from the
    # single South client is allowed: the quote shows "client" only, and there are 5 clients)
    ps = [r for r in rows if r["code"] == "client_valued.practical_support"]
    assert [(r["score"], r["withheld"]) for r in ps] == [(0.95, False), (0.9, False)]
    assert all(r["quote"] and r["role"] == "client" for r in ps)
    # every staff quote is from a role with 2 interviews: all withheld, no text anywhere
    staff = [r for r in rows if r["role"] == "ips_staff"]
    assert staff and all(r["withheld"] and r["quote"] is None for r in staff)
    assert "area" not in q.data.columns and "segment_id" not in q.data.columns
    assert all(r["selection"] == "suggested" for r in rows)
    # a role's quotes are shown only when its count of interviews would be: 5 clients are hidden
    # under a threshold of 5
    strict = tables(settings=Settings.model_validate({"disclosure": {"threshold": 5}}))
    assert strict["qualitative_quotes"].data["withheld"].all()


def test_policy_none_shows_every_quote():
    rows = tables(policy="none")["qualitative_quotes"].data.to_dicts()
    assert rows and not any(r["withheld"] for r in rows)


def test_analyst_quotes_replace_suggestions():
    quotes = pl.DataFrame(
        {
            "segment_id": ["c4-1", "c5-1", "s1-1"],
            "code": ["client_valued.practical_support"] * 2 + ["integration.co_location"],
        }
    )
    rows = tables(quotes=quotes, source="analyst")["qualitative_quotes"].data.to_dicts()
    assert [(r["code"], r["withheld"]) for r in rows] == [
        ("integration.co_location", True),  # IPS staff: 2 interviews
        ("client_valued.practical_support", False),
        ("client_valued.practical_support", False),
    ]
    assert all(r["selection"] == "analyst" and r["score"] is None for r in rows)


def test_flagged_segments_are_never_suggested_as_quotes():
    iset = interview_set()
    iset.segments = iset.segments.with_columns(
        pl.when(pl.col("segment_id") == "c1-1")
        .then(pl.lit(["Hannah"], pl.List(pl.Utf8)))
        .otherwise(pl.col("name_flags"))
        .alias("name_flags")
    )
    ts = qualitative_tables(
        iset, codes_frame(), NO_QUOTES, FakeCodebook(), Settings(), AREAS, "suggested: keyword"
    )
    shown = [
        r["score"]
        for r in by(ts["qualitative_quotes"], code="client_valued.practical_support")
        if not r["withheld"]
    ]
    assert shown == [0.95, 0.8]  # c1-1 (0.9) holds a flagged word: the next best is used


def test_only_the_best_suggestion_per_segment_is_counted():
    codes = codes_frame().with_columns(pl.lit(1, pl.Int64).alias("rank"))
    # a second-best suggestion for c3-1 (otherwise uncoded) must not count
    extra = pl.DataFrame(
        {"segment_id": ["c3-1"], "code": ["client_valued.practical_support"], "score": [0.99], "rank": [2]}
    )
    ts = qualitative_tables(
        interview_set(),
        pl.concat([codes, extra]),
        NO_QUOTES,
        FakeCodebook(),
        Settings(),
        AREAS,
        "suggested: embedding",
    )
    ps = by(ts["qualitative_themes_by_role"], role="client", code="client_valued.practical_support")[0]
    assert (ps["interviews"], ps["segments"]) == (4, 4)
    assert 0.99 not in ts["qualitative_quotes"].data["score"].to_list()


def test_read_codes_csv(tmp_path: Path):
    from ipseval.qualitative.codebook import load_codebook
    from ipseval.qualitative.evaluate import read_codes_csv

    path = tmp_path / "codes.csv"
    path.write_text(
        "segment_id,code,quote\n"
        "a:0001,integration.co_location,yes\n"
        "a:0001,Practical support,yes\n"  # a label is accepted; quoted once, under its first code
        "a:0002,none,\n"  # reviewed, no code applies: dropped
        "a:0003,made_up_code,yes\n"  # not in the codebook: reported
        "a:0004,fidelity,x\n",
        encoding="utf-8",
    )
    codes, quotes, problems = read_codes_csv(path, load_codebook())
    assert codes.rows() == [
        ("a:0001", "integration.co_location"),
        ("a:0001", "client_valued.practical_support"),
        ("a:0004", "fidelity"),
    ]
    assert quotes.rows() == [("a:0001", "integration.co_location"), ("a:0004", "fidelity")]
    assert len(problems) == 1 and "not in the codebook" in problems[0]["problem"]


def test_coding_sheet_adapter(tmp_path: Path, monkeypatch):
    from ipseval.qualitative import evaluate, sheet

    def fake_read(path, codebook, segments=None):
        return sheet.CodingSheet(
            pl.DataFrame(
                [("a:1", "fidelity", 1), ("a:1", "integration.culture", 2), ("a:2", "none", 1)],
                schema=sheet.CODES_SCHEMA,
                orient="row",
            ),
            pl.DataFrame(
                [("a:1", "integration.culture"), ("a:1", "fidelity"), ("a:3", None)],
                schema=sheet.QUOTES_SCHEMA,
                orient="row",
            ),
            pl.DataFrame(
                [
                    {
                        "severity": "error",
                        "file": "coding.xlsx",
                        "table": "coding sheet",
                        "row": 7,
                        "column": "code_1",
                        "value": "Sam said",
                        "expected": "a code",
                        "message": "unknown code",
                    }
                ],
                schema=sheet.PROBLEM_SCHEMA,
            ),
        )

    monkeypatch.setattr(sheet, "read_coding_sheet", fake_read)
    path = tmp_path / "coding.xlsx"
    path.write_bytes(b"")
    codes, quotes, problems = evaluate._coding_sheet(path, None, pl.DataFrame())
    assert codes.columns == ["segment_id", "code"]  # the analyst's columns are not a ranking
    assert codes.rows() == [("a:1", "fidelity"), ("a:1", "integration.culture")]
    assert quotes.rows() == [("a:1", "fidelity")]  # once, under the first code
    assert problems == [{"file": "coding.xlsx", "severity": "error", "problem": "row 7: unknown code"}]


def test_problem_file_names_that_may_hold_a_name_are_withheld():
    from ipseval.qualitative.evaluate import WITHHELD_FILE, _hide_named_files

    problems = pl.DataFrame(
        {
            "file": ["sam_smith.md", "sam_smith.md", "02_client.md"],
            "severity": ["warning"] * 3,
            "problem": [
                "the file name seems to hold a person's name; file names may be shown in outputs",
                "no area in the front matter: area unknown",
                "no area in the front matter: area unknown",
            ],
        }
    )
    assert _hide_named_files(problems)["file"].to_list() == [WITHHELD_FILE, WITHHELD_FILE, "02_client.md"]


# -------------------------------------------------------------------------------------- sentiment


def test_vader_on_hand_checked_sentences():
    compound = vader_compound([POSITIVE_TEXT, NEGATIVE_TEXT, NEUTRAL_TEXT, "She never gave up on me."])
    assert sentiment_labels(compound) == ["positive", "negative", "neutral", "neutral"]
    assert sentiment_labels([0.05, -0.05, 0.0499, -0.0499]) == ["positive", "negative", "neutral", "neutral"]


def test_sentiment_shares_of_client_segments():
    s = tables()["qualitative_sentiment"]
    allrow = by(s, group="all")[0]
    # clients' segments: positive c1-1, c2-1, c4-1, c5-1; negative c2-2; neutral c1-2, c3-1
    assert (allrow["segments"], allrow["positive"], allrow["neutral"], allrow["negative"]) == (7, 4, 2, 1)
    assert allrow["share_positive"] == pytest.approx(4 / 7)
    cf = by(s, group="client_valued.consistency_flexibility")[0]  # c1-2 neutral, c2-2 negative, c4-1 positive
    assert (cf["segments"], cf["positive"], cf["neutral"], cf["negative"]) == (3, 1, 1, 1)
    assert any("VADER" in n for n in s.notes)


def test_client_strands():
    t = tables()["qualitative_client_strands"]
    got = {r["code"]: (r["interviews"], r["segments"]) for r in t.data.to_dicts()}
    assert got == {"client_valued.practical_support": (4, 4), "client_valued.consistency_flexibility": (3, 3)}
    assert {r["total_interviews"] for r in t.data.to_dicts()} == {5}


def test_coding_source_is_recorded():
    suggested = tables()["qualitative_coding"].data.to_dicts()
    assert {"item": "coding", "value": "suggested"} in suggested
    assert {"item": "method", "value": "keyword"} in suggested
    analyst = tables(source="analyst")["qualitative_coding"].data.to_dicts()
    assert {"item": "coding", "value": "analyst"} in analyst
    assert any("unreviewed" in n for n in tables()["qualitative_themes_by_role"].notes)


# ---------------------------------------------------------------------------- report, no names


def published(ts, policy: str = "ndtms") -> PublishedEvaluation:
    from ipseval.disclosure import describe_policy, protect_all

    settings = Settings(service_name="Test service", disclosure=Disclosure(policy=policy))
    meta = EvaluationMeta(
        service_name="Test service",
        source="test",
        data_cut=date(2024, 6, 30),
        data_cut_source="settings",
        period_start="2023-01-01",
        period_end="2024-06-30",
        generated_at="2024-07-01T00:00:00",
        software_version="test",
        standard_version="test",
        tables_present=["clients"],
        settings=settings,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return PublishedEvaluation(
            meta=meta,
            disclosure=describe_policy(settings.disclosure),
            tables=protect_all(ts, settings.disclosure),
        )


def render_section(pub: PublishedEvaluation) -> str:
    from ipseval.report import environment
    from ipseval.report.sections import qualitative

    data = qualitative.build(pub)
    assert data is not None
    return (
        environment()
        .get_template(f"sections/{qualitative.ID}.html.j2")
        .render(pub=pub, data=data, section=qualitative)
    )


def _no_names(text: str) -> None:
    for name in NAMES:
        assert not re.search(rf"\b{name}\b", text), name


@pytest.mark.parametrize("policy", ["ndtms", "none"])
def test_section_renders_without_names_or_withheld_text(policy):
    from ipseval.report.outputs import results_json

    pub = published(tables(policy=policy), policy)
    html = render_section(pub)
    _no_names(html)
    _no_names(json.dumps(results_json(pub)))
    assert "not yet checked by an analyst" in html
    assert "VADER" in html
    if policy == "ndtms":
        # withheld: the staff's words (2 interviews); the clients' (5) are shown
        assert "same building" not in html
        assert "really helped me with my CV" in html
        assert "not shown (too few interviews" in html
    else:
        assert "same building" in html
    assert "South" not in html and "North" not in html  # no area anywhere in the section


def test_names_setting_is_not_in_results_json():
    from ipseval.report.outputs import results_json

    pub = published(tables())
    settings = pub.meta.settings.model_copy(
        update={"qualitative": pub.meta.settings.qualitative.model_copy(update={"names": ["Hannah"]})}
    )
    pub.meta.settings = settings
    _no_names(json.dumps(results_json(pub)))


def test_section_says_when_an_analyst_coded():
    html = render_section(published(tables(source="analyst")))
    assert "An analyst read the transcripts" in html and "not yet checked" not in html


def test_section_skipped_without_qualitative_tables():
    from ipseval.report.sections import qualitative

    assert qualitative.build(published({})) is None


# ---------------------------------------------------------------------------------- demo smoke


_HAVE_READERS = all(
    importlib.util.find_spec(f"ipseval.qualitative.{m}") is not None
    for m in ("transcripts", "codebook", "suggest")
)


@pytest.mark.skipif(not _HAVE_READERS, reason="transcript reader, codebook or suggester not available yet")
def test_demo_interviews_smoke(tmp_path: Path, demo_store_and_settings):
    from ipseval import demo
    from ipseval.qualitative.evaluate import interview_tables

    store, settings = demo_store_and_settings
    data = tmp_path / "data"
    (data / "interviews").mkdir(parents=True)
    for p in demo.interview_files():
        (data / "interviews" / p.name).write_bytes(p.read_bytes())
    settings = settings.model_copy(
        update={"qualitative": settings.qualitative.model_copy(update={"method": "keyword"})}
    )
    ts = interview_tables(data, store, settings)
    assert {"qualitative_interviews", "qualitative_themes_by_role", "qualitative_quotes"} <= set(ts)
    assert ts["qualitative_interviews"].data["interviews"].sum() == len(demo.interview_files())
    assert set(ts["qualitative_themes_by_integration"].data["integration_strength"]) == {
        "strong",
        "moderate",
        "weak",
    }
    coding = dict(ts["qualitative_coding"].data.rows())
    assert coding["coding_source"] == "suggested: keyword"
    # ndtms (threshold 4): clients (9 interviews) and IPS staff (6) may be quoted; treatment staff
    # (4), commissioners (2) and employers (2) may not
    quotes = ts["qualitative_quotes"].data
    shown = set(quotes.filter(~pl.col("withheld"))["role"])
    assert shown <= {"client", "ips_staff"} and "client" in shown
    assert quotes.filter(pl.col("role").is_in(["treatment_staff", "commissioner", "employer"]))[
        "withheld"
    ].all()
    for policy in ("ndtms", "none"):
        html = render_section(published(ts, policy))
        for speaker in ("Sam", "Hannah", "Jo"):
            assert not re.search(rf"\b{speaker}\b", html)

    # the analyst's codes.csv replaces the suggestions, with their chosen quotes
    segs = ts["qualitative_quotes"]  # (unused: quotes carry no segment id)
    assert "segment_id" not in segs.data.columns
    from ipseval.qualitative import read_interviews

    iset = read_interviews(data / "interviews", settings)
    ids = iset.segments.filter(~pl.col("is_interviewer"))["segment_id"].to_list()
    (data / "interviews" / "codes.csv").write_text(
        "segment_id,code,quote\n"
        + f"{ids[0]},client_valued.practical_support,yes\n{ids[1]},fidelity,\nnot:0001,fidelity,\n",
        encoding="utf-8",
    )
    ts = interview_tables(data, store, settings)
    assert dict(ts["qualitative_coding"].data.rows())["coding"] == "analyst"
    assert ts["qualitative_quotes"].data["selection"].to_list() == ["analyst"]
    assert ts["qualitative_themes"].data.filter(pl.col("code") == "fidelity")["segments"].item() == 1
    problems = ts["qualitative_problems"].data
    assert problems["file"].to_list() == ["codes.csv"]  # the reader's "not a transcript" note is dropped
    assert "not found in the transcripts" in problems["problem"][0]

    assert interview_tables(None, store, settings) == {}
    assert interview_tables(tmp_path / "nowhere", store, settings) == {}
