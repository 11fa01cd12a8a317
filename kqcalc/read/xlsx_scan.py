"""Cheap checks of an .xlsx workbook, read straight from the zip's sheet XML (SPEC §7).

fastexcel (calamine) reads the cell values; this module finds what calamine
hides or cannot survive, without parsing the workbook with openpyxl:

* formula cells with no cached value (``<f>`` without ``<v>``: files written by
  openpyxl and other tools that do not compute formulas); calamine reads them
  as empty, kqcalc quarantines their rows;
* cells holding an Excel error (``t="e"``: #DIV/0!, #N/A …); calamine reads
  them as empty, kqcalc quarantines their rows;
* merged cells (only the top-left cell keeps the value);
* the true extent of a sheet: calamine allocates rows x columns of the whole
  used range, so one stray value at XFD1048576 aborts the process. A sheet whose
  extent is too big is rewritten to a temporary copy without its stray cells.

Everything here streams the (deflated) sheet XML in chunks and searches bytes
with a few regular expressions: it never builds the whole sheet in memory.

Coordinates are 1-based (row 1 = Excel row 1, column 1 = A).
"""

from __future__ import annotations

import os
import posixpath
import re
import shutil
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from xml.etree import ElementTree

import polars as pl

MAX_COLUMNS = 1000  # a sheet wider than this is checked for stray cells
MAX_CELLS = 20_000_000  # rows x columns calamine would allocate
HEAD_BYTES = 1 << 18  # what the probe decompresses
CHUNK_BYTES = 1 << 23  # streaming chunk
ROW_GAP = 1000  # empty rows that separate the main block from stray rows
COLUMN_GAP = 50  # empty columns that separate the main block from stray columns
MAX_LISTED = 20  # cells or ranges named in one message

CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE compound file: encrypted OOXML or legacy .xls
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")


class WorkbookError(Exception):
    """The workbook cannot be read: `code` names the problem in kqcalc/messages.py (workbook_…), `values` fills it;
    the reader raises it as an InputError with the file's name."""

    def __init__(self, code: str, **values: object) -> None:
        super().__init__(code)
        self.code = code
        self.values = {k: str(v) for k, v in values.items()}


# --------------------------------------------------------------------------- references


def column_letters(col: int) -> str:
    """1 -> "A", 27 -> "AA"."""
    letters = ""
    while col > 0:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_number(letters: str | bytes) -> int:
    """ "A" -> 1, "AA" -> 27 (case-insensitive)."""
    if isinstance(letters, bytes):
        letters = letters.decode("ascii")
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n


def cell_ref(row: int, col: int) -> str:
    return f"{column_letters(col)}{row}"


_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")


def parse_ref(ref: str) -> tuple[int, int] | None:
    """ "C12" -> (12, 3); None when it is not a cell reference."""
    m = _REF.match(ref.strip())
    if not m:
        return None
    return int(m.group(2)), column_number(m.group(1))


def parse_range(ref: str) -> tuple[int, int, int, int] | None:
    """ "A1:C3" -> (first row, first col, last row, last col); a single cell is a 1x1 range."""
    parts = ref.strip().split(":")
    if len(parts) not in (1, 2):
        return None
    a = parse_ref(parts[0])
    b = parse_ref(parts[-1])
    if a is None or b is None:
        return None
    return min(a[0], b[0]), min(a[1], b[1]), max(a[0], b[0]), max(a[1], b[1])


def _letters_gt(n: int) -> bytes | None:
    """A regex alternation matching the letters of every column number greater than n."""
    if n >= 16384:
        return None
    s = column_letters(max(n, 1)) if n >= 1 else ""
    if not s:
        return rb"[A-Z]+"
    width = len(s)
    alts = [b"[A-Z]{%d,}" % (width + 1)]
    for i, ch in enumerate(s):
        if ch != "Z":
            rest = width - i - 1
            alt = s[:i].encode() + b"[" + chr(ord(ch) + 1).encode() + b"-Z]"
            if rest:
                alt += b"[A-Z]{%d}" % rest
            alts.append(alt)
    return b"|".join(alts)


