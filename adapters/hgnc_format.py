"""Reads the HGNC complete set, JSON or tab-separated, plain or gzip, into normalised genes; and
HGNC's custom-download TSV (`hgnc_custom_download`) into records of the complete set's fields.

All give the same records: list fields as arrays, integer fields as integers (as the official
JSON has them), empty fields left out.
"""
from __future__ import annotations

import csv
import io
import zlib
from itertools import compress
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

import orjson

from adapters.hgnc_custom_download import is_custom_download
from adapters.hgnc_custom_download import records as custom_download_records
from genes.errors import GeneSourceTooLarge, InvalidGeneSource
from genes.gene import Gene, is_hgnc_id
from genes.withdrawn import WithdrawnStatus

# The TSV joins these with "|"; the JSON gives them as arrays.
LIST_FIELDS = frozenset({
    "alias_symbol", "alias_name", "prev_symbol", "prev_name", "gene_group", "gene_group_id",
    "ena", "refseq_accession", "ccds_id", "uniprot_ids", "pubmed_id", "mgd_id", "rgd_id",
    "lsdb", "omim_id", "enzyme_id", "mane_select",
})
INTEGER_FIELDS = frozenset({"gene_group_id", "pubmed_id", "orphanet", "homeodb", "mamit-trnadb"})
# What the service reads of a record besides its id and symbol: text, or lists of text (the TSV
# gives nothing else; a JSON source must too, or the names index and the summaries would choke).
TEXT_FIELDS = frozenset({"location", "locus_group", "locus_type", "date_approved_reserved"})
TEXT_LIST_FIELDS = frozenset({"prev_symbol", "alias_symbol"})
# Solr bookkeeping in the JSON download, absent from the TSV: not part of a gene's record.
INDEX_FIELDS = frozenset({"_version_", "uuid"})

GZIP_MAGIC = b"\x1f\x8b"
MAX_DECOMPRESSED_BYTES = 256 * 1024 * 1024  # the JSON release is ~35 MB; this stops a gzip bomb
GZIP_INPUT_CHUNK = 64 * 1024
WHOLE_READ_PIECE = 1024 * 1024
MAX_INTEGER = 2**63 - 1  # the most orjson, our JSON library, reads and writes as an integer


def decompress(content: bytes) -> bytes:
    """The content itself, or its gzip-decompressed form whole, refusing more than the limit."""
    return _GunzipReader(content).readall() if content.startswith(GZIP_MAGIC) else content


class _GunzipReader(io.RawIOBase):
    """gzip data decompressed as it is read, refusing more than MAX_DECOMPRESSED_BYTES (a bomb) and
    corrupt or truncated data: a TSV is parsed a chunk of its text at a time, never held whole (the
    complete set's is 16 MB, a load's peak); `readall` gives it whole, for JSON."""

    def __init__(self, content: bytes) -> None:
        self._content = memoryview(content)
        self._read = 0  # of the content, handed to the inflater
        self._tail: bytes | memoryview = b""  # handed, not yet inflated
        self._inflater = zlib.decompressobj(wbits=31)
        self._inflated = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        filled, size = 0, len(buffer)
        while filled < size and not self._inflater.eof:
            if not self._tail:
                if self._read >= len(self._content):
                    raise InvalidGeneSource("the gzip data is truncated")
                # The input in chunks: the inflater's unconsumed tail is a copy of what it holds back.
                self._tail = self._content[self._read:self._read + GZIP_INPUT_CHUNK]
                self._read += len(self._tail)
            try:
                text = self._inflater.decompress(self._tail, size - filled)
            except zlib.error as error:
                raise InvalidGeneSource(f"the gzip data is corrupt: {error}") from None
            self._tail = self._inflater.unconsumed_tail
            self._inflated += len(text)
            if self._inflated > MAX_DECOMPRESSED_BYTES:
                raise GeneSourceTooLarge(f"the data is larger than {MAX_DECOMPRESSED_BYTES >> 20} MiB decompressed")
            buffer[filled:filled + len(text)] = text
            filled += len(text)
        return filled

    def readall(self) -> bytes:
        """The rest of the text, whole: read a mebibyte at a time, not the io module's 8 KiB."""
        pieces = []
        while piece := self.read(WHOLE_READ_PIECE):
            pieces.append(piece)
        return b"".join(pieces)


