"""kubernetes/: both overlays and the loader render, validate strictly, and hold what the service needs."""
from __future__ import annotations

import copy
from typing import Any, Iterator

import fakeredis
import pytest
import yaml
from flask.testing import FlaskClient

from adapters.hotqueue_job_queue import HotQueueJobConsumer
from entrypoints.containers import QUEUE_DB, Container
from entrypoints.load import EXIT_CONFIGURATION, EXIT_INVALID_SOURCE, EXIT_UNAVAILABLE
from tests.conftest import override_redis_with_closed_port
from tests.kubernetes.manifests import KUBERNETES_DIR, KUSTOMIZATIONS, Manifest, describe, problems, render
from tests.kubernetes.service_environment import dockerfile_value, variables_read
from tests.support import closed_port

pytestmark = pytest.mark.kubernetes

API, WORKER, LOADER, REFRESH, REDIS = "hgnc-api", "hgnc-worker", "hgnc-load", "hgnc-refresh", "redis"
SECRET = "hgnc-secrets"
WORKER_CHECK = ["python", "-m", "entrypoints.worker", "--check"]  # issue 11's health check
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "Job", "CronJob")


def the(manifests: tuple[Manifest, ...], kind: str, name: str) -> Manifest:
    [found] = [m for m in manifests if m["kind"] == kind and m["metadata"]["name"] == name]
    return found


def pod_template(manifest: Manifest) -> dict[str, Any]:
    """A workload's pod template (a CronJob's is in its Job template)."""
    spec = manifest["spec"]["jobTemplate"]["spec"] if manifest["kind"] == "CronJob" else manifest["spec"]
    template: dict[str, Any] = spec["template"]
    return template


def pod_specs(manifests: tuple[Manifest, ...]) -> Iterator[tuple[str, dict[str, Any]]]:
    for manifest in manifests:
        if manifest["kind"] in WORKLOAD_KINDS:
            yield describe(manifest), pod_template(manifest)["spec"]


def the_container(manifest: Manifest) -> dict[str, Any]:
    [only] = pod_template(manifest)["spec"]["containers"]
    return only


def app_image() -> str:
    """The project's image as the one `images` entry of components/app names it."""
    [entry] = yaml.safe_load((KUBERNETES_DIR / "components" / "app" / "kustomization.yaml").read_text())["images"]
    return f"{entry['newName']}:{entry['newTag']}"


def app_containers(manifests: tuple[Manifest, ...]) -> Iterator[tuple[str, dict[str, Any]]]:
    """The containers that run the project's image (not Redis)."""
    for name, spec in pod_specs(manifests):
        for each in spec["containers"]:
            if each["image"] == app_image():
                yield f"{name}/{each['name']}", each


def environment(manifests: tuple[Manifest, ...], each: dict[str, Any]) -> set[str]:
    """The variables a container is given: its `env`, and every key of what its `envFrom` names."""
    names = {variable["name"] for variable in each.get("env", [])}
    for source in each.get("envFrom", []):
        for kind, key in (("ConfigMap", "configMapRef"), ("Secret", "secretRef")):
            if key in source:
                referenced = [m for m in manifests if m["kind"] == kind and m["metadata"]["name"] == source[key]["name"]]
                assert referenced or source[key].get("optional"), f"{kind} {source[key]['name']} is not in the manifests"
                names.update(key_name for m in referenced for key_name in m.get("data", {}))
    return names


# -- rendered and valid -------------------------------------------------------------------------


@pytest.mark.parametrize("name", KUSTOMIZATIONS)
def test_every_object_renders_and_validates_strictly(name: str) -> None:
    manifests = render(name)

    failures = [f"{obj}: {error}" for obj, error, _ in problems(manifests) if error]
    assert not failures, "\n".join(failures)
    assert len(manifests) >= 2


def test_the_validation_refuses_a_misspelt_field_of_a_deployment_and_of_the_scaledobject() -> None:
    deployment = copy.deepcopy(the(render("prod"), "Deployment", API))
    the_container(deployment)["imagePullPolice"] = "Always"
    scaled = copy.deepcopy(the(render("prod"), "ScaledObject", WORKER))
    scaled["spec"]["maxReplicas"] = 20

    [(_, deployment_error, _), (_, scaled_error, _)] = problems((deployment, scaled))

    assert deployment_error is not None and "imagePullPolice" in deployment_error
    assert scaled_error is not None and "maxReplicas" in scaled_error


