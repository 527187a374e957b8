"""Gene sources: the HGNC download at a URL, a local file, or the bytes a user uploaded."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterator

import requests

from adapters.hgnc_format import parse_genes
from genes.errors import GeneSourceTooLarge, GeneSourceUnavailable

# What a source's bytes are read as: genes (`parse_genes`), or withdrawn entries (`parse_withdrawn`).
Parse = Callable[[bytes], Iterator[Any]]

MAX_DOWNLOAD_BYTES = 128 * 1024 * 1024
DOWNLOAD_TIMEOUT_SECONDS = (10, 120)  # connect, read


class HgncBytesSource:
    """A complete set already in memory, e.g. the body of `POST /data`."""

    def __init__(self, content: bytes, name: str = "request body", parse: Parse = parse_genes) -> None:
        self._content = content
        self._name = name
        self._parse = parse

    def describe(self) -> str:
        return self._name

    def read(self) -> Iterator[Any]:
        return self._parse(self._content)


class HgncFileSource:
    def __init__(self, path: str | Path, parse: Parse = parse_genes) -> None:
        self._path = Path(path)
        self._parse = parse

    def describe(self) -> str:
        return str(self._path)

    def read(self) -> Iterator[Any]:
        try:
            content = self._path.read_bytes()
        except OSError as error:
            raise GeneSourceUnavailable(f"cannot read {self._path}: {error.strerror}") from None
        return self._parse(content)


class HgncUrlSource:
    def __init__(self, url: str, parse: Parse = parse_genes) -> None:
        self._url = url
        self._parse = parse

    def describe(self) -> str:
        return self._url

    def read(self) -> Iterator[Any]:
        return self._parse(self._download())

    def _download(self) -> bytes:
        try:
            with requests.get(self._url, stream=True, timeout=DOWNLOAD_TIMEOUT_SECONDS) as response:
                response.raise_for_status()
                body = bytearray()
                for chunk in response.iter_content(chunk_size=1 << 20):
                    body += chunk
                    if len(body) > MAX_DOWNLOAD_BYTES:
                        raise GeneSourceTooLarge(f"{self._url} is larger than {MAX_DOWNLOAD_BYTES >> 20} MiB")
                return bytes(body)
        except requests.RequestException as error:
            raise GeneSourceUnavailable(f"cannot download {self._url}: {error}") from None


def source_for(location: str, parse: Parse = parse_genes) -> HgncUrlSource | HgncFileSource:
    """The source that `HGNC_SOURCE` (or `HGNC_WITHDRAWN_SOURCE`) names: an http(s) URL or a file path."""
    if location.startswith(("http://", "https://")):
        return HgncUrlSource(location, parse)
    return HgncFileSource(location, parse)
