"""The dashboard's home folder: imported data versions, the pointer to the current one, the audit log.

Layout of a home folder::

    current            the id of the data version readers use (replaced atomically)
    versions/<id>/     one imported data set: ipseval.duckdb, settings.json (the settings it was
                       imported and is evaluated with), interviews/ when the upload had them
    uploads/<token>/   an upload waiting to be accepted (its problems shown to the person; the data
                       cut an admin set for it, if any, in data_cut.txt)
    audit.jsonl        who did what and when: one JSON object per line, appended
    ipseval.toml       the settings in force (edited on the settings page, or by hand)
    users.json         accounts (see :mod:`.auth`)
    secret.key         the key that signs session cookies

A data version is never changed once written: uploads, fidelity reviews and integration edits each
write a new version, then replace ``current`` with one rename. A reader resolves ``current`` once
per request and reads that version throughout, so it sees the old data or the new, never a mix.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import threading
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import polars as pl

from ..ingest import TEXT_SUFFIXES, InputError
from ..schema import TABLES
from ..settings import (
    Settings,
    SettingsError,
    load_settings,
    settings_document,
    with_absolute_paths,
    write_settings,
)
from ..store import Store, import_dataset

KEEP_VERSIONS = 3  # the current version and the two before it (readers may still hold them)
_ID = re.compile(r"^[0-9]{8}T[0-9]{12}-[0-9a-f]{8}$")  # UTC time to the microsecond, then random
_TOKEN = re.compile(r"^[0-9a-f]{32}$")
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.()-]{0,120}$")
INTERVIEW_SUFFIXES = {".txt", ".md", ".docx", ".csv"}
SETTINGS_FILE = "ipseval.toml"
SETTINGS_SHOWN_AS = "ipseval.toml in the dashboard's home folder"  # pages never show server paths
UPLOAD_DATA_CUT = "data_cut.txt"  # beside a waiting upload: the data cut an admin set for it
SET_FOR_UPLOAD = "set for this upload"  # how a data cut set for one upload is described


class WorkspaceError(Exception):
    """A problem the person can fix (the message says what); never a traceback."""


@dataclass(frozen=True)
class DataVersion:
    """One imported data set, read-only once written."""

    id: str
    folder: Path

    @property
    def db_path(self) -> Path:
        return self.folder / "ipseval.duckdb"

    @property
    def settings_path(self) -> Path:
        return self.folder / "settings.json"

    @property
    def data_folder(self) -> Path | None:
        """The folder whose ``interviews/`` the qualitative analysis reads, if there is one."""
        return self.folder if (self.folder / "interviews").is_dir() else None


@dataclass
class StagedUpload:
    """An uploaded file read and validated, waiting for a decision."""

    token: str
    filename: str
    problems: pl.DataFrame
    row_counts: pl.DataFrame
    errors: int
    warnings: int
    notes: list[str]
    unreadable: str | None = None  # why the settings in force cannot read it at all
    data_cut: date | None = None  # the date up to which its data are counted
    data_cut_source: str = ""  # where that date comes from, in words
    data_cut_set: date | None = None  # the data cut an admin set for this upload (None: the default)

    @property
    def clean(self) -> bool:
        return self.errors == 0 and self.unreadable is None


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


class Workspace:
    """The home folder of one dashboard (see the module docstring)."""

    def __init__(self, root: str | Path, settings: Settings | None = None):
        """``settings``: adopt these (saved as the home's ``ipseval.toml``, audited when they
        differ from it); None = the home's own ``ipseval.toml``, or the defaults."""
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "versions").mkdir(exist_ok=True)
        (self.root / "uploads").mkdir(exist_ok=True)
        self._write_lock = threading.Lock()  # one writer at a time; readers never wait for it
        self.prepare: Callable[[DataVersion], object] | None = None  # run on a version before it is current
        self._version_settings: dict[str, Settings] = {}
        home_file = self.root / SETTINGS_FILE
        saved = None
        if home_file.is_file():
            try:
                saved = load_settings(home_file)
            except SettingsError:
                if settings is None:
                    raise  # nothing else to use: the message names the file and the setting
        if settings is None:
            settings = saved or Settings()
        else:
            settings = with_absolute_paths(settings)
            if settings_document(settings) != settings_document(saved or Settings()):
                write_settings(home_file, settings)
                self.audit(
                    "(command line)",
                    "settings read",
                    source=Path(settings.source).name if settings.source else "given at start",
                )
        self.settings = with_absolute_paths(settings).model_copy(update={"source": SETTINGS_SHOWN_AS})

    # -- reading ----------------------------------------------------------------------------

    def _record_key_secret(self) -> bytes:
        """The home's secret for clients' cell keys: the same client keeps the same key in every
        data version, so a viewer cannot average one figure's noise across uploads."""
        from .sessions import secret_key

        return secret_key(self.root, "record-keys.key")

    def current(self) -> DataVersion | None:
        """The version readers should use now (None before the first import)."""
        try:
            vid = (self.root / "current").read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        if not _ID.match(vid) or not (self.root / "versions" / vid / "ipseval.duckdb").is_file():
            return None
        return DataVersion(vid, self.root / "versions" / vid)

    def settings_for(self, version: DataVersion) -> Settings:
        """The settings a version was imported with (a version made before settings were kept
        with it: the settings in force)."""
        found = self._version_settings.get(version.id)
        if found is None:
            try:
                doc = json.loads(version.settings_path.read_text(encoding="utf-8"))
            except FileNotFoundError:
                return self.settings
            found = Settings.model_validate(doc).model_copy(update={"source": SETTINGS_SHOWN_AS})
            self._version_settings[version.id] = found
        return found

    def save_settings(self, new: Settings, who: str, action: str, **detail: Any) -> None:
        """Make ``new`` the settings in force without importing the data again (settings that only
        decide how an upload is read: the mapping), audited as ``action``."""
        new = new.model_copy(update={"source": SETTINGS_SHOWN_AS})
        with self._write_lock:
            write_settings(self.root / SETTINGS_FILE, new)
            self.settings = new
        self.audit(who, action, **detail)

    def change_settings(self, new: Settings, who: str, changes: dict[str, str]) -> DataVersion | None:
        """Make ``new`` the settings in force: saved to the home's ``ipseval.toml``, and the current
        data imported again under them as a new version (so its figures follow them)."""
        new = new.model_copy(update={"source": SETTINGS_SHOWN_AS})
        with self._write_lock:
            write_settings(self.root / SETTINGS_FILE, new)
            self.settings = new
        if self.current() is None:
            self.audit(who, "settings changed", changes=changes)
            return None
        return self.replace_tables(who, "settings changed", {}, changes=changes)

    def audit_entries(self, limit: int = 200) -> list[dict[str, Any]]:
        """The newest audit entries first."""
        path = self.root / "audit.jsonl"
        if not path.is_file():
            return []
        lines = path.read_text(encoding="utf-8").splitlines()
        return [json.loads(x) for x in reversed(lines[-limit:]) if x.strip()]

    def audit(self, who: str, action: str, **detail: Any) -> dict[str, Any]:
        entry = {"at": _now().isoformat(), "user": who, "action": action, **detail}
        with (self.root / "audit.jsonl").open("a", encoding="utf-8") as f:
            f.write(json.dumps(entry, default=str) + "\n")
        return entry

    # -- writing a new version ----------------------------------------------------------------

    def _publish(self, write: Callable[[Path], None], settings: Settings) -> DataVersion:
        """Write a new version with ``write(folder)`` (imported under ``settings``, kept with it),
        then make it current with one rename."""
        vid = f"{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{secrets.token_hex(4)}"
        folder = self.root / "versions" / vid
        tmp = self.root / "versions" / f".{vid}.partial"
        tmp.mkdir()
        try:
            write(tmp)
            (tmp / "settings.json").write_text(json.dumps(settings_document(settings)), encoding="utf-8")
            tmp.rename(folder)
            if self.prepare is not None:
                self.prepare(DataVersion(vid, folder))
            pointer = self.root / ".current.tmp"
            pointer.write_text(vid, encoding="utf-8")
            os.replace(pointer, self.root / "current")
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        self._prune()
        return DataVersion(vid, folder)

    def _prune(self) -> None:
        """Delete all but the newest KEEP_VERSIONS versions (never the current one)."""
        current = self.current()
        versions = sorted(p for p in (self.root / "versions").iterdir() if _ID.match(p.name))
        for old in versions[:-KEEP_VERSIONS]:
            if current is None or old.name != current.id:
                shutil.rmtree(old, ignore_errors=True)

    def import_folder(
        self, source: Path, who: str, accepted_errors: bool = True, data_cut: date | None = None
    ) -> dict[str, Any]:
        """Validate ``source`` (a CSV folder or .xlsx) and make it the current data.

        ``data_cut``: the data cut set for this upload (None: the settings', else the latest date
        in the data, as the command line chooses); kept in the version's settings, so its
        evaluation uses it. With ``accepted_errors=False`` a data set with errors is not imported
        (WorkspaceError). Raises :class:`ipseval.ingest.InputError` when nothing usable can be read.
        """
        from ..validate import load

        settings = with_data_cut(self.settings, data_cut)
        ds = load(source, settings)
        cut_source = SET_FOR_UPLOAD if data_cut is not None else ds.data_cut_source
        if ds.n_errors and not accepted_errors:
            raise WorkspaceError(
                "this upload has errors: accept them to import the usable rows, or fix the file"
            )
        with self._write_lock:

            def write(folder: Path) -> None:
                import_dataset(
                    folder / "ipseval.duckdb",
                    ds.tables,
                    settings,
                    ds.data_cut,
                    row_counts=ds.row_counts,
                    problems=ds.problems,
                    meta={"source": Path(source).name, "data_cut_source": cut_source},
                    key_secret=self._record_key_secret(),
                )
                if ds.interviews_dir is not None:
                    shutil.copytree(ds.interviews_dir, folder / "interviews")

            version = self._publish(write, settings)
        counts = ds.row_counts
        return self.audit(
            who,
            "import",
            source=self._source_name(source),
            version=version.id,
            rows_read=int(counts["rows_read"].sum()),
            rows_used=int(counts["rows_used"].sum()),
            rows_rejected=int(counts["rows_rejected"].sum()),
            rows_left_out=int(counts["rows_left_out"].sum()),
            errors=ds.n_errors,
            accepted_with_errors=bool(accepted_errors and ds.n_errors),
            data_cut=ds.data_cut.isoformat(),
            data_cut_source=data_cut_words(cut_source),
        )

    def _source_name(self, source: Path) -> str:
        """The name a person knows the data by (an upload's own file name, not our staging path)."""
        name_file = Path(source).parent / "name.txt"
        return name_file.read_text(encoding="utf-8") if name_file.is_file() else Path(source).name

    def replace_tables(
        self, who: str, action: str, new_tables: dict[str, pl.DataFrame], **detail: Any
    ) -> DataVersion:
        """A new version equal to the current one but with ``new_tables`` (table name -> rows)."""
        base = self.current()
        if base is None:
            raise WorkspaceError("there are no data yet: upload a data set first")
        with self._write_lock, Store(base.db_path) as store:
            present = set(store.tables_present)
            tables = {}
            for name in TABLES:
                if name in new_tables:
                    tables[name] = new_tables[name]
                elif name in present:
                    tables[name] = store.table(name).rename({"source_row": "_row"})
            meta = store.meta
            row_counts, problems = store.table("import_row_counts"), store.table("import_problems")
            data_cut, cut_source = store.data_cut, store.data_cut_source
            # a data cut set for the upload stays with its data (the store keeps its date anyway)
            settings = with_data_cut(self.settings, self.settings_for(base).definitions.data_cut)

            def write(folder: Path) -> None:
                import_dataset(
                    folder / "ipseval.duckdb",
                    tables,
                    settings,
                    data_cut,
                    row_counts=row_counts,
                    problems=problems,
                    meta={"source": meta.get("source", ""), "data_cut_source": cut_source},
                    key_secret=self._record_key_secret(),
                )
                if base.data_folder is not None:
                    shutil.copytree(base.folder / "interviews", folder / "interviews")

            version = self._publish(write, settings)
        self.audit(who, action, version=version.id, **detail)
        return version

    # -- uploads ------------------------------------------------------------------------------

    def stage_upload(
        self, filename: str, content: bytes, data_cut: date | None = None, who: str = ""
    ) -> StagedUpload:
        """Unpack and validate an uploaded .zip of CSV files or .xlsx workbook, without importing it.
        One the settings in force cannot read (its sheets or columns named differently) is kept
        too, with the reason: its mapping can then be set for it (``unreadable``). ``data_cut``:
        the data cut ``who`` set for it (see :meth:`set_upload_data_cut`); None = the default."""
        kind = _upload_kind(filename, content)
        token = secrets.token_hex(16)
        folder = self.root / "uploads" / token
        folder.mkdir()
        name = _display_name(filename)
        try:
            if kind == "xlsx":  # kept under its own name: the problems name its sheets so
                (folder / (name if name.lower().endswith(".xlsx") else "upload.xlsx")).write_bytes(content)
            else:
                _unzip_tables(content, folder / "data")
            (folder / "name.txt").write_text(name, encoding="utf-8")
            if data_cut is not None:
                self.set_upload_data_cut(token, data_cut, who)
            return self.validate_upload(token)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise

    def validate_upload(self, token: str) -> StagedUpload:
        """Validate a waiting upload with the settings in force (again, after its mapping changed)."""
        from ..validate import PROBLEM_SCHEMA, load

        source, name = self.upload_source(token)
        chosen = self.upload_data_cut(token)
        try:
            ds = load(source, with_data_cut(self.settings, chosen))
        except InputError as e:
            reason = self.upload_words(token, str(e))
            empty = pl.DataFrame(schema=PROBLEM_SCHEMA)
            return StagedUpload(
                token, name, empty, pl.DataFrame(), 0, 0, [], unreadable=reason, data_cut_set=chosen
            )
        return StagedUpload(
            token=token,
            filename=name,
            problems=ds.problems,
            row_counts=ds.row_counts,
            errors=ds.n_errors,
            warnings=ds.problems.height - ds.n_errors,
            notes=list(ds.notes),
            data_cut=ds.data_cut,
            data_cut_source=SET_FOR_UPLOAD if chosen is not None else data_cut_words(ds.data_cut_source),
            data_cut_set=chosen,
        )

    def upload_data_cut(self, token: str) -> date | None:
        """The data cut an admin set for a waiting upload (None: the default)."""
        kept = self.upload_file(token, UPLOAD_DATA_CUT)
        return date.fromisoformat(kept.read_text(encoding="utf-8").strip()) if kept.is_file() else None

    def set_upload_data_cut(self, token: str, data_cut: date | None, who: str) -> None:
        """Set (None: clear) the data cut of a waiting upload, audited like other saved settings;
        it is used when the upload is checked again and when it is imported."""
        kept = self.upload_file(token, UPLOAD_DATA_CUT)
        before = self.upload_data_cut(token)
        if data_cut == before:
            return
        if data_cut is None:
            kept.unlink(missing_ok=True)
        else:
            kept.write_text(data_cut.isoformat(), encoding="utf-8")
        _, name = self.upload_source(token)
        old, new = (str(d) if d else "default" for d in (before, data_cut))
        self.audit(
            who, "upload data cut set", source=name, changes={"definitions.data_cut": f"{old} → {new}"}
        )

    def upload_source(self, token: str) -> tuple[Path, str]:
        """A waiting upload's data (its workbook or folder of CSV files) and the name it was sent as."""
        folder = self._upload_folder(token)
        books = sorted(folder.glob("*.xlsx"))
        source = books[0] if books else folder / "data"
        return source, (folder / "name.txt").read_text(encoding="utf-8")

    def upload_words(self, token: str, message: str) -> str:
        """A message about a waiting upload as a page may show it: its name, never a server path."""
        source, name = self.upload_source(token)
        return message.replace(str(source), name).replace(str(source.parent), "the upload")

    def upload_file(self, token: str, name: str) -> Path:
        """Where the dashboard keeps its own file ``name`` (a fixed name, never a request's) beside a
        waiting upload."""
        return self._upload_folder(token) / name

    def accept_upload(self, token: str, who: str, accept_errors: bool) -> dict[str, Any]:
        """Import a staged upload; with errors only when the person accepted them."""
        source, _ = self.upload_source(token)
        cut = self.upload_data_cut(token)
        entry = self.import_folder(source, who, accepted_errors=accept_errors, data_cut=cut)
        shutil.rmtree(self._upload_folder(token), ignore_errors=True)
        return entry

    def discard_upload(self, token: str) -> None:
        shutil.rmtree(self._upload_folder(token), ignore_errors=True)

    def _upload_folder(self, token: str) -> Path:
        if not _TOKEN.match(token or ""):
            raise WorkspaceError("unknown upload")
        folder = self.root / "uploads" / token
        if not folder.is_dir():
            raise WorkspaceError("this upload is no longer waiting (imported, discarded or expired)")
        return folder