def test_a_kind_without_a_schema_is_an_error_not_a_warning() -> None:
    unknown = {"apiVersion": "example.org/v1", "kind": "Gadget", "metadata": {"name": "g"}}

    [(_, error, _)] = problems((unknown,))

    assert error is not None and "Gadget" in error


# -- what the service needs ---------------------------------------------------------------------


def test_the_scan_of_the_code_finds_the_variables_of_the_contract() -> None:
    read = variables_read()

    assert {"REDIS_HOST", "REDIS_PORT", "HGNC_SOURCE", "JOB_LEASE_SECONDS", "LOG_LEVEL", "WEB_CONCURRENCY"} <= set(read)
    read_elsewhere = {name for name, places in read.items()
                      if any(not place.startswith("entrypoints/settings.py:") for place in places)}
    assert read_elsewhere == {"PROMETHEUS_MULTIPROC_DIR"}  # prometheus_client's own, set by the API's master


@pytest.mark.parametrize("name", KUSTOMIZATIONS)
def test_every_environment_variable_a_manifest_sets_is_one_the_service_reads(name: str) -> None:
    manifests = render(name)
    read = set(variables_read())

    unread = {f"{where}: {variable}" for where, each in app_containers(manifests)
              for variable in environment(manifests, each) - read}

    assert not unread, f"set by kubernetes/{name} but read nowhere in the image's code: {sorted(unread)}"


@pytest.mark.parametrize("name", KUSTOMIZATIONS)
def test_redis_port_is_set_and_service_links_are_off_in_every_pod(name: str) -> None:
    manifests = render(name)

    for where, spec in pod_specs(manifests):
        assert spec.get("enableServiceLinks") is False, where
    for where, each in app_containers(manifests):
        assert {"REDIS_HOST", "REDIS_PORT"} <= environment(manifests, each), where


@pytest.mark.parametrize("name", KUSTOMIZATIONS)
def test_secrets_come_from_the_operators_secret_and_a_pod_starts_without_it(name: str) -> None:
    manifests = render(name)
    references = [(where, variable["name"], variable["valueFrom"]["secretKeyRef"])
                  for where, spec in pod_specs(manifests) for each in spec["containers"]
                  for variable in each.get("env", []) if "secretKeyRef" in variable.get("valueFrom", {})]

    assert references
    for where, variable, reference in references:
        assert reference["name"] == SECRET and reference["optional"] is True, f"{where}: {variable}"
    assert not [m for m in manifests if m["kind"] == "Secret"], "the operator makes the Secret, not the manifests"


@pytest.mark.parametrize("name", ["test", "prod"])
def test_the_api_the_workers_and_the_loader_run_one_image(name: str) -> None:
    manifests = render(name)
    api, worker = the(manifests, "Deployment", API), the(manifests, "Deployment", WORKER)
    loader = the(render("load"), "Job", LOADER)

    assert the_container(api)["image"] == the_container(worker)["image"] == the_container(loader)["image"] == app_image()
    assert "command" not in the_container(api)  # the image's own: python -m entrypoints.serve
    assert the_container(worker)["command"] == ["python", "-m", "entrypoints.worker"]
    assert the_container(loader)["command"] == ["python", "-m", "entrypoints.load"]


@pytest.mark.parametrize("name", KUSTOMIZATIONS)
def test_every_pod_runs_unprivileged_on_a_read_only_root(name: str) -> None:
    """Pod Security's `restricted` level, and the image's own user for the project's image."""
    manifests = render(name)
    image_uid = int(dockerfile_value("USER").split(":")[0])

    for where, spec in pod_specs(manifests):
        pod = spec["securityContext"]
        assert pod["runAsNonRoot"] is True and pod["seccompProfile"] == {"type": "RuntimeDefault"}, where
        assert spec["automountServiceAccountToken"] is False, where
        for each in spec["containers"]:
            security = each["securityContext"]
            assert security["allowPrivilegeEscalation"] is False, where
            assert security["capabilities"] == {"drop": ["ALL"]}, where
            assert security["readOnlyRootFilesystem"] is True, where
            assert "memory" in each["resources"]["limits"] and "cpu" in each["resources"]["requests"], where
    for where, _ in app_containers(manifests):
        spec = dict(pod_specs(manifests))[where.rsplit("/", 1)[0]]
        assert spec["securityContext"]["runAsUser"] == image_uid, where


