"""Sheet files to text: plain text in the encodings coders' machines produce, and PDFs.

PDF text comes from pypdf (pure Python, maintained, no system libraries), which yields the
same wrapped-line text the seed sheet shows.
"""
from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Final

from .dates import undo_ocr
from .errors import SheetError

SHEET_SUFFIXES: Final = (".txt", ".pdf")

# Bytes that never occur in a text sheet; a handful means the file is binary, not mis-encoded.
_CONTROL_BYTES: Final = bytes(range(0, 9)) + bytes(range(14, 32))


def decode_text(data: bytes, file: str) -> str:
    """UTF-8 (with or without BOM) first, then cp1252, which Windows coders' editors write."""
    if not data or data.isspace():  # `not data.strip()`, without copying the file
        raise SheetError(file, "empty file")
    sample = data[:4096]
    control = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    if control > max(4, len(sample) // 100):
        raise SheetError(file, "binary file, not a coding sheet")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # cp1252 leaves five bytes undefined; latin-1 maps every byte and never fails
        text = data.decode("latin-1")
    if "\r" in text or "\f" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n")
    return text


def pdf_text(data: bytes, file: str) -> str:
    from pypdf import PdfReader  # imported here: only PDF sheets pay for it
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise SheetError(file, f"unreadable PDF ({exc})") from exc
    text = "\n".join(pages)
    if not text.strip():
        raise SheetError(file, "PDF has no extractable text (scanned image?)")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_bytes(path: Path) -> bytes:
    """The file's bytes, read with os.read: `Path.read_bytes` goes through pathlib's Python-level
    `open`, and even the built-in `open` builds a buffered file object, which costs about as much
    as reading a sheet."""
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        chunks: list[bytes] = []
        while True:
            chunk = os.read(descriptor, 1 << 20)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
    finally:
        os.close(descriptor)


def read_sheet_text(path: Path, data: bytes | None = None) -> str:
    """The sheet's text; `data` when the caller has already read the file's bytes."""
    data = read_bytes(path) if data is None else data
    name = path.name
    if path.suffix.lower() == ".pdf" or data[:5] == b"%PDF-":
        text = pdf_text(data, name)
    else:
        text = decode_text(data, name)
    # OCR letter/digit swaps are repaired once, for every rule; lengths and lines are unchanged
    return undo_ocr(text)