def with_data_cut(settings: Settings, data_cut: date | None) -> Settings:
    """``settings`` with ``data_cut`` as the date the data were extracted (None: unchanged)."""
    if data_cut is None or data_cut == settings.definitions.data_cut:
        return settings
    definitions = settings.definitions.model_copy(update={"data_cut": data_cut})
    return settings.model_copy(update={"definitions": definitions})


def data_cut_words(source: str) -> str:
    """Where validation took the data cut from, in a page's words."""
    return "the date in the settings" if source == "settings" else source


def _display_name(filename: str) -> str:
    name = Path(filename or "upload").name
    return name if _SAFE_NAME.match(name) else "upload"


def _upload_kind(filename: str, content: bytes) -> str:
    suffix = Path(filename or "").suffix.lower()
    if suffix not in (".zip", ".xlsx"):
        raise WorkspaceError(
            f"{_display_name(filename)}: upload a .zip of CSV files or an Excel workbook (.xlsx)"
        )
    if not content.startswith(b"PK\x03\x04"):
        raise WorkspaceError(
            f"{_display_name(filename)}: this is not a {suffix} file (its content does not match)"
        )
    return suffix[1:]


def _a_table(path: Path) -> bool:
    """Whether an unpacked file can be a table: a CSV, or a text file (a note such as README.txt
    is unpacked too, for the data cut it may give) whose first line holds a separator."""
    if path.suffix.lower() == ".csv":
        return True
    with path.open("rb") as f:
        first = f.read(4096).split(b"\n", 1)[0]
    return any(sep in first for sep in (b"\t", b",", b";", b"|"))


