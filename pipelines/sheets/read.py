"""Sheet files to text: plain text in the encodings coders' machines produce, and PDFs.

PDF text comes from pypdf (pure Python, maintained, no system libraries), which yields the
same wrapped-line text the seed sheet shows.
"""
from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Final

from .dates import BINARY_MARK, BYTE_SHAPE, mixed_digits, undo_ocr
from .errors import SheetError

SHEET_SUFFIXES: Final = (".txt", ".pdf")
_UTF8_BOM: Final = b"\xef\xbb\xbf"


def decode_text(data: bytes, file: str) -> str:
    """UTF-8 (with or without BOM) first, then cp1252, which Windows coders' editors write."""
    return decode_sheet(data, file)[0]


def decode_sheet(data: bytes, file: str) -> tuple[str, list[int]]:
    """The sheet's text (`decode_text`), and the positions in it of digits next to an ASCII letter
    (`dates.undo_ocr`), found on the file's bytes (`dates.BYTE_SHAPE`)."""
    if not data or data.isspace():  # `not data.strip()`, without copying the file
        raise SheetError(file, "empty file")
    shape = data.translate(BYTE_SHAPE)
    # bytes that never occur in a text sheet: a handful means the file is binary, not mis-encoded
    sample = min(len(data), 4096)
    if shape.count(BINARY_MARK, 0, sample) > max(4, sample // 100):
        raise SheetError(file, "binary file, not a coding sheet")
    if b"\r" in data or b"\f" in data:
        # the bytes are ASCII there in every encoding read here; the shape keeps them where they are
        data, shape = _unix_line_ends(data), _unix_line_ends(shape)
    multibyte = False
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            multibyte = encoding == "utf-8-sig" and not data.isascii()
            break
        except UnicodeDecodeError:
            continue
    else:  # cp1252 leaves five bytes undefined; latin-1 maps every byte and never fails
        text = data.decode("latin-1")
    digits = mixed_digits(shape)
    return text, _character_positions(data, digits) if digits and multibyte else digits


def _unix_line_ends(data: bytes) -> bytes:
    return data.replace(b"\r\n", b"\n").replace(b"\r", b"\n").replace(b"\f", b"\n")


def _character_positions(data: bytes, byte_positions: list[int]) -> list[int]:
    """Positions in the text decoded from UTF-8 `data` (BOM dropped) of the given bytes, each an
    ASCII character: the characters the bytes before it make up."""
    positions: list[int] = []
    last = 3 if data.startswith(_UTF8_BOM) else 0
    characters = 0
    for at in byte_positions:
        characters += len(data[last:at].decode("utf-8"))
        positions.append(characters)
        last = at
    return positions


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
    # OCR letter/digit swaps are repaired once, for every rule; lengths and lines are unchanged
    if path.suffix.lower() == ".pdf" or data[:5] == b"%PDF-":
        return undo_ocr(pdf_text(data, name))
    text, digits = decode_sheet(data, name)
    return undo_ocr(text, digits)
