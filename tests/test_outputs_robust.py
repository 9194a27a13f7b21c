"""Outputs are written whole or not at all, disk problems are named in one line, progress means something."""

from __future__ import annotations

import errno
import hashlib
import io
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ipseval import atomic
from ipseval.atomic import OutputError, atomic_file, explain, staged, write_text
from ipseval.cli import app
from ipseval.problems import ProblemCounts, count_problems, summary_line
from ipseval.progress import Lines, Plan, as_progress

runner = CliRunner()


def _chmod_stops_writes() -> bool:
    """False for root (with its usual capabilities): then read-only folders are simulated."""
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        os.chmod(d, 0o500)
        try:
            Path(d, "probe").touch()
        except PermissionError:
            return True
        finally:
            os.chmod(d, 0o700)
    return False


READ_ONLY_WORKS = _chmod_stops_writes()


def _run(*args: str):
    r = runner.invoke(app, list(args))
    assert "Traceback" not in r.output
    return r


def _one_line_error(r) -> str:
    lines = [ln for ln in r.stderr.splitlines() if ln.startswith("ipseval:")]
    assert len(lines) == 1, r.output
    assert "report it" not in lines[0] and "unexpected" not in lines[0]
    return lines[0]


def _snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (hidden ones too) -> hash of its bytes."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.suffix != ".duckdb" and ".wal" not in p.name
    }


def _no_empty_or_temporary_files(folder: Path) -> None:
    for p in folder.rglob("*"):
        if p.is_file():
            assert ".tmp" not in p.name, p
            assert p.stat().st_size > 0, p


@pytest.fixture(scope="module")
def clean_data(tmp_path_factory) -> Path:
    from ipseval.demo import write_demo

    d = tmp_path_factory.mktemp("clean") / "data"
    write_demo(d, n_clients=60, seed=1, clean=True)
    return d