def _unzip_tables(content: bytes, dest: Path, max_total: int = 2 * 1024**3) -> None:
    """Extract the CSV files (and interviews/) from a zip, by name, never by path.

    Members are matched on their file name alone: the standard's files (clients.csv, ...), and any
    other text table with a plain name (a CSV, or a tab-separated .txt or .tsv, as the command line
    reads them: an export whose files are named differently, to be mapped);
    at most one folder deep. Anything else is skipped. Nothing in the zip chooses where a file is
    written, and the unpacked size is capped (zip bombs).
    """
    import io

    dest.mkdir(parents=True)
    wanted = {f"{name}.csv" for name in TABLES}
    total = 0
    found = 0
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile:
        raise WorkspaceError("the .zip file cannot be opened (damaged or not a zip)") from None
    with archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            parts = [p for p in info.filename.replace("\\", "/").split("/") if p not in ("", ".", "..")]
            if not parts:
                continue
            base = parts[-1]
            if base.lower() in wanted and len(parts) <= 2:
                target = dest / base.lower()
            elif (
                (len(parts) == 1 or (len(parts) == 2 and parts[0].lower() != "interviews"))
                and _SAFE_NAME.match(base)
                and base.lower().endswith(TEXT_SUFFIXES)
            ):
                target = dest / base
            elif (
                len(parts) >= 2
                and parts[-2].lower() == "interviews"
                and _SAFE_NAME.match(base)
                and Path(base).suffix.lower() in INTERVIEW_SUFFIXES
            ):
                (dest / "interviews").mkdir(exist_ok=True)
                target = dest / "interviews" / base
            else:
                continue
            total += info.file_size
            if total > max_total:
                raise WorkspaceError("the .zip file unpacks to more than 2 GB; split it or upload fewer rows")
            with archive.open(info) as src, target.open("wb") as out:
                shutil.copyfileobj(src, out)
            found += target.parent == dest and _a_table(target)
    if not found:
        raise WorkspaceError(
            "the .zip file holds none of the data standard's files (clients.csv, meetings.csv, jobs.csv, ...) "
            "and no other CSV or tab-separated text file"
        )
