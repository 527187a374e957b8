"""The `ha` profile as users run it: the primary killed under compose, the API and the worker follow the promotion."""
from __future__ import annotations

import secrets
from typing import Iterator

import pytest

from tests.smoke.compose import REPO_ROOT, ComposeStack
from tests.support import ApiClient, eventually, free_port, wait_for_jobs

pytestmark = pytest.mark.docker

SAMPLE = REPO_ROOT / "tests" / "fixtures" / "hgnc_sample.tsv"
JOB = {"start_date": "1990-01-01", "end_date": "2020-12-31"}
SERVICES = ("api-ha", "worker-ha")
WRITES_RESUME_WITHIN_SECONDS = 15.0


@pytest.fixture(scope="module")
def api_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def stack(docker_engine: None, api_port: int) -> Iterator[ComposeStack]:
    """The profile's stack under a project of its own, with passwords on the data nodes and the sentinels."""
    stack = ComposeStack(REPO_ROOT, f"hgnc-ha-{secrets.token_hex(3)}", {
        "HA_API_PORT": str(api_port), "REDIS_PASSWORD": f"ha-pw-{secrets.token_hex(8)}",
        "REDIS_SENTINEL_PASSWORD": f"ha-sentinel-pw-{secrets.token_hex(8)}", "ADMIN_TOKEN": ""})
    try:
        yield stack
    finally:
        stack.run("--profile", "ha", "down", "-v", "--remove-orphans", "--rmi", "local", "--timeout", "10", check=False)


def test_the_ha_profile_serves_and_follows_a_killed_primary(stack: ComposeStack, api_port: int) -> None:
    stack.run("--profile", "ha", "up", "-d", "--build", "--wait", "--wait-timeout", "300", *SERVICES, timeout=1200)
    api = ApiClient(f"http://127.0.0.1:{api_port}", timeout=30, resend_dropped=True)
    loaded = api.post("/data", data=SAMPLE.read_bytes())
    assert loaded.status_code == 201, loaded.text
    first = api.post("/jobs", json=JOB)
    assert first.status_code == 202
    assert wait_for_jobs(api, [first.json()["id"]], timeout=60)[first.json()["id"]]["status"] == "complete"

    stack.run("--profile", "ha", "kill", "redis-primary")
    submits = []

    def submit_accepted() -> bool:
        answer = api.post("/jobs", json=JOB, timeout=30)
        assert answer.status_code in (202, 503), answer.text  # refused as unavailable meanwhile, nothing else
        submits.append(answer)
        return answer.status_code == 202

    resumed = eventually(submit_accepted, WRITES_RESUME_WITHIN_SECONDS, "a submit accepted after the kill",
                         interval=0.2)
    assert resumed
    job_id = submits[-1].json()["id"]
    assert wait_for_jobs(api, [job_id], timeout=60)[job_id]["status"] == "complete"  # the worker followed too
    assert api.get("/genes/HGNC:5").status_code == 200
