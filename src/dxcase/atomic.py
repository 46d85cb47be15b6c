"""Write output folders and files all at once or not at all."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from dxcase.errors import DxcaseError


def _check_target(target: Path, overwrite: bool) -> None:
    if target.exists() and not target.is_dir():
        raise DxcaseError(f"{target}: exists and is not a folder")
    if target.exists() and any(target.iterdir()) and not overwrite:
        raise DxcaseError(
            f"{target}: folder exists and is not empty (use --overwrite to replace it)"
        )


@contextlib.contextmanager
def atomic_dir(target: str | os.PathLike[str], overwrite: bool = False) -> Iterator[Path]:
    """Yield a fresh temporary folder beside ``target``; move it into place only on success.

    If the block raises, the temporary folder is removed and ``target`` is untouched, so a
    failed command never leaves a half-written output behind.
    """
    target = Path(target).resolve()
    _check_target(target, overwrite)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        yield tmp
        old = None
        if target.exists():
            old = target.with_name(f".{target.name}.{os.getpid()}.old")
            target.rename(old)
        tmp.rename(target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


@contextlib.contextmanager
def atomic_dirs(
    *targets: str | os.PathLike[str], overwrite: bool = False
) -> Iterator[tuple[Path, ...]]:
    """Like :func:`atomic_dir` for several folders that must appear together or not at all."""
    for target in targets:
        _check_target(Path(target).resolve(), overwrite)
    with contextlib.ExitStack() as stack:
        yield tuple(stack.enter_context(atomic_dir(t, overwrite)) for t in targets)


def write_text_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write a text file via a temporary file and rename, so readers never see half of it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