def _letters_lt(n: int) -> bytes | None:
    """A regex alternation matching the letters of every column number smaller than n."""
    if n <= 1:
        return None
    s = column_letters(n)
    width = len(s)
    alts = []
    if width > 1:
        alts.append(b"[A-Z]{1,%d}" % (width - 1))
    for i, ch in enumerate(s):
        if ch != "A":
            rest = width - i - 1
            alt = s[:i].encode() + b"[A-" + chr(ord(ch) - 1).encode() + b"]"
            if rest:
                alt += b"[A-Z]{%d}" % rest
            alts.append(alt)
    return b"|".join(alts)


def _ref_pattern(alternation: bytes | None) -> re.Pattern[bytes] | None:
    if alternation is None:
        return None
    return re.compile(rb'\sr="(' + alternation + rb")(\d+)\"")


# --------------------------------------------------------------------------- container


def check_container(path: str) -> None:
    """Raise WorkbookError for an empty, encrypted, legacy or non-zip file."""
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as fh:
            magic = fh.read(8)
    except OSError as exc:
        raise WorkbookError("workbook_cannot_open", detail=exc.strerror or exc) from None
    if size == 0:
        raise WorkbookError("workbook_empty")
    if magic == CFB_MAGIC:
        if _is_encrypted_package(path):
            raise WorkbookError("workbook_encrypted")
        raise WorkbookError("workbook_is_xls")
    if not zipfile.is_zipfile(path):
        raise WorkbookError("workbook_not_zip")


def _is_encrypted_package(path: str) -> bool:
    with open(path, "rb") as fh:
        while True:
            block = fh.read(1 << 22)
            if not block:
                return False
            if _ENCRYPTED_PACKAGE in block:
                return True
            if len(block) == 1 << 22:
                fh.seek(-len(_ENCRYPTED_PACKAGE), os.SEEK_CUR)


# --------------------------------------------------------------------------- sheets


@dataclass(frozen=True)
class SheetRef:
    name: str
    part: str  # the zip member holding the sheet XML
    kind: str  # "worksheet", "chartsheet", "dialogsheet" …


def _member(zf: zipfile.ZipFile, name: str) -> str | None:
    """The zip member named `name`, compared case-insensitively as Excel does."""
    wanted = name.lstrip("/").lower()
    for info in zf.infolist():
        if info.filename.lower() == wanted:
            return info.filename
    return None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _rels(zf: zipfile.ZipFile, part: str) -> dict[str, str]:
    """Relationship id -> target part of `part` (e.g. xl/workbook.xml)."""
    folder, base = posixpath.split(part)
    member = _member(zf, posixpath.join(folder, "_rels", base + ".rels"))
    if member is None:
        return {}
    root = ElementTree.fromstring(zf.read(member))
    out: dict[str, str] = {}
    for rel in root:
        if _local(rel.tag) != "Relationship" or rel.get("TargetMode") == "External":
            continue
        target = rel.get("Target", "")
        if target.startswith("/"):
            resolved = target.lstrip("/")
        else:
            resolved = posixpath.normpath(posixpath.join(folder, target))
        out[rel.get("Id", "")] = resolved
    return out


def list_sheets(zf: zipfile.ZipFile) -> list[SheetRef]:
    """The workbook's sheets in tab order, with the zip member of each."""
    workbook = None
    root_rels_member = _member(zf, "_rels/.rels")
    if root_rels_member is not None:
        root = ElementTree.fromstring(zf.read(root_rels_member))
        for rel in root:
            if _local(rel.tag) == "Relationship" and rel.get("Type", "").endswith("/officeDocument"):
                workbook = rel.get("Target", "").lstrip("/")
                break
    workbook = _member(zf, workbook or "xl/workbook.xml") or _member(zf, "xl/workbook.xml")
    if workbook is None:
        raise WorkbookError("workbook_no_workbook_part")
    rels = _rels(zf, workbook)
    root = ElementTree.fromstring(zf.read(workbook))
    sheets: list[SheetRef] = []
    for el in root.iter():
        if _local(el.tag) != "sheet":
            continue
        rid = next((v for k, v in el.attrib.items() if _local(k) == "id"), None)
        target = rels.get(rid or "")
        member = _member(zf, target) if target else None
        kind = posixpath.basename(posixpath.dirname(target or "")).rstrip("s") or "worksheet"
        sheets.append(SheetRef(el.get("name", ""), member or "", kind))
    return sheets


# --------------------------------------------------------------------------- streaming


