"""Reading the ``interviews/`` folder: transcripts in, codable segments out, names already removed.

One file per interview: ``.txt``, ``.md`` or ``.docx``. Rules (also in the user guide):

* **Text encoding.** UTF-8, with or without a byte-order mark; UTF-16 with a byte-order mark
  (Notepad's "Unicode"); Windows, Unix or old Mac line endings. A file that is not UTF-8 is read
  as Windows-1252 (older Windows "ANSI" files) with a warning. A file with NUL bytes or control
  characters is not text: an error.
* **Front matter** (optional): a block at the top between two ``---`` lines, ``key: value`` per
  line; ``role`` (client, ips_staff, treatment_staff, commissioner, employer; spaces, hyphens and
  capitals are tolerated, so "IPS staff" reads as ips_staff) and ``area``. Leading ``role:`` /
  ``area:`` lines without the dashes are read as front matter too. Keys naming people
  (``name``, ``interviewee``, ``participant``, ``interviewer``) add their values to the names
  removed from every quote. Other keys are ignored.
* **Without front matter** the file is still used, with a warning: the role is read from the file
  name when it holds exactly one role code as a word (``01_client_brent.md`` -> client,
  ``ips-staff 3.docx`` -> ips_staff), otherwise it is "unknown". The area is never guessed from
  the file name (a word in it may be a place or a person): it is left blank ("").
* **Speaker turns** are lines ``Label: text``. The label is one to four capitalised words or
  numbers, optionally with a note in brackets (``Sam (client):``), in bold (``**Sam:**``) or after
  a timestamp (``[00:03:12] Sam:``). Lines that follow belong to the same speaker until the next
  label (paragraphs are joined). Markdown headings and lines of dashes are skipped. Text before
  the first turn (a title, notes) is left out with a warning, as it may name the interviewee.
  The interviewer is the label "Interviewer" (or Int, I, Q, Researcher, Facilitator, Moderator,
  or the name in an ``interviewer:`` front matter key); every other speaker is the interviewee
  and is shown as the interview's role, never by name.
* **Segments.** A turn is one segment unless it is longer than ``max_segment_words``: then it is
  split into runs of whole sentences of at most that length, of about equal size (one longer
  sentence stays whole). Segment ids (``<file stem>:0001``) are stable while the file is unchanged.
* **Problems** are named, never fatal: an empty, unreadable or non-text file, a Word document
  that will not open, or a file with no ``Label: text`` lines is an error and left out; a
  missing or unknown role, a missing area, left-out text, a file name holding a person's name
  or a file type that is not read is a warning.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from ..settings import Settings
from .redact import Redactor, is_interviewer_label, label_name_parts

ROLES = ("client", "ips_staff", "treatment_staff", "commissioner", "employer")
UNKNOWN_ROLE = "unknown"
READ_SUFFIXES = (".txt", ".md", ".docx")
NOT_READ_SUFFIXES = (".doc", ".rtf", ".odt", ".pdf", ".pages", ".markdown", ".text", ".csv", ".xlsx")
NAME_KEYS = ("name", "names", "interviewee", "participant", "interviewer", "speaker")
EXPECTED_FILE = "a .txt, .md or .docx transcript with 'Name: what they said' lines"

SEGMENT_SCHEMA = {
    "segment_id": pl.String,
    "interview": pl.String,
    "file": pl.String,
    "role": pl.String,
    "area": pl.String,
    "turn": pl.Int64,
    "segment": pl.Int64,
    "speaker": pl.String,
    "is_interviewer": pl.Boolean,
    "text": pl.String,
    "name_flags": pl.String,
    "chars": pl.Int64,
}
INTERVIEW_SCHEMA = {
    "interview": pl.String,
    "file": pl.String,
    "role": pl.String,
    "area": pl.String,
    "turns": pl.Int64,
    "segments": pl.Int64,
    "words": pl.Int64,
}
PROBLEM_SCHEMA = {"file": pl.String, "severity": pl.String, "problem": pl.String, "expected": pl.String}


@dataclass
class InterviewSet:
    """The transcripts read from one folder.

    ``segments``: one row per codable segment (text already redacted; interviewer turns kept with
    ``is_interviewer`` true). ``interviews``: one row per usable interview (``words`` counts every
    speaker's words). ``problems``: every file that could not be used or needs a look."""

    segments: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=SEGMENT_SCHEMA))
    interviews: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=INTERVIEW_SCHEMA))
    problems: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=PROBLEM_SCHEMA))
    names_removed: int = 0  # how many distinct names (and name parts) were redacted: a count only


