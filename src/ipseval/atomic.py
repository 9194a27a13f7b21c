"""Writing output files so that a failure never leaves a half-written one, and naming disk errors.

Every file is written to a hidden temporary name in its own folder, flushed and fsynced, then
renamed over the final name (``os.replace``, atomic on one file system). A :class:`Staging` holds
several such files and renames them only once all are written, so a failure part-way (a renderer
that raises, a full disk) leaves the previous outputs as they were, or none, never a 0-byte or
truncated one.

An ``OSError`` met while writing becomes an :class:`OutputError`: one plain sentence naming the
folder or file and what is wrong (read-only, disk full, a file where a folder is needed, a name
too long), for the command line to print as it is.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

_KINDS = {
    errno.EACCES: "permission",
    errno.EPERM: "permission",
    errno.EROFS: "read-only disk",
    errno.ENOSPC: "full",
    errno.EDQUOT: "quota",
    errno.ENOTDIR: "blocked",
    errno.EEXIST: "blocked",
    errno.EISDIR: "folder",
    errno.ENAMETOOLONG: "too long",
    errno.EIO: "disk error",
}

# what DuckDB (and other libraries that do not raise OSError) say, for the same kinds
_TEXTS = {
    "permission denied": errno.EACCES,
    "read-only file system": errno.EROFS,
    "no space left": errno.ENOSPC,
    "disk quota exceeded": errno.EDQUOT,
    "not a directory": errno.ENOTDIR,
    "is a directory": errno.EISDIR,
    "file name too long": errno.ENAMETOOLONG,
}


class OutputError(Exception):
    """A file or folder could not be written. ``str()`` is one sentence for the user.

    ``kind``: permission, read-only disk, read-only file, full, quota, blocked, folder, too long,
    disk error, in use (a store another program holds) or other. ``option`` (set by the command line) names the option that chose the place, so the
    advice can say "choose another --out folder".
    """

    def __init__(self, kind: str, message: str, folder: Path, option: str = ""):
        super().__init__(message)
        self.kind, self.message, self.folder, self.option = kind, message, Path(folder), option

    def advice(self) -> str:
        where = f"{self.option} " if self.option else ""
        return {
            "permission": f"choose another {where}folder",
            "read-only disk": f"choose another {where}folder",
            "full": f"or choose another {where}folder on another disk",
            "quota": f"or choose another {where}folder on another disk",
            "blocked": f"move it, or choose another {where}folder",
            "folder": f"move it, or choose another {where}folder",
            "too long": f"choose a shorter {where}path",
            "read-only file": f"make it writable, or choose another {where}path",
            "in use": f"wait for it or stop it, or choose another {where}path",
        }.get(self.kind, "")

    def __str__(self) -> str:
        advice = self.advice()
        if not advice:
            return self.message
        return f"{self.message}{',' if advice.startswith('or ') else ';'} {advice}"


def _show(folder: Path) -> str:
    return f"{folder}/"


def _blocker(path: Path) -> Path | None:
    """The nearest existing ancestor (or ``path`` itself) that is a file where a folder is needed."""
    for p in (path, *path.parents):
        if p.exists() or p.is_symlink():
            return None if p.is_dir() else p
    return None


def explain(e: OSError, target: str | Path, is_folder: bool = False) -> OutputError:
    """``e``, met while writing the file ``target`` (or creating the folder ``target``), in plain
    words. The error's ``folder`` is the folder asked for: ``target`` itself, or the file's folder."""
    target = Path(target)
    folder = target if is_folder else target.parent
    kind = _KINDS.get(e.errno or 0, "other")
    shown = _show(folder)
    blocker = _blocker(target) if kind == "blocked" else None
    if kind == "blocked" and blocker is None:
        kind = "other"
    if kind == "permission" and not is_folder and target.is_file() and not os.access(target, os.W_OK):
        kind = "read-only file"  # only met by writers that change a file in place (DuckDB)
    messages = {
        "permission": f"cannot write to {shown}: the folder is read-only (permission denied)",
        "read-only disk": f"cannot write to {shown}: the disk holding it is read-only (read-only file system)",
        "full": f"the disk holding {shown} is full: free some space and run again",
        "quota": f"your disk quota on the disk holding {shown} is used up: free some space and run again",
        "blocked": f"cannot write to {shown}: {blocker} is a file, where a folder is needed",
        "folder": f"cannot write {target}: it is a folder, where a file is needed",
        "read-only file": f"cannot write {target}: the file is read-only (permission denied)",
        "too long": f"cannot write {target}: the name is too long for the disk ({len(str(target))} characters)",
        "disk error": f"cannot write {target}: the disk reported an input/output error; check the disk",
    }
    if is_folder and kind == "permission":
        messages[kind] = (
            f"cannot create {shown}: the folder {_show(target.parent)} is read-only (permission denied)"
        )
    message = messages.get(kind, f"cannot write {target}: {(e.strerror or str(e)).lower()}")
    return OutputError(kind, message, folder)


def explain_text(text: str, target: str | Path) -> OutputError | None:
    """An error message from a library that does not raise OSError (DuckDB) in plain words, when
    it names one of the disk problems above; None otherwise."""
    low = text.lower()
    for needle, code in _TEXTS.items():
        if needle in low:
            return explain(OSError(code, os.strerror(code), str(target)), target)
    return None


def ensure_folder(folder: str | Path) -> Path:
    """Create ``folder`` (and its parents) if needed; disk problems as :class:`OutputError`."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise explain(e, folder, is_folder=True) from e
    return folder