@pytest.mark.parametrize("name", KUSTOMIZATIONS)
def test_the_paths_the_image_writes_are_empty_dirs(name: str) -> None:
    """/tmp, and matplotlib's cache (the Dockerfile's MPLCONFIGDIR): the rest of the root is read-only."""
    manifests = render(name)
    writable = ["/tmp", dockerfile_value("ENV:MPLCONFIGDIR")]

    for where, spec in pod_specs(manifests):
        empty_dirs = {volume["name"] for volume in spec.get("volumes", []) if "emptyDir" in volume}
        for each in spec["containers"]:
            if each["image"] != app_image():
                continue
            mounted = [mount["mountPath"] for mount in each["volumeMounts"] if mount["name"] in empty_dirs]
            for path in writable:
                assert any(path == m or path.startswith(m + "/") for m in mounted), f"{where}: {path} is not writable"


# -- probes -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["test", "prod"])
def test_the_api_is_ready_on_health_ready_and_alive_on_health_live(name: str) -> None:
    api = the_container(the(render(name), "Deployment", API))

    assert api["readinessProbe"]["httpGet"] == {"path": "/health/ready", "port": "http"}
    assert api["livenessProbe"]["httpGet"] == {"path": "/health/live", "port": "http"}
    assert api["startupProbe"]["httpGet"] == api["livenessProbe"]["httpGet"]


def test_the_api_liveness_route_answers_200_while_redis_is_away(client: FlaskClient, container: Container) -> None:
    """The probe's route, asked of the real app with Redis on a closed port: alive, though not ready."""
    override_redis_with_closed_port(container, closed_port())
    liveness = container_probe_path("livenessProbe")

    assert client.get(liveness).status_code == 200
    assert client.get(container_probe_path("readinessProbe")).status_code == 503  # nothing held
    assert client.get("/health").status_code == 503


def container_probe_path(probe: str) -> str:
    return the_container(the(render("prod"), "Deployment", API))[probe]["httpGet"]["path"]


@pytest.mark.parametrize("name", ["test", "prod"])
def test_redis_has_probes_on_redis_cli_ping(name: str) -> None:
    redis = the_container(the(render(name), "StatefulSet", REDIS))

    for probe in ("readinessProbe", "livenessProbe"):
        assert "redis-cli ping" in " ".join(redis[probe]["exec"]["command"]), probe


@pytest.mark.parametrize("name", ["test", "prod"])
def test_the_worker_is_alive_while_it_holds_its_lease_and_survives_a_short_redis_outage(name: str) -> None:
    manifests = render(name)
    worker = the_container(the(manifests, "Deployment", WORKER))
    [config] = [m for m in manifests if m["kind"] == "ConfigMap"]

    for probe in ("startupProbe", "livenessProbe"):
        assert worker[probe]["exec"]["command"] == WORKER_CHECK, probe
    liveness = worker["livenessProbe"]
    assert liveness["periodSeconds"] * liveness["failureThreshold"] > 2 * float(config["data"]["JOB_LEASE_SECONDS"])


@pytest.mark.parametrize("name", ["test", "prod"])
def test_the_api_and_the_worker_declare_where_their_metrics_are(name: str) -> None:
    manifests = render(name)
    api, worker = the(manifests, "Deployment", API), the(manifests, "Deployment", WORKER)
    worker_port = {variable["name"]: variable.get("value") for variable in the_container(worker)["env"]}["WORKER_METRICS_PORT"]

    for deployment, port_name, port in ((api, "http", 5000), (worker, "metrics", int(worker_port))):
        assert {"name": port_name, "containerPort": port} in the_container(deployment)["ports"]
        annotations = deployment["spec"]["template"]["metadata"]["annotations"]
        assert (annotations["prometheus.io/port"], annotations["prometheus.io/path"]) == (str(port), "/metrics")