@pytest.fixture(scope="module")
def evaluated(clean_data, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("eval") / "out"
    r = _run("evaluate", str(clean_data), "-o", str(out), "--no-impact")
    assert r.exit_code == 0, r.output
    return out


# -- the atomic writer ----------------------------------------------------------------------------


def test_a_failed_write_leaves_the_previous_file_and_no_temporary_one(tmp_path):
    target = tmp_path / "report.html"
    write_text(target, "old report")
    with pytest.raises(RuntimeError), atomic_file(target, "w", encoding="utf-8") as f:
        f.write("half of the new")
        raise RuntimeError("the renderer fell over")
    assert target.read_text() == "old report"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_a_failed_first_write_leaves_no_file_at_all(tmp_path):
    with pytest.raises(RuntimeError), atomic_file(tmp_path / "report.html") as f:
        f.write("x")
        raise RuntimeError
    assert list(tmp_path.iterdir()) == []


def test_staged_files_are_renamed_into_place_together_or_not_at_all(tmp_path):
    write_text(tmp_path / "a.csv", "old a")
    with pytest.raises(RuntimeError), staged() as files:
        files.write_text(tmp_path / "a.csv", "new a")
        files.write_text(tmp_path / "tables" / "b.csv", "new b")
        raise RuntimeError
    assert (tmp_path / "a.csv").read_text() == "old a"
    assert not list((tmp_path / "tables").iterdir())
    with staged() as files:
        files.write_text(tmp_path / "a.csv", "new a")
        files.write_text(tmp_path / "tables" / "b.csv", "new b")
        assert (tmp_path / "a.csv").read_text() == "old a"  # nothing moves before the end
    assert (tmp_path / "a.csv").read_text() == "new a"
    assert (tmp_path / "tables" / "b.csv").read_text() == "new b"


def test_a_replaced_file_keeps_its_permissions_and_a_new_one_follows_the_umask(tmp_path):
    old = tmp_path / "problems.csv"
    write_text(old, "x")
    old.chmod(0o600)
    write_text(old, "y")
    assert old.stat().st_mode & 0o777 == 0o600
    umask = os.umask(0o022)
    os.umask(umask)
    new = write_text(tmp_path / "new.csv", "z")
    assert new.stat().st_mode & 0o777 == 0o666 & ~umask


def test_a_library_writing_by_name_gets_a_temporary_path_with_the_same_suffix(tmp_path):
    target = tmp_path / "book.xlsx"
    with atomic.atomic_path(target) as tmp:
        assert tmp.suffix == ".xlsx" and tmp.parent == tmp_path and not tmp.exists()
        tmp.write_bytes(b"PK")
    assert target.read_bytes() == b"PK" and len(list(tmp_path.iterdir())) == 1


@pytest.mark.parametrize(
    ("code", "words", "advice"),
    [
        (errno.EACCES, "the folder is read-only (permission denied)", "; choose another --out folder"),
        (errno.EPERM, "the folder is read-only (permission denied)", "; choose another --out folder"),
        (errno.EROFS, "the disk holding it is read-only", "; choose another --out folder"),
        (errno.ENOSPC, "is full: free some space", ", or choose another --out folder on another disk"),
        (errno.EDQUOT, "disk quota", ", or choose another --out folder on another disk"),
        (errno.ENAMETOOLONG, "the name is too long", "; choose a shorter --out path"),
        (errno.EISDIR, "it is a folder, where a file is needed", "; move it, or choose another --out folder"),
    ],
)
def test_each_disk_problem_is_named_in_plain_words(tmp_path, code, words, advice):
    e = explain(OSError(code, os.strerror(code)), tmp_path / "out" / "report.html")
    e.option = "--out"
    assert words in str(e) and str(e).endswith(advice)
    assert str(tmp_path / "out") in str(e)


def test_a_file_where_a_folder_is_needed_is_named(tmp_path):
    (tmp_path / "out").write_text("a file")
    with pytest.raises(OutputError) as caught:
        write_text(tmp_path / "out" / "tables" / "x.csv", "x")
    assert f"{tmp_path / 'out'} is a file, where a folder is needed" in str(caught.value)


def test_duckdb_messages_about_the_disk_are_named_too(tmp_path):
    db = tmp_path / "store" / "ipseval.duckdb"
    e = atomic.explain_text(f'IO Error: Cannot open file "{db}": Permission denied', db)
    assert e is not None and "read-only (permission denied)" in str(e) and e.folder == db.parent
    assert atomic.explain_text("Binder Error: no such column", db) is None


# -- the command line -----------------------------------------------------------------------------


def test_a_renderer_failing_midway_leaves_the_previous_report_intact(evaluated, clean_data, monkeypatch):
    import ipseval.report.outputs as outputs

    before = _snapshot(evaluated)
    real, calls = outputs.write_table_csv, []

    def half_then_fail(t, f):
        calls.append(t)
        if len(calls) == 3:
            f.write("half a table")
            raise RuntimeError("renderer bug")
        real(t, f)

    monkeypatch.setattr(outputs, "write_table_csv", half_then_fail)
    r = _run("evaluate", str(clean_data), "-o", str(evaluated), "--no-impact")
    assert r.exit_code == 3 and "re-run with --debug" in r.output.lower()
    assert _snapshot(evaluated) == before
    _no_empty_or_temporary_files(evaluated)


def test_a_failed_first_evaluation_leaves_no_half_written_report(clean_data, tmp_path, monkeypatch):
    import ipseval.report as report

    def fails(*a, **k):
        raise RuntimeError("renderer bug")

    monkeypatch.setattr(report, "write_tables_csv", fails)
    out = tmp_path / "out"
    r = _run("evaluate", str(clean_data), "-o", str(out), "--no-impact")
    assert r.exit_code == 3
    assert not (out / "report.html").exists() and not (out / "results.json").exists()
    _no_empty_or_temporary_files(out)


def test_a_full_disk_is_named_exit_2_and_the_previous_report_stays(evaluated, clean_data, monkeypatch):
    before = _snapshot(evaluated)

    def full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(atomic.os, "fsync", full)
    r = _run("evaluate", str(clean_data), "-o", str(evaluated), "--no-impact")
    assert r.exit_code == 2, r.output
    line = _one_line_error(r)
    assert f"the disk holding {evaluated}/ is full: free some space" in line
    assert "--out" in line
    assert _snapshot(evaluated) == before
    _no_empty_or_temporary_files(evaluated)


def _refuse_in(folder: Path, code: int = errno.EACCES):
    real = atomic._create

    def create(path):
        if Path(path).parent == folder:
            raise OSError(code, os.strerror(code), str(path))
        return real(path)

    return create


def test_a_read_only_output_folder_is_named_before_any_work_exit_2(clean_data, tmp_path, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.setattr(atomic, "_create", _refuse_in(out))
    r = _run("evaluate", str(clean_data), "-o", str(out))
    assert r.exit_code == 2, r.output
    line = _one_line_error(r)
    assert line == (
        f"ipseval: cannot write to {out}/: the folder is read-only (permission denied); "
        "choose another --out folder"
    )
    assert "reading and validating" not in r.stderr  # refused before the long work
    assert list(out.iterdir()) == []


def test_validate_names_a_read_only_out_folder(clean_data, tmp_path, monkeypatch):
    out = tmp_path / "out"
    monkeypatch.setattr(atomic, "_create", _refuse_in(out, errno.EROFS))
    r = _run("validate", str(clean_data), "--out", str(out))
    assert r.exit_code == 2
    assert "read-only file system" in _one_line_error(r) and "--out" in r.stderr


def test_a_read_only_store_folder_is_named_with_its_option(clean_data, tmp_path, monkeypatch):
    store = tmp_path / "store"
    store.mkdir()
    monkeypatch.setattr(atomic, "_create", _refuse_in(store))
    r = _run("evaluate", str(clean_data), "-o", str(tmp_path / "out"), "--db", str(store / "s.duckdb"))
    assert r.exit_code == 2
    line = _one_line_error(r)
    assert f"cannot write to {store}/" in line and "choose another --db folder" in line


def test_a_store_duckdb_cannot_write_is_named(clean_data, tmp_path, monkeypatch):
    import ipseval.pipeline as pipeline
    from ipseval.store import StoreError

    db = tmp_path / "store" / "s.duckdb"

    def refuse(path, *a, **k):
        raise StoreError(
            f'{path}: cannot open the store (IO Error: Cannot open file "{path}": Permission denied)'
        )

    monkeypatch.setattr(pipeline, "import_dataset", refuse)
    r = _run("evaluate", str(clean_data), "-o", str(tmp_path / "out"), "--db", str(db))
    assert r.exit_code == 2
    assert "read-only (permission denied); choose another --db folder" in _one_line_error(r)


def test_a_store_in_use_by_another_program_is_named(clean_data, tmp_path, monkeypatch):
    import duckdb

    import ipseval.pipeline as pipeline

    def locked(path, *a, **k):
        raise duckdb.IOException(f'IO Error: Could not set lock on file "{path}": Conflicting lock is held')

    monkeypatch.setattr(pipeline, "import_dataset", locked)
    r = _run("evaluate", str(clean_data), "-o", str(tmp_path / "out"))
    assert r.exit_code == 2
    assert "is in use by another program" in _one_line_error(r)


@pytest.mark.skipif(not READ_ONLY_WORKS, reason="chmod does not stop root writing (simulated above)")
def test_a_really_read_only_output_folder_is_named(clean_data, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    out.chmod(0o500)
    try:
        r = _run("evaluate", str(clean_data), "-o", str(out), "--no-impact")
    finally:
        out.chmod(0o700)
    assert r.exit_code == 2
    assert "read-only (permission denied); choose another --out folder" in _one_line_error(r)
    assert list(out.iterdir()) == []


def test_an_output_path_that_is_a_file_is_named(clean_data, tmp_path):
    (tmp_path / "out").write_text("not a folder")
    r = _run("evaluate", str(clean_data), "-o", str(tmp_path / "out"))
    assert r.exit_code == 2
    assert "is a file, where a folder is needed" in _one_line_error(r)


def test_template_and_fidelity_form_are_written_atomically(tmp_path, monkeypatch):
    import ipseval.fidelity as fidelity

    form = tmp_path / "review.xlsx"
    assert _run("fidelity", "form", str(form)).exit_code == 0
    before = form.read_bytes()

    def half(path, **kwargs):
        Path(path).write_bytes(b"half")
        raise RuntimeError("writer bug")

    monkeypatch.setattr(fidelity, "write_fidelity_form", half)
    assert _run("fidelity", "form", str(form), "--force").exit_code == 3
    assert form.read_bytes() == before and len(list(tmp_path.iterdir())) == 1
    assert _run("template", str(tmp_path / "t.xlsx")).exit_code == 0
    assert len(list(tmp_path.iterdir())) == 2


# -- the summary line ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("counts", "line"),
    [
        (ProblemCounts(0, 0, 0, 0, 0), "clean: nothing to fix, 0 warnings"),
        (ProblemCounts(0, 1, 0, 0, 0), "clean: nothing to fix, 1 warning"),
        (ProblemCounts(1, 2, 1, 0, 1), "1 problem to fix, 2 warnings; 1 row excluded"),
        (
            ProblemCounts(136, 0, 14, 122, 136),
            "14 problems to fix (136 errors in all: 122 are rows of rejected clients), 0 warnings; "
            "136 rows excluded",
        ),
        (
            ProblemCounts(2, 1, 1, 1, 2),
            "1 problem to fix (2 errors in all: 1 is a row of rejected clients), 1 warning; 2 rows excluded",
        ),
    ],
)
def test_the_summary_line_counts_and_plurals(counts, line):
    assert summary_line(counts) == line


def test_the_counts_come_from_the_data_sets_own_counts_when_it_has_them():
    class WithCounts:
        def counts(self):
            return {"errors": 5, "warnings": 1, "root_errors": 2, "cascaded": 3, "rows_rejected": 4}

    assert count_problems(WithCounts()) == ProblemCounts(5, 1, 2, 3, 4)


def test_the_counts_from_the_problem_list(tmp_path):
    from ipseval.demo import write_demo
    from ipseval.validate import load

    write_demo(tmp_path, n_clients=60, seed=1)
    ds = load(tmp_path)
    c = count_problems(ds)
    assert c.errors == ds.n_errors and c.root_errors + c.cascaded == c.errors
    assert c.cascaded > 0 and c.rows_rejected == int(ds.row_counts["rows_rejected"].sum())


# -- progress --------------------------------------------------------------------------------------


class _Clock:
    def __init__(self):
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_plain_progress_lines_name_the_stage_with_elapsed_time_and_share():
    stream, clock = io.StringIO(), _Clock()
    lines = Lines(stream, clock)
    plan = Plan(lines, {"read": 1, "compute": 2, "report": 1})
    plan.phase("read", "reading and validating")
    clock.t = 12.34
    plan.phase("compute", "computing")
    plan.step("computing impact: published-style model", 7, 23)
    plan.step("computing impact: imputation 3 of 20")  # the one-argument form still works
    plan.step("computing impact: imputation 3 of 20")  # repeated: no new line
    plan.finish()
    assert stream.getvalue().splitlines() == [
        "[   0.0 s   0%] reading and validating",
        "[  12.3 s  25%] computing",
        "[  12.3 s  40%] computing impact: published-style model (7/23)",
        "[  12.3 s  40%] computing impact: imputation 3 of 20",
        "[  12.3 s 100%] done",
    ]


def test_a_closed_progress_stream_does_not_stop_the_work():
    class Closed(io.StringIO):
        def write(self, text):
            raise BrokenPipeError(32, "Broken pipe")

    lines = Lines(Closed())
    lines.stage("reading")
    lines.stage("computing")  # nothing raised


def test_overall_progress_never_goes_back():
    seen = []

    class Record:
        def stage(self, name, done=None, total=None):
            seen.append(done)

    plan = Plan(Record(), {"a": 1, "b": 1})
    plan.phase("a", "a")
    plan.step("x", 3, 4)
    plan.step("y", 1, 4)
    plan.phase("b", "b")
    assert seen == sorted(seen) and seen[-1] == 0.5


def test_a_function_of_the_stage_name_is_still_accepted_as_progress(clean_data, tmp_path):
    from ipseval.pipeline import run_evaluation
    from ipseval.settings import load_settings

    names: list[str] = []
    settings = load_settings(None, search_dir=clean_data)
    settings.impact.enabled = False
    run = run_evaluation(clean_data, tmp_path / "out", settings, progress=names.append)
    assert names[0] == "reading and validating" and "writing the report" in names
    assert run.exit_code == 0
    assert as_progress(None).stage("x") is None


def test_exit_code_precedence_failed_analysis_over_rejected_rows():
    from types import SimpleNamespace

    from ipseval.pipeline import EvaluationRun

    def run(errors=0, alerts=(), failed=()):
        return EvaluationRun(
            validated=SimpleNamespace(n_errors=errors, rejected_alerts=list(alerts)),
            evaluation=SimpleNamespace(failed=list(failed)),
            published=SimpleNamespace(failed=list(failed)),
            outputs={},
            db_path=Path("x"),
        )

    assert run().exit_code == 0
    assert run(errors=3).exit_code == 1
    assert run(alerts=["95% of jobs rows were rejected"]).exit_code == 1
    assert run(errors=3, failed=[("Impact", "boom")]).exit_code == 3