def check_writable(folder: str | Path) -> Path:
    """Fail now, not after an hour of work, if files cannot be created in ``folder``."""
    folder = ensure_folder(folder)
    probe = _temp_name(folder / "probe")
    try:
        os.close(_create(probe))
        os.unlink(probe)
    except OSError as e:
        raise explain(e, folder / "probe") from e
    return folder


def _create(path: Path) -> int:
    """Create ``path`` (which must not exist) for writing, as open() would: the umask applies."""
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)


def _temp_name(path: Path) -> Path:
    """A hidden name beside ``path`` that keeps its suffix (writers that look at it still work)."""
    return path.with_name(f".{path.stem[:80]}.{secrets.token_hex(4)}.tmp{path.suffix[:16]}")


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_all(pending: list[tuple[Path, Path]]) -> None:
    """fsync each (temporary, final) file, several at once: one after another, each waiting for
    the disk, the sixty-odd files of a report took a few tenths of a second. A failure is named
    by the file's final name."""

    def sync(files: tuple[Path, Path]) -> None:
        try:
            _fsync_file(files[0])
        except OSError as e:
            raise explain(e, files[1]) from e

    if pending:
        with ThreadPoolExecutor(max_workers=min(8, len(pending))) as pool:
            list(pool.map(sync, pending))


def _fsync_folder(folder: Path) -> None:
    """Make the renames durable (best effort: not every system can fsync a folder)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _unlink(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


class Staging:
    """Files written under temporary names and renamed over their final names together.

    Use through :func:`staged`; ``open``/``write_text``/``write_bytes``/``path`` add a file.
    """

    def __init__(self) -> None:
        self._pending: list[tuple[Path, Path]] = []

    @contextmanager
    def open(
        self, path: str | Path, mode: str = "w", encoding: str | None = None, newline: str | None = None
    ) -> Iterator[IO[Any]]:
        """A file object to write ``path``'s new content into (``mode`` "w" or "wb")."""
        path = Path(path)
        ensure_folder(path.parent)
        tmp = _temp_name(path)
        try:
            fd = _create(tmp)
            if path.is_file():  # a replaced file keeps its permissions
                os.fchmod(fd, path.stat().st_mode & 0o7777)
        except OSError as e:
            raise explain(e, path) from e
        try:
            with os.fdopen(fd, mode, encoding=encoding, newline=newline) as f:
                yield f  # made durable at commit, with the others
        except OSError as e:
            _unlink(tmp)
            raise explain(e, path) from e
        except BaseException:
            _unlink(tmp)
            raise
        self._pending.append((tmp, path))

    def write_text(self, path: str | Path, text: str, encoding: str = "utf-8") -> Path:
        with self.open(path, "w", encoding=encoding) as f:
            f.write(text)
        return Path(path)

    def write_bytes(self, path: str | Path, data: bytes) -> Path:
        with self.open(path, "wb") as f:
            f.write(data)
        return Path(path)

    @contextmanager
    def path(self, path: str | Path) -> Iterator[Path]:
        """A temporary path (same folder and suffix) for a library that writes a file by name."""
        path = Path(path)
        ensure_folder(path.parent)
        tmp = _temp_name(path)
        try:
            yield tmp  # made durable at commit, with the others
        except OSError as e:
            _unlink(tmp)
            raise explain(e, path) from e
        except BaseException:
            _unlink(tmp)
            raise
        if tmp.exists():
            self._pending.append((tmp, path))

    def commit(self) -> None:
        """Make every file's content durable, rename each over its final name, then make the
        renames durable."""
        folders: set[Path] = set()
        try:
            _fsync_all(self._pending)
            while self._pending:
                tmp, path = self._pending[0]
                try:
                    os.replace(tmp, path)
                except OSError as e:
                    raise explain(e, path) from e
                self._pending.pop(0)
                folders.add(path.parent)
        finally:
            self.discard()
        for folder in folders:
            _fsync_folder(folder)

    def discard(self) -> None:
        """Remove the temporary files not renamed (the final names keep their old content)."""
        while self._pending:
            _unlink(self._pending.pop()[0])


@contextmanager
def staged() -> Iterator[Staging]:
    """Collect files; rename them all into place at the end, or none if anything fails."""
    s = Staging()
    try:
        yield s
    except BaseException:
        s.discard()
        raise
    s.commit()


@contextmanager
def atomic_file(
    path: str | Path, mode: str = "w", encoding: str | None = None, newline: str | None = None
) -> Iterator[IO[Any]]:
    """One file written atomically: ``with atomic_file(p, "w", encoding="utf-8") as f: ...``."""
    with staged() as s, s.open(path, mode, encoding=encoding, newline=newline) as f:
        yield f


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temporary path for a library that writes ``path`` itself; renamed into place on success."""
    with staged() as s, s.path(path) as tmp:
        yield tmp


def write_text(path: str | Path, text: str, encoding: str = "utf-8") -> Path:
    with staged() as s:
        return s.write_text(path, text, encoding)


def write_bytes(path: str | Path, data: bytes) -> Path:
    with staged() as s:
        return s.write_bytes(path, data)