@pytest.mark.parametrize("name", ["test", "prod"])
def test_a_stopping_worker_has_longer_than_its_lease_to_finish_its_job(name: str) -> None:
    manifests = render(name)
    worker = the(manifests, "Deployment", WORKER)
    [config] = [m for m in manifests if m["kind"] == "ConfigMap"]

    assert worker["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] > float(config["data"]["JOB_LEASE_SECONDS"])


def test_the_loader_job_gives_up_at_once_only_where_a_retry_cannot_help() -> None:
    job = the(render("load"), "Job", LOADER)
    [rule] = job["spec"]["podFailurePolicy"]["rules"]

    assert rule["action"] == "FailJob" and rule["onExitCodes"]["containerName"] == the_container(job)["name"]
    assert sorted(rule["onExitCodes"]["values"]) == sorted([EXIT_INVALID_SOURCE, EXIT_CONFIGURATION])
    assert EXIT_UNAVAILABLE not in rule["onExitCodes"]["values"]  # Redis may be starting: try again
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"  # what podFailurePolicy needs
    assert job["spec"]["backoffLimit"] >= 3


@pytest.mark.parametrize("name", ["load", "load-ha"])
def test_the_monthly_refresh_runs_the_loaders_pod_with_latest_one_at_a_time(name: str) -> None:
    manifests = render(name)
    job, cron = the(manifests, "Job", LOADER), the(manifests, "CronJob", REFRESH)
    refresh_pod, load_pod = copy.deepcopy(pod_template(cron)), pod_template(job)

    assert the_container(cron)["command"] + the_container(cron)["args"] == ["python", "-m", "entrypoints.load", "--latest"]
    assert cron["spec"]["schedule"] == "0 3 2 * *" and cron["spec"]["timeZone"] == "Etc/UTC"
    assert cron["spec"]["concurrencyPolicy"] == "Forbid"
    assert 1 <= cron["spec"]["successfulJobsHistoryLimit"] <= 5 and 1 <= cron["spec"]["failedJobsHistoryLimit"] <= 5
    # The loader's pod (security settings, resources, volumes, secrets) and its retry rules, but for --latest.
    del refresh_pod["spec"]["containers"][0]["args"]
    assert refresh_pod == load_pod
    for rule in ("backoffLimit", "podFailurePolicy", "activeDeadlineSeconds"):
        assert cron["spec"]["jobTemplate"]["spec"][rule] == job["spec"][rule], rule


# -- Redis, sizes, the way in -------------------------------------------------------------------


@pytest.mark.parametrize(("name", "storage"), [("test", "1Gi"), ("prod", "5Gi")])
def test_redis_keeps_rdb_and_aof_on_its_own_volume(name: str, storage: str) -> None:
    statefulset = the(render(name), "StatefulSet", REDIS)
    [claim] = statefulset["spec"]["volumeClaimTemplates"]
    args = " ".join(the_container(statefulset)["args"])

    assert claim["spec"]["accessModes"] == ["ReadWriteOnce"]
    assert claim["spec"]["resources"]["requests"]["storage"] == storage
    assert "--appendonly yes" in args and "--save 60 1" in args and "--dir /data" in args
    assert {"name": claim["metadata"]["name"], "mountPath": "/data"} in the_container(statefulset)["volumeMounts"]


@pytest.mark.parametrize("name", ["test", "prod"])
def test_nothing_exposes_redis_outside_the_cluster(name: str) -> None:
    manifests = render(name)
    service = the(manifests, "Service", REDIS)

    assert service["spec"]["type"] == "ClusterIP"
    for manifest in manifests:
        if manifest["kind"] == "Service" and manifest["spec"]["type"] != "ClusterIP":
            assert manifest["spec"]["selector"] != service["spec"]["selector"], describe(manifest)
        if manifest["kind"] == "Ingress":
            backends = {path["backend"]["service"]["name"] for rule in manifest["spec"]["rules"]
                        for path in rule["http"]["paths"]}
            assert backends == {API}


def selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    """Whether a label selector (matchLabels, matchExpressions) selects a pod with these labels."""
    operators = {"In": lambda key, values: labels.get(key) in values,
                 "NotIn": lambda key, values: labels.get(key) not in values,
                 "Exists": lambda key, values: key in labels,
                 "DoesNotExist": lambda key, values: key not in labels}
    return (all(labels.get(key) == value for key, value in selector.get("matchLabels", {}).items())
            and all(operators[rule["operator"]](rule["key"], rule.get("values", []))
                    for rule in selector.get("matchExpressions", [])))


def test_the_selector_reading_matches_kubernetes_rules() -> None:
    labels = {"app.kubernetes.io/name": "hgnc-api", "tier": "web"}
    assert selects({}, labels)
    assert selects({"matchLabels": {"tier": "web"}}, labels) and not selects({"matchLabels": {"tier": "db"}}, labels)
    assert selects({"matchExpressions": [{"key": "app.kubernetes.io/name", "operator": "In",
                                          "values": ["hgnc-api", "hgnc-worker"]}]}, labels)
    assert not selects({"matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["web"]}]}, labels)
    assert not selects({"matchExpressions": [{"key": "zone", "operator": "Exists"}]}, labels)


@pytest.mark.parametrize("name", ["test", "prod"])
def test_only_the_services_own_pods_may_reach_redis(name: str) -> None:
    manifests = render(name)
    policy = the(manifests, "NetworkPolicy", REDIS)
    redis_pod = the(manifests, "StatefulSet", REDIS)["spec"]["template"]
    [rule] = policy["spec"]["ingress"]
    in_namespace = [peer["podSelector"] for peer in rule["from"] if "namespaceSelector" not in peer]
    elsewhere = [peer for peer in rule["from"] if "namespaceSelector" in peer]

    assert selects(policy["spec"]["podSelector"], redis_pod["metadata"]["labels"])
    assert policy["spec"]["policyTypes"] == ["Ingress"] and "ipBlock" not in str(rule["from"])
    [port] = redis_pod["spec"]["containers"][0]["ports"]
    assert rule["ports"] == [{"port": port["name"], "protocol": "TCP"}] and port["containerPort"] == 6379
    clients = [m for m in (*manifests, *render("load")) if m["kind"] in WORKLOAD_KINDS and m["metadata"]["name"] != REDIS]
    assert {m["metadata"]["name"] for m in clients} == {API, WORKER, LOADER, REFRESH}
    for client in clients:  # every pod of the service's image, and nothing else of the namespace
        assert any(selects(peer, pod_template(client)["metadata"]["labels"]) for peer in in_namespace), \
            describe(client)
    assert not any(selects(peer, {"app.kubernetes.io/name": "anything-else"}) for peer in in_namespace)
    if name == "prod":  # KEDA's operator reads the queue's length (worker-scaledobject.yaml)
        assert elsewhere == [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "keda"}},
                              "podSelector": {"matchLabels": {"app": "keda-operator"}}}]
    else:
        assert elsewhere == []