_PREFIX = re.compile(rb"<(\w+:)?worksheet\b")
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\b[^>]*?\bref="([^"]*)"')
_ROW_TAG = re.compile(rb"<(?:\w+:)?row\b([^>]*)>")
_ROW_R = re.compile(rb'\br="(\d+)"')
_ATTR = re.compile(rb'([\w:]+)\s*=\s*"([^"]*)"')
_FORMULA_NO_VALUE = re.compile(rb"<(?:\w+:)?f\b[^>]*?(?:/>|>([^<]*)</(?:\w+:)?f>)(?!\s*<(?:\w+:)?(?:v>\s*[^<\s]|is\b))")
_ERROR_CELL = re.compile(rb'<(?:\w+:)?c\b([^>]*?\bt="e"[^>]*)(?<!/)>(.*?)</(?:\w+:)?c>', re.S)
_V_TEXT = re.compile(rb"<(?:\w+:)?v>([^<]*)<")
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([^"]+)"')
_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_HAS_VALUE = re.compile(rb"<(?:\w+:)?v>\s*[^<\s]|<(?:\w+:)?is\b")
_T_TEXT = re.compile(rb"<(?:\w+:)?t\b[^>]*>([^<]*)<")


def _blocks(zf: zipfile.ZipFile, part: str) -> Iterator[bytes]:
    """The decompressed bytes of a zip member, in blocks of a few MB.

    Deflated members are inflated straight from the file with zlib (no CRC check, no
    ZipExtFile buffering: a quarter faster than ZipFile.open); others go through ZipFile.
    """
    info = zf.getinfo(part)
    if info.compress_type != zipfile.ZIP_DEFLATED or info.flag_bits & 0x1 or zf.fp is None:
        with zf.open(info) as fh:
            while block := fh.read(CHUNK_BYTES):
                yield block
        return
    with open(zf.filename or "", "rb") as fh:
        fh.seek(info.header_offset)
        header = fh.read(30)
        if len(header) < 30 or header[:4] != b"PK\x03\x04":
            raise zipfile.BadZipFile(f"bad local header for {part}")
        name_len, extra_len = struct.unpack("<HH", header[26:30])
        fh.seek(info.header_offset + 30 + name_len + extra_len)
        inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        left = info.compress_size
        while left > 0:
            raw = fh.read(min(left, CHUNK_BYTES // 8))
            if not raw:
                raise zipfile.BadZipFile(f"{part} is truncated")
            left -= len(raw)
            block = inflater.decompress(raw)
            if block:
                yield block
        block = inflater.flush()
        if block:
            yield block
        if not inflater.eof:
            raise zipfile.BadZipFile(f"{part} is truncated")


def _pieces(zf: zipfile.ZipFile, part: str, row_end: bytes) -> Iterator[bytes]:
    """The part's bytes in chunks that end right after a closing row tag; the rest of the
    part after the last row (closing sheetData, merged cells …) is always the last chunk."""
    carry = b""
    pending: list[bytes] = []
    size = 0
    for block in _blocks(zf, part):
        pending.append(block)
        size += len(block)
        if size < CHUNK_BYTES:
            continue
        buf = b"".join([carry, *pending]) if len(pending) > 1 or carry else pending[0]
        pending, size = [], 0
        cut = buf.rfind(row_end)
        if cut < 0:
            carry = buf
            continue
        cut += len(row_end)
        yield buf[:cut]
        carry = buf[cut:]
    buf = b"".join([carry, *pending])
    cut = buf.rfind(row_end)
    if cut >= 0:
        cut += len(row_end)
        yield buf[:cut]
        buf = buf[cut:]
    if buf:
        yield buf


def _attrs(tag: bytes) -> dict[bytes, bytes]:
    return {k.split(b":")[-1]: v for k, v in _ATTR.findall(tag)}


@dataclass
class Probe:
    """What the first bytes of a sheet's XML say."""

    prefix: bytes  # namespace prefix of the sheet's elements (b"" or e.g. b"x:")
    dimension: tuple[int, int, int, int] | None  # the declared used range, if any (it may be wrong)


def _oversized(last_row: int, first_col: int, last_col: int) -> bool:
    width = last_col - first_col + 1
    return width > MAX_COLUMNS or last_row * width > MAX_CELLS


def probe(zf: zipfile.ZipFile, part: str) -> Probe:
    with zf.open(part) as fh:
        head = fh.read(HEAD_BYTES)
    m = _PREFIX.search(head)
    prefix = (m.group(1) or b"") if m else b""
    d = _DIMENSION.search(head)
    dimension = parse_range(d.group(1).decode("ascii", "replace")) if d else None
    return Probe(prefix, dimension)


# --------------------------------------------------------------------------- scan


@dataclass
class CellNote:
    row: int
    col: int
    text: str  # the formula (without "=") or the error value

    @property
    def ref(self) -> str:
        return cell_ref(self.row, self.col)


@dataclass
class SheetScan:
    formulas: list[CellNote] = field(default_factory=list)  # formula cells without a cached value
    errors: list[CellNote] = field(default_factory=list)  # cells holding an Excel error value
    merged: list[str] = field(default_factory=list)  # merged ranges as written, e.g. "A1:F1"
    # Extent (scans with extent=True only). Cells are counted whether or not they hold a
    # value, so this is an upper bound of what calamine allocates.
    last_row: int = 0  # the last row holding a cell
    block: tuple[int, int] = (1, 1)  # first and last column of the main column block
    far_cells: list[tuple[int, int]] = field(default_factory=list)  # (row, col) beyond COLUMN_GAP of the block

    @property
    def columns(self) -> tuple[int, int]:
        """First and last column holding a cell, far cells included."""
        c0, c1 = self.block
        for _, c in self.far_cells:
            c0, c1 = min(c0, c), max(c1, c)
        return c0, c1

    @property
    def oversized(self) -> bool:
        return self.last_row > 0 and _oversized(self.last_row, *self.columns)


def _locate(piece: bytes, pos: int, prefix: bytes) -> tuple[int, int, dict[bytes, bytes]] | None:
    """(row, col, attributes) of the cell element that contains byte `pos`."""
    start = max(piece.rfind(b"<" + prefix + b"c ", 0, pos), piece.rfind(b"<" + prefix + b"c>", 0, pos))
    if start < 0:
        return None
    end = piece.find(b">", start)
    attrs = _attrs(piece[start + 2 + len(prefix) : end])
    ref = attrs.get(b"r")
    if ref:
        rc = parse_ref(ref.decode("ascii", "replace"))
        if rc:
            return rc[0], rc[1], attrs
    # no reference: count the cells since the row's opening tag
    row_start = piece.rfind(b"<" + prefix + b"row", 0, start)
    if row_start < 0:
        return None
    row_tag_end = piece.find(b">", row_start)
    rm = _ROW_R.search(piece, row_start, row_tag_end)
    if not rm:
        return None
    col = len(_CELL.findall(piece, row_tag_end, start)) + 1
    return int(rm.group(1)), col, attrs


def scan_sheet(path: str, part: str, prefix: bytes = b"", *, extent: bool = False) -> SheetScan:
    """One streaming pass over a sheet's XML.

    Always: formula cells without a cached value, error cells, merged ranges.
    With extent=True also the sheet's extent: the last row holding a cell, and the
    main column block (grown from the first cells with a value; cells more than
    COLUMN_GAP columns away from it are listed in far_cells).

    Each chunk is searched for the few byte strings that matter with Polars' SIMD
    substring search (6x faster than ``bytes in``); the Python regexes only run over
    the chunks that hold a formula, an error cell or merged ranges.
    """
    out = SheetScan()
    row_end = b"</" + prefix + b"row>"
    row_open = b"<" + prefix + b"row"
    f_open = b"<" + prefix + b"f"
    data_end = b"</" + prefix + b"sheetData>"
    grower = _BlockGrower(out) if extent else None
    with zipfile.ZipFile(path) as zf:
        for piece in _pieces(zf, part, row_end):
            chunk = pl.Series("xml", [piece], dtype=pl.Binary)
            quiet = grower is not None and grower.quiet(chunk, f_open)
            has_f, has_e = (False, False) if quiet else (
                chunk.to_frame()
                .select(pl.col("xml").bin.contains(f_open).alias("f"), pl.col("xml").bin.contains(b't="e"').alias("e"))
                .row(0)
            )
            if has_f:
                for m in _FORMULA_NO_VALUE.finditer(piece):
                    where = _locate(piece, m.start(), prefix)
                    if where is None:
                        continue
                    row, col, attrs = where
                    if attrs.get(b"t") == b"str" and re.match(rb"\s*<(?:\w+:)?v\b", piece[m.end() : m.end() + 64]):
                        continue  # a cached empty string
                    formula = (m.group(1) or b"").decode("utf-8", "replace")
                    out.formulas.append(CellNote(row, col, _unescape(formula)))
            if has_e:
                for m in _ERROR_CELL.finditer(piece):
                    where = _locate(piece, m.end(1), prefix)
                    if where is None:
                        continue
                    v = _V_TEXT.search(m.group(2))
                    value = v.group(1).decode("utf-8", "replace") if v else "#ERROR"
                    out.errors.append(CellNote(where[0], where[1], value))
            if not piece.endswith(row_end):  # the last chunk: merged ranges follow the cells
                tail = piece.rfind(data_end)
                out.merged.extend(r.decode("ascii", "replace") for r in _MERGE.findall(piece, max(tail, 0)))
            if grower is None:
                continue
            last = piece.rfind(row_open)
            while last >= 0:
                rm = _ROW_R.search(piece, last, piece.find(b">", last))
                if rm:
                    out.last_row = max(out.last_row, int(rm.group(1)))
                    break
                last = piece.rfind(row_open, 0, last)
            if not quiet:
                grower.feed(piece, chunk)
    return out


def numeric_cells(path: str, part: str, prefix: bytes, columns: list[int]) -> list[tuple[int, int]]:
    """(row, column) of the cells of these columns that hold a number (no type, or t="n"), in one streaming pass
    of a Rust regex. A credit code typed into a number cell has lost its last digits (Excel keeps 15
    significant digits); calamine's text cannot tell it from the same digits typed as text."""
    if not columns:
        return []
    tag = prefix.decode("ascii", "replace")
    letters = "|".join(column_letters(c) for c in sorted(set(columns)))
    pattern = f'<{re.escape(tag)}c r="(?:{letters})[0-9]+"(?: s="[0-9]+")?(?: t="n")?>'
    out: list[tuple[int, int]] = []
    with zipfile.ZipFile(path) as zf:
        for piece in _pieces(zf, part, b"</" + prefix + b"row>"):
            try:
                text = pl.Series("xml", [piece], dtype=pl.Binary).cast(pl.String)
            except pl.exceptions.PolarsError:
                text = pl.Series("xml", [piece.decode("utf-8", "replace")])
            for found in text.str.extract_all(pattern).to_list()[0] or []:
                m = _REF_TEXT.search(found)
                if m:
                    out.append((int(m.group(2)), column_number(m.group(1))))
    return out


_REF_TEXT = re.compile(r'"([A-Z]+)(\d+)"')


def _refs_beyond(piece: bytes, text: pl.Series | None, alternation: bytes | None) -> list[tuple[int, int]]:
    """(row, col) of the cell references in `piece` whose column letters match `alternation`."""
    if alternation is None:
        return []
    if text is not None:  # Rust regex over the chunk: ~5x faster than Python's re here
        found = text.str.extract_all(r'\sr="(?:' + alternation.decode() + r')\d+"').to_list()[0]
        out = []
        for ref in found or []:
            m = _REF_TEXT.search(ref)
            if m:
                out.append((int(m.group(2)), column_number(m.group(1))))
        return out
    pat = _ref_pattern(alternation)
    assert pat is not None
    return [(int(m.group(2)), column_number(m.group(1))) for m in pat.finditer(piece)]


class _BlockGrower:
    """Grows the main column block over the cells of successive pieces.

    The block starts as the columns of the first cells with a value. Each piece is then
    searched (by a regex built for the current block) for cell references left or right
    of the block: a cell within COLUMN_GAP columns widens the block, a cell further away
    is recorded as far. Python only sees the cells outside the block.
    """

    def __init__(self, scan: SheetScan) -> None:
        self.scan = scan
        self.started = False

    def quiet(self, chunk: pl.Series, f_open: bytes) -> bool:
        """True when the chunk surely holds no formula, no error cell and no cell reference outside the block
        (the usual chunk once the block is known): one pass of a Rust regex that every match of the three
        searches it stands for also matches (the formula tag, t="e", and r=" followed by column letters
        beyond the block), so a chunk it passes over has nothing for them to find. False: search as usual."""
        if not self.started:
            return False
        c0, c1 = self.scan.block
        try:
            text = chunk.cast(pl.String)
            tag = f_open.decode("utf-8")
        except (pl.exceptions.PolarsError, UnicodeDecodeError):  # not UTF-8: searched as usual (Python's re)
            return False
        parts = [re.escape(tag), 't="e"']
        parts += ['r="(?:' + alt.decode("ascii") + ")" for alt in (_letters_gt(c1), _letters_lt(c0)) if alt]
        return not text.str.contains("|".join(parts)).item()

    def feed(self, piece: bytes, chunk: pl.Series) -> None:
        try:
            text: pl.Series | None = chunk.cast(pl.String)
        except pl.exceptions.PolarsError:  # not UTF-8: use Python's re
            text = None
        if not self.started:
            head = _head_block(piece)
            if head is None:
                self.scan.far_cells.extend(_refs_beyond(piece, text, rb"[A-Z]+")[:100_000])
                return
            self.scan.block = head
            self.started = True
        far = self.scan.far_cells
        while True:
            c0, c1 = self.scan.block
            hits = _refs_beyond(piece, text, _letters_gt(c1)) + _refs_beyond(piece, text, _letters_lt(c0))
            grown = self._absorb(hits + far)
            if grown is None:
                far[:] = (hits + far)[:100_000]
                return
            # the block widened: the cells between the old and the new edges are inside now
            far[:] = [rc for rc in far if not grown[0] <= rc[1] <= grown[1]]

    def _absorb(self, cells: list[tuple[int, int]]) -> tuple[int, int] | None:
        """Widen the block over the cells within COLUMN_GAP of it; the new block, or None."""
        c0, c1 = self.scan.block
        cols = sorted({c for _, c in cells})
        changed = True
        while changed:
            changed = False
            for c in cols:
                if c1 < c <= c1 + COLUMN_GAP or c0 - COLUMN_GAP <= c < c0:
                    c0, c1 = min(c0, c), max(c1, c)
                    changed = True
        if (c0, c1) == self.scan.block:
            return None
        self.scan.block = (c0, c1)
        return c0, c1


def _head_block(piece: bytes) -> tuple[int, int] | None:
    """The column span of the cells with a value in the first 30 rows holding one.

    Columns are grouped into runs without a gap of COLUMN_GAP columns; the run holding
    the most cells is the block (a stray cell in the first rows does not widen it).
    """
    counts: dict[int, int] = {}
    rows: set[int] = set()
    for m in _CELL.finditer(piece):
        content = m.group(2)
        if not content or not _HAS_VALUE.search(content):
            continue
        ref = _attrs(m.group(1)).get(b"r")
        rc = parse_ref(ref.decode("ascii", "replace")) if ref else None
        if rc is None:
            continue
        if rc[0] not in rows and len(rows) >= 30:
            break
        rows.add(rc[0])
        counts[rc[1]] = counts.get(rc[1], 0) + 1
    if not counts:
        return None
    best = (0, 0, 0)  # (cells, first, last)
    run_first = run_last = run_cells = 0
    for col in sorted(counts):
        if run_cells and col - run_last > COLUMN_GAP:
            best = max(best, (run_cells, run_first, run_last), key=lambda b: b[0])
            run_cells = 0
        if not run_cells:
            run_first = col
        run_last = col
        run_cells += counts[col]
    best = max(best, (run_cells, run_first, run_last), key=lambda b: b[0])
    return best[1], best[2]


def _unescape(text: str) -> str:
    return (
        text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&apos;", "'")
        .replace("&amp;", "&")
    )


# --------------------------------------------------------------------------- sanitize


@dataclass
class Sanitized:
    path: str  # the temporary workbook to read instead (the caller removes its folder)
    folder: str
    stray: list[tuple[str, str]]  # (cell reference, value as text) of the removed cells
    stray_count: int
    box: tuple[int, int, int, int]  # the block kept: first row, first col, last row, last col


def _row_segments(path: str, part: str, prefix: bytes) -> tuple[int, int]:
    """The rows of the main block: the longest run of rows not separated by ROW_GAP empty rows."""
    row_end = b"</" + prefix + b"row>"
    best = (0, 0, 0)  # (rows, first, last)
    seg_first = seg_last = seg_rows = 0
    with zipfile.ZipFile(path) as zf:
        for piece in _pieces(zf, part, row_end):
            for m in _ROW_TAG.finditer(piece):
                rm = _ROW_R.search(m.group(1))
                if not rm:
                    continue
                r = int(rm.group(1))
                if seg_rows and r - seg_last > ROW_GAP:
                    if seg_rows > best[0]:
                        best = (seg_rows, seg_first, seg_last)
                    seg_rows = 0
                if not seg_rows:
                    seg_first = r
                seg_last = r
                seg_rows += 1
    if seg_rows > best[0]:
        best = (seg_rows, seg_first, seg_last)
    return best[1] or 1, best[2] or 1


def sanitize(path: str, part: str, prefix: bytes, scan: SheetScan) -> Sanitized:
    """Write a copy of the workbook whose sheet `part` keeps only its main block of cells.

    The main block's columns are the scan's column block (far cells dropped, at most
    MAX_COLUMNS wide); its rows are all rows, or, when that is still too big, the longest
    run of rows without a gap of ROW_GAP empty rows. Cells outside the block are removed (those
    with a value are reported); every other member of the zip is copied unchanged, and the sheet's XML
    is rewritten chunk by chunk (only the chunks holding cells outside the block are edited).
    """
    c0, c1 = scan.block
    c1 = min(c1, c0 + MAX_COLUMNS - 1)
    r0, r1 = 1, max(scan.last_row, 1)
    if _oversized(r1, c0, c1):
        r0, r1 = _row_segments(path, part, prefix)
    box = (r0, c0, r1, c1)
    folder = tempfile.mkdtemp(prefix="kqcalc-sanitized-")
    out_path = os.path.join(folder, "sheet.xlsx")
    stray: list[tuple[str, str]] = []
    stray_count = 0
    wanted_shared: list[tuple[int, int]] = []  # (index in stray, shared string index)
    row_end = b"</" + prefix + b"row>"
    new_dim = f"{cell_ref(r0, c0)}:{cell_ref(r1, c1)}".encode()

    def keep(m: re.Match[bytes]) -> bytes:
        nonlocal stray_count
        attrs = _attrs(m.group(1))
        ref = attrs.get(b"r")
        rc = parse_ref(ref.decode("ascii", "replace")) if ref else None
        if rc is None or (r0 <= rc[0] <= r1 and c0 <= rc[1] <= c1):
            return m.group(0)
        # Every cell outside the block goes, with a value or not: calamine also allocates for cells this module
        # calls empty (an empty cached string <v></v> of a formula filled far down). Only values are reported.
        content = m.group(2)
        if not content or not _HAS_VALUE.search(content):
            return b""
        stray_count += 1
        if len(stray) < MAX_LISTED:
            value, sst = _cell_text(attrs, content)
            if sst is not None:
                wanted_shared.append((len(stray), sst))
            stray.append((cell_ref(*rc), value))
        return b""

    try:
        with zipfile.ZipFile(path) as src, zipfile.ZipFile(out_path, "w", allowZip64=True) as dst:
            for info in src.infolist():
                # the copy is read once, right away: store it uncompressed (fast to write and to read)
                target = zipfile.ZipInfo(info.filename, date_time=info.date_time)
                target.compress_type = zipfile.ZIP_STORED
                with dst.open(target, "w", force_zip64=True) as fout:
                    if info.filename != part:
                        with src.open(info) as fin:
                            shutil.copyfileobj(fin, fout, 1 << 20)
                        continue
                    first = True
                    for piece in _pieces(src, part, row_end):
                        if first:
                            piece = _DIMENSION.sub(lambda m: m.group(0).replace(m.group(1), new_dim), piece, count=1)
                            first = False
                        fout.write(_strip_piece(piece, prefix, box, keep))
            if wanted_shared:
                shared = _shared_strings(src, {i for _, i in wanted_shared})
                for k, idx in wanted_shared:
                    stray[k] = (stray[k][0], shared.get(idx, f"(shared string {idx})"))
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return Sanitized(out_path, folder, stray, stray_count, box)


def _has_refs_beyond(piece: bytes, alternation: bytes | None) -> bool:
    if alternation is None:
        return False
    try:
        text = pl.Series("xml", [piece], dtype=pl.Binary).cast(pl.String)
    except pl.exceptions.PolarsError:
        pat = _ref_pattern(alternation)
        return bool(pat and pat.search(piece))
    return bool(text.str.contains(r'\sr="(?:' + alternation.decode() + r')\d+"').item())


def _strip_piece(
    piece: bytes,
    prefix: bytes,
    box: tuple[int, int, int, int],
    keep: Callable[[re.Match[bytes]], bytes],
) -> bytes:
    """`piece` with `keep` applied to the cells that may lie outside `box` (only those are parsed)."""
    r0, c0, r1, c1 = box
    spans: list[tuple[int, int]] = []
    first = _ROW_TAG.search(piece)
    last_pos = piece.rfind(b"<" + prefix + b"row")
    lm = _ROW_TAG.match(piece, last_pos) if last_pos >= 0 else None
    fr = _ROW_R.search(first.group(1)) if first else None
    lr = _ROW_R.search(lm.group(1)) if lm else None
    if first is not None and (not fr or not lr or int(fr.group(1)) < r0 or int(lr.group(1)) > r1):
        # rows outside the kept rows: their cells
        row_end = b"</" + prefix + b"row>"
        for m in _ROW_TAG.finditer(piece):
            rm = _ROW_R.search(m.group(1))
            if rm and r0 <= int(rm.group(1)) <= r1 or m.group(0).endswith(b"/>"):
                continue
            end = piece.find(row_end, m.end())
            spans.append((m.end(), end if end >= 0 else len(piece)))
    for alternation in (_letters_gt(c1), _letters_lt(c0)):
        if not _has_refs_beyond(piece, alternation):
            continue
        pat = _ref_pattern(alternation)
        assert pat is not None
        for m in pat.finditer(piece):  # cells left or right of the kept columns
            start = piece.rfind(b"<" + prefix + b"c", 0, m.start() + 1)
            tag_end = piece.find(b">", m.end())
            if start < 0 or tag_end < 0:
                continue
            if piece[tag_end - 1 : tag_end] == b"/":
                end = tag_end + 1
            else:
                close = piece.find(b"</" + prefix + b"c>", tag_end)
                end = close + len(prefix) + 4 if close >= 0 else len(piece)
            spans.append((start, end))
    if not spans:
        return piece
    out: list[bytes] = []
    pos = 0
    for start, end in sorted(spans):
        if end <= pos:
            continue
        start = max(start, pos)
        out.append(piece[pos:start])
        out.append(_CELL.sub(keep, piece[start:end]))
        pos = end
    out.append(piece[pos:])
    return b"".join(out)


def _cell_text(attrs: dict[bytes, bytes], content: bytes) -> tuple[str, int | None]:
    """The displayed text of a cell's XML, or the shared-string index to look up."""
    t = attrs.get(b"t", b"n")
    if t == b"inlineStr":
        return _unescape(b"".join(_T_TEXT.findall(content)).decode("utf-8", "replace")), None
    v = _V_TEXT.search(content)
    text = v.group(1).decode("utf-8", "replace") if v else ""
    if t == b"s" and text.strip().isdigit():
        return "", int(text)
    if t == b"b":
        return ("TRUE" if text.strip() == "1" else "FALSE"), None
    return _unescape(text), None


def _shared_strings(zf: zipfile.ZipFile, wanted: set[int]) -> dict[int, str]:
    member = _member(zf, "xl/sharedStrings.xml")
    if member is None:
        return {}
    out: dict[int, str] = {}
    index = 0
    carry = b""
    si_end = re.compile(rb"</(?:\w+:)?si>")
    with zf.open(member) as fh:
        while len(out) < len(wanted):
            block = fh.read(CHUNK_BYTES)
            buf = carry + block
            pos = 0
            for m in si_end.finditer(buf):
                if index in wanted:
                    out[index] = _unescape(b"".join(_T_TEXT.findall(buf, pos, m.start())).decode("utf-8", "replace"))
                index += 1
                pos = m.end()
            carry = buf[pos:]
            if not block:
                break
    return out


def list_cells(cells: list[tuple[str, str]]) -> str:
    """ "XFD1048576 ('x'), A1048000 ('y')": the first MAX_LISTED cells (the count of the rest goes apart)."""
    return ", ".join(f"{ref} ({value!r})" for ref, value in cells[:MAX_LISTED])
