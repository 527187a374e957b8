"""HTTP caching: an ETag per loaded set (304 for a client that holds it), gzip for the larger answers."""
from __future__ import annotations

from typing import Callable

from flask import Flask, Response, request
from flask_compress import Compress

from entrypoints.version import API_VERSION

COMPRESSED_MEDIA_TYPES = ["application/json", "application/x-ndjson", "text/tab-separated-values"]
COMPRESS_MIN_BYTES = 4096  # smaller answers fit a few TCP segments: gzip would save no round trip
# zlib's default level: GET /data's 29.8 MB of JSON becomes 4.4 MB for ~0.46 s of CPU; level 1
# would take 0.15 s for 5.8 MB, level 3 0.21 s for 5.2 MB (measured once, the full set, in-process).
GZIP_LEVEL = 6

# How the OpenAPI document shows `conditional` on an operation that declares it (`conditional=True`).
IF_NONE_MATCH = {"in": "header", "name": "If-None-Match", "required": False, "schema": {"type": "string"},
                 "description": "the ETag of an earlier answer: 304 if the loaded set is still the same"}
ETAG = {"ETag": {"description": "names the loaded set (weak); changes with every load", "schema": {"type": "string"}}}
NOT_MODIFIED = {"description": "the answer held under If-None-Match is still current", "headers": ETAG}


def register_compression(app: Flask) -> None:
    """gzip for clients that accept it, streamed answers compressed as they stream (Flask-Compress)."""
    app.config.update(
        COMPRESS_ALGORITHM=["gzip"],
        COMPRESS_ALGORITHM_STREAMING=["gzip"],
        COMPRESS_MIMETYPES=COMPRESSED_MEDIA_TYPES,
        COMPRESS_MIN_SIZE=COMPRESS_MIN_BYTES,
        COMPRESS_LEVEL=GZIP_LEVEL,
        COMPRESS_EVALUATE_CONDITIONAL_REQUEST=False,  # conditional requests are answered by `conditional`
    )
    Compress(app)


def conditional(set_id: str | None, answer: Callable[[], Response], variant: str = "") -> Response:
    """`answer()` with an ETag naming the loaded set it comes from, or 304 if the client holds that one.

    The tag is weak: the gzip and plain forms of an answer are equivalent and share it. It changes
    with every load and every version of the service; `variant` tells apart representations of one
    URL (the formats of `GET /data`). Nothing loaded, no tag.
    """
    if set_id is None:
        return answer()
    tag = f"{set_id}.{API_VERSION}{variant}"
    if request.if_none_match.contains_weak(tag):
        response = Response(status=304)
    else:
        response = answer()
    response.set_etag(tag, weak=True)
    return response