@pytest.mark.parametrize(("name", "api_replicas", "worker_replicas", "exposed_by"),
                         [("test", 1, 1, "Service"), ("prod", 2, 3, "Ingress")])
def test_each_environment_runs_its_replicas_and_its_way_in(
        name: str, api_replicas: int, worker_replicas: int, exposed_by: str) -> None:
    manifests = render(name)
    ways_in = [describe(m) for m in manifests
               if m["kind"] == "Ingress" or (m["kind"] == "Service" and m["spec"]["type"] == "NodePort")]

    assert the(manifests, "Deployment", API)["spec"]["replicas"] == api_replicas
    assert the(manifests, "Deployment", WORKER)["spec"]["replicas"] == worker_replicas
    assert len(ways_in) == 1 and ways_in[0].startswith(exposed_by)


# -- KEDA ---------------------------------------------------------------------------------------


def test_the_scaledobject_watches_the_list_the_workers_take_jobs_from() -> None:
    manifests = render("prod")
    scaled = the(manifests, "ScaledObject", WORKER)
    [trigger] = scaled["spec"]["triggers"]
    queue_key = HotQueueJobConsumer(fakeredis.FakeRedis(), "any-worker", lease_seconds=30).key

    assert trigger["type"] == "redis"
    assert trigger["metadata"]["listName"] == queue_key
    assert trigger["metadata"]["databaseIndex"] == str(QUEUE_DB)
    assert 5 <= int(trigger["metadata"]["listLength"]) <= 20
    assert (scaled["spec"]["minReplicaCount"], scaled["spec"]["maxReplicaCount"]) == (1, 20)
    assert scaled["spec"]["scaleTargetRef"] == {"name": WORKER}


def test_the_scaledobject_reads_redis_settings_the_workers_have() -> None:
    """KEDA resolves `*FromEnv` in the target's container: each must be set there."""
    manifests = render("prod")
    [trigger] = the(manifests, "ScaledObject", WORKER)["spec"]["triggers"]
    from_env = {value for key, value in trigger["metadata"].items() if key.endswith("FromEnv")}

    assert {"REDIS_HOST", "REDIS_PORT"} <= from_env
    assert from_env <= environment(manifests, the_container(the(manifests, "Deployment", WORKER)))
