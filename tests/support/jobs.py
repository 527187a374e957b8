"""Waiting for jobs through the API: GET /jobs/<id> until each has ended."""
from __future__ import annotations

from typing import Any, Iterable

from tests.support.api_client import ApiClient
from tests.support.polling import ProcessExited, Watched, eventually

ENDED = ("complete", "failed", "cancelled")
JOB_TIMEOUT_SECONDS = 60.0


def wait_for_jobs(api: ApiClient, job_ids: Iterable[str], timeout: float = JOB_TIMEOUT_SECONDS, *,
                  watching: Iterable[Watched] = (), interval: float = 0.05) -> dict[str, dict[str, Any]]:
    """Each job's view (GET /jobs/<id>) once it has ended, by id; fails at once if a watched worker exits."""
    ids = list(job_ids)
    seen: dict[str, dict[str, Any]] = {}

    def all_ended() -> bool:
        for job_id in ids:
            if seen.get(job_id, {}).get("status") not in ENDED:
                response = api.get(f"/jobs/{job_id}")
                response.raise_for_status()
                seen[job_id] = response.json()
        return all(seen[job_id]["status"] in ENDED for job_id in ids)

    try:
        eventually(all_ended, timeout, f"all {len(ids)} jobs ended", interval=interval, watching=watching)
    except ProcessExited:
        raise
    except AssertionError as failure:
        unfinished = {job_id: seen.get(job_id, {}).get("status") for job_id in ids
                      if seen.get(job_id, {}).get("status") not in ENDED}
        raise AssertionError(f"{failure}\nnot ended: {unfinished}") from None
    return {job_id: seen[job_id] for job_id in ids}


def wait_for_job(api: ApiClient, job_id: str, timeout: float = JOB_TIMEOUT_SECONDS, *,
                 watching: Iterable[Watched] = (), interval: float = 0.05) -> dict[str, Any]:
    """The job's view (GET /jobs/<id>) once it has ended: complete, failed or cancelled."""
    return wait_for_jobs(api, [job_id], timeout, watching=watching, interval=interval)[job_id]