@dataclass
class _Turn:
    label: str
    lines: list[str]


@dataclass
class _Parsed:
    path: Path
    role: str
    area: str
    turns: list[_Turn]
    interviewer_names: set[str]
    names: list[str]


class _Problems:
    def __init__(self) -> None:
        self.rows: list[dict[str, str]] = []

    def add(self, file: str, severity: str, problem: str, expected: str = "") -> None:
        self.rows.append({"file": file, "severity": severity, "problem": problem, "expected": expected})

    def frame(self) -> pl.DataFrame:
        return pl.DataFrame(self.rows, schema=PROBLEM_SCHEMA)


# --- reading files -------------------------------------------------------------------------


class _Unreadable(Exception):
    pass


def _decode(data: bytes, name: str, problems: _Problems) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise _Unreadable("it starts like a UTF-16 text file but cannot be read as one") from None
    if b"\x00" in data:
        raise _Unreadable("it is not a text file (it holds binary data)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise _Unreadable("it is not UTF-8 text and cannot be read as Windows text either") from None
        problems.add(
            name,
            "warning",
            "not UTF-8: read as Windows-1252 ('ANSI'); check that accented letters and quote marks "
            "look right",
            "UTF-8 text",
        )
    control = sum(1 for c in text if unicodedata.category(c) == "Cc" and c not in "\t\n\r\f")
    if control > max(2, len(text) // 200):
        raise _Unreadable("it is not a text file (it holds control characters)")
    return text


def _docx_lines(path: Path) -> list[str]:
    import docx  # python-docx
    from docx.table import Table

    try:
        document = docx.Document(str(path))
    except Exception as e:  # a corrupt or mislabelled file raises many kinds of error
        raise _Unreadable(f"it could not be opened as a Word document ({type(e).__name__})") from None
    lines: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            # a transcript laid out as a table: speaker in the first cell, words in the last
            for row in block.rows:
                cells = [c.text.strip() for c in row.cells]
                cells = [c for i, c in enumerate(cells) if c and (i == 0 or c != cells[i - 1])]
                if len(cells) >= 2 and _LABEL_ONLY.fullmatch(cells[0]):
                    lines.append(f"{cells[0].rstrip(':')}: {' '.join(cells[1:])}")
                elif cells:
                    lines.append(" ".join(cells))
        else:
            lines.extend(block.text.splitlines() or [""])
        lines.append("")
    return lines


def _read_lines(path: Path, problems: _Problems) -> list[str]:
    if path.suffix.lower() == ".docx":
        return _docx_lines(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise _Unreadable(f"it could not be opened ({e.strerror or e})") from None
    text = _decode(data, path.name, problems)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.split("\n")


# --- parsing -------------------------------------------------------------------------------

_LABEL = r"[^\W\d_][\w'’.-]*(?:[ \t]+[\w'’.-]+){0,3}(?:[ \t]*[(\[][^)\]\n]{0,40}[)\]])?"
_LABEL_ONLY = re.compile(rf"(?:{_LABEL}):?")
_TIMESTAMP = r"(?:[\[(]?\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?[\])]?[ \t]*(?:-[ \t]*)?)?"
_TURN = re.compile(
    rf"^[ \t]*{_TIMESTAMP}(?:\*\*|__)?(?P<label>{_LABEL})[ \t]*(?:\*\*|__)?[ \t]*:[ \t]*(?:\*\*|__)?"
    rf"[ \t]*(?P<text>.*)$"
)
_FRONT_KEY = re.compile(r"^[ \t]*(?P<key>[A-Za-z_][\w -]{0,30}?)[ \t]*:[ \t]*(?P<value>.*?)[ \t]*$")
_SKIP_LINE = re.compile(r"^[ \t]*(?:#{1,6}[ \t].*|#{1,6}|[-=*_]{3,}|\*\*\*)[ \t]*$")


def _label_ok(label: str) -> bool:
    """A speaker label: every word capitalised or a number (so 'Then she said: ...' is not one)."""
    core = re.sub(r"[(\[].*?[)\]]", " ", label).split()
    return bool(core) and all(w[0].isupper() or w[0].isdigit() for w in core)


def _front_matter(lines: list[str]) -> tuple[dict[str, str], int, bool]:
    """(fields, index of the first body line, found) for a ``---`` block or leading role/area lines."""
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    fields: dict[str, str] = {}
    if i < len(lines) and lines[i].strip() == "---":
        for j in range(i + 1, min(len(lines), i + 60)):
            if lines[j].strip() in ("---", "..."):
                for line in lines[i + 1 : j]:
                    m = _FRONT_KEY.match(line)
                    if m:
                        value = m.group("value").strip().strip("'\"")
                        fields[m.group("key").strip().lower().replace(" ", "_")] = value
                return fields, j + 1, True
        i += 1  # an unclosed block: drop the opening dashes and read what follows as below
    # leading 'role:' / 'area:' lines without the dashes
    j = i
    while j < len(lines):
        m = _FRONT_KEY.match(lines[j])
        if not lines[j].strip():
            j += 1
            continue
        if not m or m.group("key").strip().lower() not in ("role", "area"):
            break
        fields[m.group("key").strip().lower()] = m.group("value").strip().strip("'\"")
        j += 1
    return fields, (j if fields else i), bool(fields)


def _normal_role(value: str) -> str | None:
    code = re.sub(r"[\s-]+", "_", value.strip().lower())
    if code.endswith("s") and code[:-1] in ROLES:
        code = code[:-1]
    return code if code in ROLES else None


def role_from_file_name(stem: str) -> str | None:
    """The role code a file name holds as a word, if exactly one: '01_client_brent' -> 'client'."""
    words = re.sub(r"[^a-z]+", " ", stem.lower()).split()
    joined = " " + " ".join(words) + " "
    found = set()
    for code in ROLES:
        phrase = code.replace("_", " ")
        if re.search(rf" {phrase}s? ", joined):
            found.add(code)
    return found.pop() if len(found) == 1 else None


def _parse(path: Path, lines: list[str], problems: _Problems) -> _Parsed | None:
    name = path.name
    fields, start, has_front = _front_matter(lines)
    turns: list[_Turn] = []
    preamble = 0
    for line in lines[start:]:
        if _SKIP_LINE.match(line):
            continue
        m = _TURN.match(line)
        if m and _label_ok(m.group("label")):
            turns.append(_Turn(m.group("label").strip(), [m.group("text").strip()]))
        elif turns:
            turns[-1].lines.append(line.strip())
        elif line.strip():
            preamble += 1
    turns = [t for t in turns if " ".join(t.lines).strip()]
    if not turns:
        if not any(line.strip() for line in lines):
            problems.add(name, "error", "the file is empty", EXPECTED_FILE)
        else:
            problems.add(
                name,
                "error",
                "no speaker turns found, so the interviewer's words cannot be told from the "
                "interviewee's: the file was left out",
                "lines like 'Interviewer: question' and 'Sam: answer'",
            )
        return None
    if preamble:
        problems.add(
            name,
            "warning",
            f"{preamble} line{'s' if preamble != 1 else ''} before the first speaker turn "
            "(a title or notes) left out",
            "the transcript starting with the first 'Name: text' line",
        )

    role = None
    if fields.get("role"):
        role = _normal_role(fields["role"])
        if role is None:
            problems.add(
                name,
                "warning",
                f"unknown role '{fields['role']}': shown as '{UNKNOWN_ROLE}'",
                "role: " + " | ".join(ROLES),
            )
            role = UNKNOWN_ROLE
    if role is None:
        guess = role_from_file_name(path.stem)
        role = guess or UNKNOWN_ROLE
        how = f"role read from the file name as '{guess}'" if guess else f"role '{UNKNOWN_ROLE}'"
        what = "no front matter" if not has_front else "no role in the front matter"
        problems.add(
            name,
            "warning",
            f"{what}: {how}" + ("" if fields.get("area") else ", area unknown"),
            "front matter at the top: ---, role: client, area: Brent, ---",
        )
    elif not fields.get("area"):
        problems.add(name, "warning", "no area in the front matter: area unknown", "area: Brent")
    area = re.sub(r"\s+", " ", fields.get("area", "")).strip()

    names = [v for k in NAME_KEYS for v in re.split(r"[,;]", fields.get(k, "")) if v.strip()]
    interviewer_names = {
        v.strip().lower() for v in re.split(r"[,;]", fields.get("interviewer", "")) if v.strip()
    }
    return _Parsed(path, role, area, turns, interviewer_names, names)


# --- segmenting ----------------------------------------------------------------------------

_SENTENCE_SPLIT = re.compile(r"(?<=[.!?…])['\"’”)\]]*\s+(?=['\"“‘(\[]?[A-Z0-9\[])")
_ABBREVIATIONS = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|St|Prof|No|Mt|vs|etc|approx|e\.g|i\.e|a\.m|p\.m)\.|\b[A-Z]\.)$", re.IGNORECASE
)


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text`` (a full stop after Mr, Dr, e.g. or an initial does not end one)."""
    pieces: list[str] = []
    pos = 0
    for m in _SENTENCE_SPLIT.finditer(text):
        piece = text[pos : m.start()] + text[m.start() : m.end()].rstrip()
        if pieces and _ABBREVIATIONS.search(pieces[-1]):
            pieces[-1] = pieces[-1] + " " + piece.strip()
        else:
            pieces.append(piece.strip())
        pos = m.end()
    tail = text[pos:].strip()
    if tail:
        if pieces and _ABBREVIATIONS.search(pieces[-1]):
            pieces[-1] = pieces[-1] + " " + tail
        else:
            pieces.append(tail)
    return [p for p in pieces if p]


def _words(text: str) -> int:
    return len(text.split())


def split_turn(text: str, max_words: int) -> list[str]:
    """A turn as segments: itself if at most ``max_words`` words, else runs of whole sentences
    of at most ``max_words`` words and about equal length (a longer sentence stays whole)."""
    total = _words(text)
    if total <= max_words:
        return [text]
    sentences = split_sentences(text)
    if len(sentences) <= 1:
        return [text]
    counts = [_words(s) for s in sentences]
    k = math.ceil(total / max_words)
    target = total / k
    # each sentence goes to the run its middle word falls in, so runs come out about equal
    runs: list[list[int]] = [[] for _ in range(k)]
    done = 0
    for i, c in enumerate(counts):
        runs[min(k - 1, int((done + c / 2) // target))].append(i)
        done += c
    out: list[str] = []
    for run in (r for r in runs if r):
        # a run still over the limit (uneven sentences) is packed greedily
        current: list[int] = []
        for i in run:
            if current and sum(counts[j] for j in current) + counts[i] > max_words:
                out.append(" ".join(sentences[j] for j in current))
                current = []
            current.append(i)
        out.append(" ".join(sentences[j] for j in current))
    return out


# --- the folder ----------------------------------------------------------------------------


def _candidate_files(folder: Path, problems: _Problems) -> list[Path]:
    files = []
    for p in sorted(folder.iterdir(), key=lambda x: x.name.lower()):
        if p.name.startswith((".", "~$")) or not p.is_file():
            continue  # hidden files, Word's lock files, sub-folders
        if p.name.lower() == "codes.csv":
            continue  # the analyst's applied coding (ipseval code --apply), not a transcript
        suffix = p.suffix.lower()
        if suffix in READ_SUFFIXES:
            files.append(p)
        elif suffix in NOT_READ_SUFFIXES:
            problems.add(
                p.name,
                "warning",
                f"{suffix} files are not read: the interview was left out",
                "save it as .docx, .txt or .md",
            )
    return files


def read_interviews(folder: Path, settings: Settings) -> InterviewSet:
    """Read every transcript in ``folder`` into redacted, codable segments (see the module notes).

    A missing folder gives an empty set (interviews are optional). Bad files are named in
    ``problems`` and left out; nothing here raises for a bad transcript."""
    folder = Path(folder)
    problems = _Problems()
    if not folder.is_dir():
        return InterviewSet()
    files = _candidate_files(folder, problems)
    if not files:
        problems.add(folder.name + "/", "warning", "no transcripts found in the folder", EXPECTED_FILE)

    parsed: list[_Parsed] = []
    stems: dict[str, str] = {}
    for path in files:
        if path.stem in stems:
            problems.add(
                path.name,
                "error",
                f"another transcript has the same name ({stems[path.stem]}), perhaps the same "
                "interview saved twice: this one was left out",
                "one file per interview, each with its own name",
            )
            continue
        try:
            lines = _read_lines(path, problems)
        except _Unreadable as e:
            problems.add(path.name, "error", f"could not be read: {e}", EXPECTED_FILE)
            continue
        p = _parse(path, lines, problems)
        if p is not None:
            stems[path.stem] = path.name
            parsed.append(p)

    # areas: one spelling per area (the first seen), so 'brent' and 'Brent' are one cell
    spelling: dict[str, str] = {}
    for p in parsed:
        if p.area:
            p.area = spelling.setdefault(p.area.lower(), p.area)

    def interviewer(p: _Parsed, label: str) -> bool:
        return is_interviewer_label(label) or label.strip().lower() in p.interviewer_names

    # names to remove: the settings' list, every speaker label except the interviewer's, and
    # names given in front matter; all removed from every transcript
    names = list(settings.qualitative.names)
    for p in parsed:
        names += p.names
        for t in p.turns:
            if not interviewer(p, t.label):
                names += label_name_parts(t.label)
    redactor = Redactor(names, allow=[p.area for p in parsed if p.area])

    for p in parsed:
        words = set(re.sub(r"[^\w]+", " ", p.path.stem.lower()).split())
        if words & {n.lower() for n in redactor.names}:
            problems.add(
                p.path.name,
                "warning",
                "the file name seems to hold a person's name; file names may be shown in outputs",
                "a file name without names, e.g. 01_client_brent.md",
            )

    max_words = settings.qualitative.max_segment_words
    seg_rows: list[dict] = []
    int_rows: list[dict] = []
    for p in parsed:
        stem, n_seg, n_words = p.path.stem, 0, 0
        for turn_no, t in enumerate(p.turns, start=1):
            is_int = interviewer(p, t.label)
            text = re.sub(r"\s+", " ", " ".join(t.lines)).strip()
            text = redactor.redact(text)
            n_words += _words(text)
            for piece in split_turn(text, max_words):
                n_seg += 1
                seg_rows.append(
                    {
                        "segment_id": f"{stem}:{n_seg:04d}",
                        "interview": stem,
                        "file": p.path.name,
                        "role": p.role,
                        "area": p.area,
                        "turn": turn_no,
                        "segment": n_seg,
                        "speaker": "interviewer" if is_int else p.role,
                        "is_interviewer": is_int,
                        "text": piece,
                        "name_flags": "",
                        "chars": len(piece),
                    }
                )
        if not any(not interviewer(p, t.label) for t in p.turns):
            problems.add(
                p.path.name,
                "warning",
                "only the interviewer speaks: nothing from this interview can be coded",
                "the interviewee's answers under their own label, e.g. 'Sam: ...'",
            )
        int_rows.append(
            {
                "interview": stem,
                "file": p.path.name,
                "role": p.role,
                "area": p.area,
                "turns": len(p.turns),
                "segments": n_seg,
                "words": n_words,
            }
        )

    # flags: words that look like names mid-sentence anywhere are also flagged at a sentence start
    first = [redactor.flag(r["text"]) for r in seg_rows]
    suspects = {w for f in first for w in f}
    for r in seg_rows:
        r["name_flags"] = ", ".join(redactor.flag(r["text"], suspects=suspects))

    return InterviewSet(
        segments=pl.DataFrame(seg_rows, schema=SEGMENT_SCHEMA),
        interviews=pl.DataFrame(int_rows, schema=INTERVIEW_SCHEMA),
        problems=problems.frame(),
        names_removed=len(redactor.names),
    )