def _opened(content: bytes) -> io.BufferedReader:
    """The content as a file, gzip decompressed as it is read."""
    raw = _GunzipReader(content) if content.startswith(GZIP_MAGIC) else io.BytesIO(content)
    return io.BufferedReader(raw, buffer_size=GZIP_INPUT_CHUNK)


def parse_genes(content: bytes) -> Iterator[Gene]:
    """The genes of an HGNC complete set or custom download; the format is recognised from the content
    itself. Withdrawn rows, which a custom download holds, are left to `hgnc_withdrawn_format`: they
    are no genes."""
    text = _opened(content)
    head = text.peek(GZIP_INPUT_CHUNK)
    if head[:64].lstrip().startswith((b"{", b"[")):  # JSON is parsed whole, by orjson
        genes = genes_of_records(json_docs(decompress(content)))
    else:
        genes = _tsv_genes(text, head)
    for gene in genes:
        status = gene.record.get("status")
        if not (isinstance(status, str) and WithdrawnStatus.of(status)):
            yield gene


def genes_of_records(records: Iterable[Any]) -> Iterator[Gene]:
    """Genes from decoded JSON records (HGNC's, or our own export's), checked as an upload is."""
    for number, raw in enumerate(records, start=1):
        yield _gene(number, raw)


def json_docs(content: bytes, expected: str = 'expected {"response": {"docs": [...]}}') -> list[Any]:
    """HGNC's JSON as a list: its `response.docs`, or a bare list; else InvalidGeneSource saying `expected`."""
    try:
        document = orjson.loads(content)
    except orjson.JSONDecodeError as error:
        raise InvalidGeneSource(f"the JSON is malformed: {error}") from None
    if isinstance(document, dict):
        response = document.get("response")
        docs = response.get("docs") if isinstance(response, dict) else None
    else:
        docs = document
    if not isinstance(docs, list):
        raise InvalidGeneSource(f"the JSON is not an HGNC download: {expected}")
    return docs


def _tsv_genes(text: io.BufferedReader, head: bytes) -> Iterator[Gene]:
    """The TSV's rows as genes, each normalised once as it is read (the hot path of a load); `head`:
    the text's first bytes, its first line among them."""
    # Decoded as it is read: a StringIO of the whole text would hold it at 4 bytes a character
    # (+78 MB at the peak of a load) and read it a third slower.
    lines = io.TextIOWrapper(text, encoding="utf-8", newline="")
    if _is_custom_download(head):
        # Its lists quote the items that hold a comma, not the whole field: read its fields as they are.
        rows = _csv_rows(csv.reader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))
        yield from genes_of_records(custom_download_records(next(rows), rows))
        return
    reader = _csv_rows(csv.reader(lines, delimiter="\t"))
    header = next(reader, None)
    if not header or "hgnc_id" not in header or "symbol" not in header:
        raise InvalidGeneSource(
            "the data is not an HGNC download: no JSON, and no TSV header with hgnc_id and symbol "
            "(a complete set) or HGNC ID and Approved symbol (a custom download)")
    width = len(header)
    # Empty fields are dropped by `compress`; only these columns need more than the text itself.
    dropped = [name for name in header if name in INDEX_FIELDS]
    special = LIST_FIELDS | INTEGER_FIELDS
    converted = [(name, _tsv_converter(name)) for name in dict.fromkeys(header) if name in special]
    number = 0
    for line_number, row in enumerate(reader, start=2):
        if not row:
            continue
        if len(row) != width:
            raise InvalidGeneSource(f"TSV line {line_number} has {len(row)} fields, the header {width}")
        number += 1
        record: dict[str, Any] = dict(compress(zip(header, row), row))
        for name in dropped:
            record.pop(name, None)
        for name, convert in converted:
            value = record.get(name)
            if value is not None:
                record[name] = convert(number, name, value)
        yield _checked_gene(number, record)


