"""The prod overlay's containers run by Docker as its pods would be: read-only roots, their users, no
capabilities, emptyDirs as tmpfs, a Secret with a password and a token. `pytest -m docker tests/kubernetes`."""
from __future__ import annotations

import json
import os
from typing import Iterator

import pytest

from tests.kubernetes.manifests import render
from tests.kubernetes.pods_in_docker import DockerPods, build_image
from tests.kubernetes.test_manifests import API, LOADER, REDIS, WORKER, app_image, the
from tests.support import REPO_ROOT, ApiClient, wait_for_job

pytestmark = [pytest.mark.kubernetes, pytest.mark.docker]

IMAGE = "hgnc-genes:pods-in-docker"
SECRET = {"REDIS_PASSWORD": "p\"a\\ss w'o$rd", "ADMIN_TOKEN": "pods-in-docker-token"}
DATA_FILE = "hgnc_complete_set_2024-10-18.txt.gz"


@pytest.fixture(scope="module")
def pods(docker_engine: None) -> Iterator[DockerPods]:
    """Redis, the API and a worker of kubernetes/prod, each ready by its own probes."""
    build_image(REPO_ROOT, IMAGE)
    manifests = render("prod") + render("load")
    pods = DockerPods(manifests, {app_image(): IMAGE}, SECRET, prefix=f"hgncpods{os.getpid()}")
    try:
        redis = the(manifests, "StatefulSet", REDIS)
        pods.run(redis)
        pods.wait_for(redis, "readinessProbe")
        pods.run(the(manifests, "Deployment", API), publish=5000)
        pods.run(the(manifests, "Deployment", WORKER))
        for name, probe in ((API, "startupProbe"), (API, "readinessProbe"), (WORKER, "startupProbe")):
            pods.wait_for(the(manifests, "Deployment", name), probe)
        yield pods
    finally:
        pods.remove_all()


def workload(pods: DockerPods, kind: str, name: str) -> dict:
    return the(tuple(pods.manifests), kind, name)


def test_every_probe_passes_on_the_running_pods(pods: DockerPods) -> None:
    for kind, name, probes in (("StatefulSet", REDIS, ("readinessProbe", "livenessProbe")),
                               ("Deployment", API, ("startupProbe", "readinessProbe", "livenessProbe")),
                               ("Deployment", WORKER, ("startupProbe", "livenessProbe"))):
        for probe in probes:
            assert pods.probe(workload(pods, kind, name), probe), f"{name}: {probe}"


def test_the_loader_job_loads_the_data_then_a_job_runs_and_draws_its_plot(pods: DockerPods) -> None:
    loaded = pods.run(workload(pods, "Job", LOADER), detach=False, extra_args=[f"/data/{DATA_FILE}"],
                      volumes=[f"{REPO_ROOT / 'tests' / 'data'}:/data:ro"])
    assert loaded.returncode == 0, loaded.stderr
    assert json.loads(loaded.stdout)["count"] == 43_882

    api = ApiClient(pods.url(workload(pods, "Deployment", API), 5000), timeout=10)
    submitted = api.post("/jobs", json={"start_date": "2000-01-01", "end_date": "2020-12-31"})
    assert submitted.status_code in (201, 202), submitted.text
    job_id = submitted.json()["id"]
    job = wait_for_job(api, job_id, 60, interval=0.5)
    assert job["status"] == "complete", job
    plot = api.get(f"/results/{job_id}/plot")
    assert plot.status_code == 200 and plot.content.startswith(b"\x89PNG")


def test_the_secret_guards_the_data_routes_and_redis(pods: DockerPods) -> None:
    api = ApiClient(pods.url(workload(pods, "Deployment", API), 5000), timeout=10)
    redis = workload(pods, "StatefulSet", REDIS)

    assert api.delete("/data").status_code == 401
    assert "NOAUTH" in pods.exec(redis, ["env", "-u", "REDISCLI_AUTH", "redis-cli", "ping"]).stdout


def test_the_worker_and_redis_stop_cleanly_within_their_grace_periods(pods: DockerPods) -> None:
    for kind, name in (("Deployment", WORKER), ("StatefulSet", REDIS)):
        manifest = workload(pods, kind, name)
        code, seconds = pods.stop(manifest)
        assert code == 0, pods.logs(manifest)[-2000:]
        assert seconds < manifest["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
    assert "DB saved on disk" in pods.logs(workload(pods, "StatefulSet", REDIS))
