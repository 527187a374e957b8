"""What a complete job answers, of either kind, and its JSON as stored and sent between processes."""
from __future__ import annotations

import json

from genes.analysis import JobResults, encode_results, results_from_json
from genes.release_diff import KIND, ReleaseDiff, diff_from_json, encode_diff

Results = JobResults | ReleaseDiff


def encode(results: Results) -> bytes:
    """Compact JSON; a diff's says its "kind", an analysis's is as it was stored before there were two kinds."""
    return encode_diff(results) if isinstance(results, ReleaseDiff) else encode_results(results)


def decode(encoded: bytes) -> Results:
    fields = json.loads(encoded)
    return diff_from_json(fields) if fields.get("kind") == KIND else results_from_json(fields)
