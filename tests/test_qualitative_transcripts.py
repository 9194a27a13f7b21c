"""Transcripts in (issue 5 §1) and protecting people (§4): reading, segmenting, redaction, cells."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest

from ipseval.qualitative import (
    Redactor,
    cell_allowed,
    disclosure_threshold,
    read_interviews,
    setting_path,
)
from ipseval.qualitative.transcripts import (
    INTERVIEW_SCHEMA,
    PROBLEM_SCHEMA,
    SEGMENT_SCHEMA,
    role_from_file_name,
    split_sentences,
    split_turn,
)
from ipseval.settings import Settings, SettingsError, load_settings, settings_rows

CLIENT_MD = """---
role: client
area: Brent
---
Interviewer: How did you hear about the service?

Sam: My keyworker told me. Her name's Hannah.
She came to my group on a Tuesday.

Interviewer: Thanks, Sam.
"""


def _settings(**qual) -> Settings:
    return Settings.model_validate({"qualitative": qual} if qual else {})


def _write(folder: Path, name: str, text: str | bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / name
    if isinstance(text, bytes):
        p.write_bytes(text)
    else:
        p.write_text(text, encoding="utf-8")
    return p


def _problem(s, file: str) -> list[tuple[str, str]]:
    rows = s.problems.filter(pl.col("file") == file)
    return list(zip(rows["severity"], rows["problem"], strict=True))


def _docx(path: Path, paragraphs: list[str], table: list[tuple[str, str]] | None = None) -> None:
    import docx

    d = docx.Document()
    for p in paragraphs:
        d.add_paragraph(p)
    if table:
        t = d.add_table(rows=0, cols=2)
        for a, b in table:
            cells = t.add_row().cells
            cells[0].text, cells[1].text = a, b
    path.parent.mkdir(parents=True, exist_ok=True)
    d.save(str(path))


# --- reading -------------------------------------------------------------------------------


def test_markdown_with_front_matter(tmp_path):
    _write(tmp_path, "01_client_brent.md", CLIENT_MD)
    s = read_interviews(tmp_path, _settings())
    assert s.problems.height == 0
    assert s.segments.schema == pl.Schema(SEGMENT_SCHEMA)
    assert s.interviews.schema == pl.Schema(INTERVIEW_SCHEMA)
    seg = s.segments
    assert seg["segment_id"].to_list() == [f"01_client_brent:{i:04d}" for i in (1, 2, 3)]
    assert seg["turn"].to_list() == [1, 2, 3]
    assert seg["speaker"].to_list() == ["interviewer", "client", "interviewer"]
    assert seg["is_interviewer"].to_list() == [True, False, True]
    assert set(seg["role"]) == {"client"} and set(seg["area"]) == {"Brent"}
    assert set(seg["file"]) == {"01_client_brent.md"}
    # the continuation line belongs to Sam's turn; Sam (a speaker) is removed; Hannah, named only
    # in passing, cannot be known as a name: she is flagged for the analyst to review
    assert seg["text"][1] == "My keyworker told me. Her name's Hannah. She came to my group on a Tuesday."
    assert seg["name_flags"].to_list() == ["", "Hannah", ""]
    assert seg["text"][2] == "Thanks, [name]."
    assert seg["chars"].to_list() == [len(t) for t in seg["text"]]
    row = s.interviews.row(0, named=True)
    assert row == {
        "interview": "01_client_brent",
        "file": "01_client_brent.md",
        "role": "client",
        "area": "Brent",
        "turns": 3,
        "segments": 3,
        "words": sum(len(t.split()) for t in seg["text"]),
    }


def test_txt_with_bom_and_windows_line_endings(tmp_path):
    raw = ("\ufeff" + CLIENT_MD).replace("\n", "\r\n").encode("utf-8")
    _write(tmp_path, "a.txt", raw)
    s = read_interviews(tmp_path, _settings())
    assert s.problems.height == 0
    assert s.segments.height == 3
    assert s.segments["role"][0] == "client"
    assert "\r" not in "".join(s.segments["text"])


def test_windows_1252_file_is_read_with_a_warning(tmp_path):
    _write(tmp_path, "b.txt", CLIENT_MD.replace("told me", "told me \u2018go\u2019").encode("cp1252"))
    s = read_interviews(tmp_path, _settings())
    assert s.segments.height == 3
    assert "\u2018go\u2019" in s.segments["text"][1]
    assert [sev for sev, _ in _problem(s, "b.txt")] == ["warning"]


def test_docx_paragraphs_and_table(tmp_path):
    _docx(
        tmp_path / "c.docx",
        [
            "---",
            "role: ips_staff",
            "area: Ealing",
            "---",
            "Interviewer: What works?",
            "Ravi: Going in person.",
        ],
    )
    _docx(
        tmp_path / "d.docx",
        ["role: employer", "area: Barnet"],
        table=[("Interviewer", "Why did you take people on?"), ("Gary", "Ravi asked me to.")],
    )
    s = read_interviews(tmp_path, _settings())
    assert s.problems.height == 0, s.problems
    c = s.segments.filter(pl.col("interview") == "c")
    assert c["text"].to_list() == ["What works?", "Going in person."]
    assert c["speaker"].to_list() == ["interviewer", "ips_staff"]
    d = s.segments.filter(pl.col("interview") == "d")
    assert d["speaker"].to_list() == ["interviewer", "employer"]
    # Ravi speaks in c.docx, so he is removed from d.docx too
    assert d["text"].to_list() == ["Why did you take people on?", "[name] asked me to."]
    assert s.interviews.filter(pl.col("interview") == "d")["area"][0] == "Barnet"


def test_no_front_matter_role_from_file_name(tmp_path):
    _write(tmp_path, "07_client_hounslow.txt", "Interviewer: Hello.\nLee: Hi.\n")
    _write(tmp_path, "notes 3.txt", "Interviewer: Hello.\nLee: Hi.\n")
    s = read_interviews(tmp_path, _settings())
    roles = dict(zip(s.interviews["interview"], s.interviews["role"], strict=True))
    assert roles == {"07_client_hounslow": "client", "notes 3": "unknown"}
    assert set(s.interviews["area"]) == {""}
    ((sev, msg),) = _problem(s, "07_client_hounslow.txt")
    assert sev == "warning" and "no front matter" in msg and "'client'" in msg
    ((sev, msg),) = _problem(s, "notes 3.txt")
    assert sev == "warning" and "'unknown'" in msg


def test_role_from_file_name():
    assert role_from_file_name("01_client_brent") == "client"
    assert role_from_file_name("ips-staff 3") == "ips_staff"
    assert role_from_file_name("treatment_staff_ealing") == "treatment_staff"
    assert role_from_file_name("clients_group") == "client"
    assert role_from_file_name("client_and_employer") is None
    assert role_from_file_name("clientele") is None


def test_unknown_role_and_missing_area_are_named(tmp_path):
    _write(tmp_path, "x.md", "---\nrole: volunteer\narea: Brent\n---\nInterviewer: Hi.\nKim: Hi.\n")
    _write(tmp_path, "y.md", "---\nrole: IPS staff\n---\nInterviewer: Hi.\nKim: Hi.\n")
    s = read_interviews(tmp_path, _settings())
    roles = dict(zip(s.interviews["interview"], s.interviews["role"], strict=True))
    assert roles == {"x": "unknown", "y": "ips_staff"}
    ((sev, msg),) = _problem(s, "x.md")
    assert sev == "warning" and "volunteer" in msg
    ((sev, msg),) = _problem(s, "y.md")
    assert sev == "warning" and "no area" in msg
    assert s.problems["expected"].str.len_chars().min() > 0


def test_bad_files_are_named_not_fatal(tmp_path):
    _write(tmp_path, "good.md", CLIENT_MD)
    _write(tmp_path, "empty.md", "")
    _write(tmp_path, "blank.txt", "\n\n   \n")
    _write(tmp_path, "junk.txt", bytes(range(256)) * 4)
    _write(tmp_path, "fake.docx", b"this is not a zip file")
    _write(tmp_path, "prose.md", "---\nrole: client\n---\nI went along and it was fine.\n")
    _write(tmp_path, "old.doc", b"\xd0\xcf\x11\xe0")
    _write(tmp_path, "good.txt", CLIENT_MD)  # same stem as good.md
    _write(tmp_path, "~$good.docx", b"lock")  # Word's lock file: ignored
    s = read_interviews(tmp_path, _settings())
    assert s.interviews["file"].to_list() == ["good.md"]
    errors = s.problems.filter(pl.col("severity") == "error")
    assert sorted(errors["file"]) == sorted(
        ["empty.md", "blank.txt", "junk.txt", "fake.docx", "prose.md", "good.txt"]
    )
    assert "empty" in _problem(s, "empty.md")[0][1]
    assert "not a text file" in _problem(s, "junk.txt")[0][1]
    assert "Word document" in _problem(s, "fake.docx")[0][1]
    assert "no speaker turns" in _problem(s, "prose.md")[0][1]
    assert "same name" in _problem(s, "good.txt")[0][1]
    assert _problem(s, "old.doc")[0][0] == "warning"
    assert "~$good.docx" not in set(s.problems["file"])


def test_missing_or_empty_folder(tmp_path):
    s = read_interviews(tmp_path / "nope", _settings())
    assert s.segments.height == s.interviews.height == s.problems.height == 0
    assert s.problems.schema == pl.Schema(PROBLEM_SCHEMA)
    (tmp_path / "interviews").mkdir()
    s = read_interviews(tmp_path / "interviews", _settings())
    assert s.segments.height == 0 and s.problems["severity"].to_list() == ["warning"]


def test_turn_variants_and_preamble(tmp_path):
    text = (
        "# Transcript\n\nInterview with Sam Jones, 3 March\n\n"
        "**Interviewer:** First question?\n"
        "[00:01:12] Sam (client): An answer at 10:30 that\n"
        "goes on. Then she said: no.\n\n"
        "And a second paragraph.\n"
        "Interviewer: And?\n"
        "Sam:\n"
        "Answer on the next line.\n"
        "Interviewer:\n"  # an empty turn is dropped
    )
    _write(tmp_path, "t.md", "---\nrole: client\narea: Brent\n---\n" + text)
    s = read_interviews(tmp_path, _settings())
    seg = s.segments
    assert seg["text"].to_list() == [
        "First question?",
        "An answer at 10:30 that goes on. Then she said: no. And a second paragraph.",
        "And?",
        "Answer on the next line.",
    ]
    assert seg["turn"].to_list() == [1, 2, 3, 4]
    # the heading (which names the interviewee) is left out, with a warning
    ((sev, msg),) = _problem(s, "t.md")
    assert sev == "warning" and "before the first speaker turn" in msg
    assert "Jones" not in " ".join(seg["text"])


def test_interviewer_named_in_front_matter(tmp_path):
    _write(
        tmp_path,
        "e.md",
        "---\nrole: client\narea: Brent\ninterviewer: Anna Bell\n---\nAnna Bell: Hello Kim.\nKim: Hello Anna.\n",
    )
    s = read_interviews(tmp_path, _settings())
    assert s.segments["is_interviewer"].to_list() == [True, False]
    assert s.segments["text"].to_list() == ["Hello [name].", "Hello [name]."]


# --- segmenting ----------------------------------------------------------------------------


def test_split_sentences_keeps_abbreviations():
    assert split_sentences("I saw Dr. Patel. He was kind! Was he? Yes.") == [
        "I saw Dr. Patel.",
        "He was kind!",
        "Was he?",
        "Yes.",
    ]


def test_long_turn_split_at_sentences():
    sentence = "This sentence has exactly eight words in it."
    turn = " ".join([sentence] * 25)  # 200 words
    pieces = split_turn(turn, 80)
    assert len(pieces) == 3
    assert all(len(p.split()) <= 80 for p in pieces)
    assert all(p.startswith("This") and p.endswith("in it.") for p in pieces)
    assert " ".join(pieces) == turn
    assert split_turn("Short turn.", 80) == ["Short turn."]
    # one very long sentence stays whole
    long_one = " ".join(["word"] * 120) + "."
    assert split_turn(long_one, 80) == [long_one]


def test_long_turns_in_a_file(tmp_path):
    turn = " ".join(["This sentence has exactly eight words in it."] * 25)
    _write(
        tmp_path,
        "l.md",
        f"---\nrole: client\narea: Brent\n---\nInterviewer: Go on.\nJo: {turn}\nInterviewer: Thanks.\n",
    )
    s = read_interviews(tmp_path, _settings(max_segment_words=40))
    seg = s.segments
    assert seg["turn"].to_list() == [1, 2, 2, 2, 2, 2, 3]
    assert seg["segment"].to_list() == list(range(1, 8))
    assert seg.filter(pl.col("turn") == 2)["text"].str.split(" ").list.len().max() <= 40
    assert s.interviews["segments"][0] == 7 and s.interviews["turns"][0] == 3


def test_segment_ids_are_stable(tmp_path):
    _write(tmp_path, "01_client_brent.md", CLIENT_MD)
    a = read_interviews(tmp_path, _settings())
    _write(tmp_path, "00_other.md", "---\nrole: employer\narea: Barnet\n---\nInterviewer: Hi.\nPat: Hello.\n")
    b = read_interviews(tmp_path, _settings())
    left = a.segments.select("segment_id", "text")
    right = b.segments.filter(pl.col("interview") == "01_client_brent").select("segment_id", "text")
    assert left.equals(right)
    assert b.segments["segment_id"].is_unique().all()


# --- protecting people ---------------------------------------------------------------------


def test_redactor_names_case_possessives_and_parts():
    r = Redactor(["Hannah Jones", "Jo", "Will", "O'Neil"])
    assert (
        r.redact("Hannah Jones came. HANNAH's idea, hannah too.") == "[name] came. [name]'s idea, [name] too."
    )
    assert (
        r.redact("Jones said so; Jo\u2019s bag; Joanne; jo.")
        == "[name] said so; [name]\u2019s bag; Joanne; [name]."
    )
    # a name that is an everyday word goes only where capitalised
    assert r.redact("I will ask Will. WILL said.") == "I will ask [name]. [name] said."
    assert r.redact("O\u2019Neil and O'Neil") == "[name] and [name]"
    assert r.redact("[name] stays") == "[name] stays"


def test_redactor_flags_name_like_words():
    r = Redactor(["Hannah"], allow=["Kensington and Chelsea"])
    text = (
        "Then I met Kofi at the Jobcentre in Kensington on Monday. I'd say Victoria helped. "
        "IPS and the NHS helped. Kofi rang in May. Priya's mum came."
    )
    flags = r.flag(r.redact(text))
    assert flags == ["Kofi", "Victoria"]
    assert r.flag(r.redact(text), suspects=["Priya"]) == ["Kofi", "Victoria", "Priya"]
    # sentence-start words are flagged only if they are suspects
    assert r.flag("Owen came.") == []
    assert r.flag("Owen came.", suspects=["Owen"]) == ["Owen"]


def test_names_redacted_everywhere_and_flagged(tmp_path):
    _write(tmp_path, "01.md", CLIENT_MD + "Sam: Later Priya from the Jobcentre rang Sam's mum.\n")
    _write(
        tmp_path,
        "02.md",
        "---\nrole: ips_staff\narea: Brent\n---\nInterviewer: Who helps?\n"
        "Hannah: SAM did well. Gemma in the team did, and Mr Okafor.\n",
    )
    s = read_interviews(tmp_path, _settings(names=["Gemma", "okafor"]))
    text = " ".join(s.segments["text"])
    for name in ("Sam", "Hannah", "Gemma", "Okafor"):
        assert not re.search(rf"\b{name}\b", text, re.IGNORECASE), name
    flagged = s.segments.filter(pl.col("name_flags") != "")
    assert flagged["name_flags"].to_list() == ["Priya"]
    assert s.names_removed == 4


def test_settings_names_validated_and_not_printed(tmp_path):
    with pytest.raises(Exception, match="at least 2 characters"):
        Settings.model_validate({"qualitative": {"names": ["A"]}})
    s = _settings(names=["Gemma", "  ", "Okafor"])
    assert s.qualitative.names == ["Gemma", "Okafor"]
    rows = {n: v for n, v, _ in settings_rows(s)}
    assert rows["qualitative.names"] == "2 listed (not shown)"
    assert "Gemma" not in repr(settings_rows(s))
    assert rows["qualitative.max_segment_words"] == "80"


def test_settings_paths_relative_to_the_settings_file(tmp_path):
    cfg = tmp_path / "cfg" / "ipseval.toml"
    cfg.parent.mkdir()
    cfg.write_text(
        '[qualitative]\ncodebook = "codes.yaml"\ncoding_sheet = "/abs/sheet.csv"\nmethod = "keyword"\n'
    )
    s = load_settings(cfg)
    assert setting_path(s, s.qualitative.codebook) == tmp_path / "cfg" / "codes.yaml"
    assert setting_path(s, s.qualitative.coding_sheet) == Path("/abs/sheet.csv")
    assert setting_path(s, None) is None
    assert s.qualitative.method == "keyword" and s.qualitative.top_k == 3 and s.qualitative.min_score == 0.0
    cfg.write_text('[qualitative]\nmethod = "magic"\n')
    with pytest.raises(SettingsError, match=r"qualitative\.method"):
        load_settings(cfg)


def test_cell_allowed_threshold():
    interviews = pl.DataFrame(
        {
            "interview": [f"i{i}" for i in range(7)],
            "role": ["client"] * 4 + ["client", "employer", "employer"],
            "area": ["Brent"] * 4 + ["Ealing", "Brent", "Ealing"],
        }
    )
    # a cell is shown only when its own count would be (disclosure hides counts up to the threshold)
    cells = cell_allowed(interviews, 3)
    assert cells.columns == ["role", "area", "interviews", "allowed"]
    assert cells.rows() == [
        ("client", "Brent", 4, True),
        ("client", "Ealing", 1, False),
        ("employer", "Brent", 1, False),
        ("employer", "Ealing", 1, False),
    ]
    assert cell_allowed(interviews, 4)["allowed"].sum() == 0
    assert cell_allowed(interviews, 0)["allowed"].all()
    by_role = cell_allowed(interviews, 2, by=("role",))
    assert by_role.rows() == [("client", 5, True), ("employer", 2, False)]
    assert cell_allowed(interviews.clear(), 4).columns == ["role", "area", "interviews", "allowed"]


def test_disclosure_threshold_follows_the_policy():
    assert disclosure_threshold(Settings()) == 4
    assert disclosure_threshold(Settings.model_validate({"disclosure": {"policy": "nhs"}})) == 7
    assert disclosure_threshold(Settings.model_validate({"disclosure": {"threshold": 10}})) == 10
    none = Settings.model_validate({"disclosure": {"policy": "none", "threshold": 10}})
    assert disclosure_threshold(none) == 0


# --- the demo ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_interviews(tmp_path_factory) -> Path:
    from ipseval.demo.interviews import interview_files

    folder = tmp_path_factory.mktemp("demo") / "interviews"
    folder.mkdir()
    for f in interview_files():
        (folder / f.name).write_bytes(f.read_bytes())
    return folder


def test_demo_transcripts(demo_interviews):
    s = read_interviews(demo_interviews, _settings())
    assert s.problems.height == 0
    assert s.interviews.height == len(list(demo_interviews.iterdir()))
    assert (s.interviews["role"] != "unknown").all() and (s.interviews["area"] != "").all()
    assert s.segments["segment_id"].is_unique().all()
    assert s.segments.filter(~pl.col("is_interviewer")).height > 0
    labels = set()
    for f in demo_interviews.iterdir():
        for line in f.read_text(encoding="utf-8").splitlines():
            m = re.match(r"^([A-Z][a-z]+):", line)
            if m and m.group(1) != "Interviewer":
                labels.add(m.group(1))
    assert len(labels) > 10
    text = "\n".join(s.segments["text"])
    leaked = {n for n in labels if re.search(rf"\b{n}\b", text, re.IGNORECASE)}
    assert not leaked
    assert not any(re.search(rf"\b{n}\b", s.segments["name_flags"].str.join(",").item()) for n in labels)