def _is_custom_download(head: bytes) -> bool:
    end = head.find(b"\n")
    first_line = (head if end < 0 else head[:end]).rstrip(b"\r")
    return is_custom_download(first_line.decode("utf-8", errors="replace").split("\t"))


def _csv_rows(reader: Any) -> Iterator[list[str]]:
    """The reader's rows; what the csv module cannot read (e.g. a field over its size limit) is invalid data."""
    try:
        yield from reader
    except csv.Error as error:
        raise InvalidGeneSource(f"TSV line {reader.line_num}: {error}") from None
    except UnicodeDecodeError as error:
        raise InvalidGeneSource(f"the data is neither JSON, gzip nor UTF-8 text: {error}") from None


def _tsv_converter(name: str) -> Callable[[int, str, str], Any]:
    """How one TSV column's text becomes its JSON value: a list, an integer or a list of integers."""
    if name == "lsdb":  # each value is itself "name|URL": pair the parts up again
        return lambda number, name, value: _pairs(value.split("|"))
    if name in LIST_FIELDS and name in INTEGER_FIELDS:
        return lambda number, name, value: _integers(number, name, value.split("|"))
    if name in LIST_FIELDS:
        return lambda number, name, value: value.split("|")
    return _integers


def _pairs(parts: list[str]) -> list[str]:
    return ["|".join(parts[i:i + 2]) for i in range(0, len(parts), 2)]


def _gene(number: int, raw: Any) -> Gene:
    if not isinstance(raw, dict):
        raise InvalidGeneSource(f"record {number} is not an object")
    record = {}
    for name, value in raw.items():
        if name in INDEX_FIELDS or value is None or value == "" or value == []:
            continue
        if name in LIST_FIELDS and not isinstance(value, list):
            value = [value]
        if name in INTEGER_FIELDS:
            value = _integers(number, name, value)
        elif name in TEXT_FIELDS and not isinstance(value, str) or (
            name in TEXT_LIST_FIELDS and not all(isinstance(v, str) for v in value)
        ):
            raise InvalidGeneSource(f"record {number}: {name} must be text, found {value!r}")
        record[name] = value
    return _checked_gene(number, record)


def _checked_gene(number: int, record: dict[str, Any]) -> Gene:
    hgnc_id = record.get("hgnc_id")
    if not isinstance(hgnc_id, str) or not is_hgnc_id(hgnc_id):
        raise InvalidGeneSource(f"record {number} has no valid hgnc_id (found {hgnc_id!r})")
    if not isinstance(record.get("symbol"), str):
        raise InvalidGeneSource(f"record {number} ({hgnc_id}) has no symbol")
    return Gene(hgnc_id, record)


def tsv_lines(columns: Sequence[str], records: Iterable[Mapping[str, Any]], header: bool = True) -> str:
    """Records as lines of HGNC's TSV (the header line first, if asked): lists joined with "|",
    absent fields empty. `parse_genes` reads them back to the same records."""
    text = io.StringIO()
    writer = csv.writer(text, delimiter="\t", lineterminator="\n")
    if header:
        writer.writerow(columns)
    writer.writerows([_tsv_value(record.get(column)) for column in columns] for record in records)
    return text.getvalue()


def _tsv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "|".join(map(str, value))
    return str(value)


def _integers(number: int, name: str, value: Any) -> Any:
    try:
        integers = [int(v) for v in value] if isinstance(value, list) else [int(value)]
    except (TypeError, ValueError):
        raise InvalidGeneSource(f"record {number}: {name} must hold integers, found {value!r}") from None
    if max(map(abs, integers), default=0) > MAX_INTEGER:
        raise InvalidGeneSource(f"record {number}: {name} holds an integer beyond 64 bits, found {value!r}")
    return integers if isinstance(value, list) else integers[0]
