"""Files: reading with type and size limits, and writing atomically.

Every file the library reads from a user goes through :func:`read_text` (a regular file, of
bounded size, decoded as UTF-8), and every file it writes goes through :func:`write_atomic`
(a private temporary file of a unique name in the same folder, created exclusively and with
``O_NOFOLLOW`` so that no planted link is followed, then renamed over the target, mode 0644),
so that no reader ever sees half a file. Results written into a folder of their own (``--out``,
a checkpoint) also refuse a folder or target that is a symbolic link (:func:`refuse_links`):
what is written lands where it was asked to, never where a link points.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO

from escalation.base.errors import InputError

#: Largest file read as text (scenarios, histories, priors, posteriors): 64 MiB.
MAX_TEXT_BYTES = 64 * 2**20


def read_text(path: str | Path, *, what: str = "file", limit: int = MAX_TEXT_BYTES) -> str:
    """Read a regular file of at most ``limit`` bytes as UTF-8.

    Raises
    ------
    InputError
        Naming the file when it is missing, not a regular file (a folder, a device, a FIFO),
        larger than ``limit``, unreadable or not UTF-8.
    """
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise InputError(f"{what} not found", source=path) from None
    except IsADirectoryError:
        raise InputError(f"{what} is a folder, not a file", source=path) from None
    except OSError as exc:
        raise InputError(f"cannot open the {what} ({exc.strerror})", source=path) from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        if stat.S_ISDIR(info.st_mode):
            raise InputError(f"{what} is a folder, not a file", source=path)
        raise InputError(f"{what} is not a regular file (a device or a pipe?)", source=path)
    with os.fdopen(fd, "rb") as fh:
        if info.st_size > limit:
            raise InputError(
                f"{what} is {info.st_size:,} bytes, more than the limit of {limit:,}", source=path
            )
        try:
            data = fh.read(limit + 1)
        except OSError as exc:
            raise InputError(f"cannot read the {what} ({exc.strerror})", source=path) from None
    if len(data) > limit:
        raise InputError(f"{what} is larger than the limit of {limit:,} bytes", source=path)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{what} is not UTF-8 text (byte {exc.start} cannot be decoded)", source=path
        ) from None


def refuse_links(
    folder: str | Path, names: Iterable[str] | None = (), *, field: str | None = None
) -> None:
    """Refuse ``folder`` if it is a symbolic link, or holds one at any of ``names``.

    ``names=None`` refuses a link anywhere directly in ``folder``. Missing paths pass.

    Raises
    ------
    InputError
        Naming the link.
    """
    folder = Path(folder)
    paths = [folder]
    if names is None:
        if folder.is_dir() and not folder.is_symlink():
            paths += sorted(folder.iterdir())
    else:
        paths += [folder / name for name in names]
    for path in paths:
        if path.is_symlink():
            raise InputError(
                "is a symbolic link; results are never written through links: remove it, "
                "or choose another folder",
                source=path,
                field=field,
            )


def write_atomic(
    path: str | Path,
    data: str | bytes | Callable[[IO[bytes]], object],
    *,
    links: bool = True,
) -> Path:
    """Write ``data`` to ``path`` all at once; return ``path``.

    ``data`` is text (written as UTF-8), bytes, or a function that writes to a binary file
    object. The folder is made if missing. On any error the temporary file is removed and the
    target is left as it was. With ``links=False`` (results in a folder of their own), a
    folder or a target that is a symbolic link is refused (:func:`refuse_links`) before and
    again after writing, rather than written through or replaced.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not links:
        refuse_links(path.parent, [path.name])
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            if isinstance(data, str):
                fh.write(data.encode("utf-8"))
            elif isinstance(data, bytes | bytearray):
                fh.write(data)
            else:
                data(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes the file private; results are for sharing
        if not links:
            refuse_links(path.parent, [path.name])
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
