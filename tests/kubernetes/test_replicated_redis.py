"""kubernetes/prod-ha: three Redis pods on three nodes under Sentinel, and the service and KEDA pointed at them."""
from __future__ import annotations

import subprocess

import pytest

from entrypoints.settings import Settings
from tests.kubernetes.manifests import render
from tests.kubernetes.test_manifests import REDIS, WORKER, environment, the, the_container

pytestmark = pytest.mark.kubernetes

HA = "prod-ha"


def _config() -> dict[str, str]:
    [config] = [m for m in render(HA) if m["kind"] == "ConfigMap" and m["metadata"]["name"].startswith("hgnc-config")]
    return config["data"]


def test_three_redis_pods_each_on_its_own_node_and_a_drain_takes_one_at_a_time() -> None:
    manifests = render(HA)
    redis = the(manifests, "StatefulSet", REDIS)
    assert redis["spec"]["replicas"] == 3
    [rule] = redis["spec"]["template"]["spec"]["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    assert rule["topologyKey"] == "kubernetes.io/hostname"
    assert rule["labelSelector"]["matchLabels"].items() <= redis["spec"]["template"]["metadata"]["labels"].items()
    budget = the(manifests, "PodDisruptionBudget", REDIS)
    assert budget["spec"]["minAvailable"] == 2
    assert budget["spec"]["selector"]["matchLabels"].items() <= redis["spec"]["template"]["metadata"]["labels"].items()


def test_the_service_finds_the_primary_through_one_sentinel_in_each_redis_pod() -> None:
    manifests = render(HA)
    redis = the(manifests, "StatefulSet", REDIS)
    pods = [f"{REDIS}-{ordinal}.{redis['spec']['serviceName']}" for ordinal in range(redis["spec"]["replicas"])]
    settings = Settings.from_environment(_config()).redis()
    assert settings.sentinels == tuple((pod, 26379) for pod in pods)
    assert settings.sentinel_master == "genes" and settings.min_replicas_acked == 1
    service = the(manifests, "Service", REDIS)
    assert service["spec"]["clusterIP"] == "None"  # headless: each pod by its own name
    assert {port["name"]: port["port"] for port in service["spec"]["ports"]} == {"redis": 6379, "sentinel": 26379}
    containers = {each["name"]: each for each in redis["spec"]["template"]["spec"]["containers"]}
    assert [port["containerPort"] for port in containers["sentinel"]["ports"]] == [26379]
    for name in ("redis", "sentinel"):  # the master's name the sentinels monitor is the one the service asks for
        assert "get-master-addr-by-name genes" in " ".join(containers[name]["command"])


def test_the_start_scripts_of_redis_and_its_sentinel_are_valid_shell() -> None:
    redis = the(render(HA), "StatefulSet", REDIS)
    for container in redis["spec"]["template"]["spec"]["containers"]:
        shell, flag, script, *_ = container["command"]
        assert (shell, flag) == ("sh", "-c")
        checked = subprocess.run(["sh", "-n", "-c", script], capture_output=True, text=True)
        assert checked.returncode == 0, f"{container['name']}: {checked.stderr}"


def test_keda_reads_the_queue_through_the_sentinels_with_the_settings_the_workers_have() -> None:
    manifests = render(HA)
    [trigger] = the(manifests, "ScaledObject", WORKER)["spec"]["triggers"]
    assert trigger["type"] == "redis-sentinel"
    assert (trigger["metadata"]["listName"], trigger["metadata"]["databaseIndex"]) == ("hotqueue:jobs", "1")
    from_env = {value for key, value in trigger["metadata"].items() if key.endswith("FromEnv")}
    assert {"REDIS_SENTINELS", "REDIS_SENTINEL_MASTER", "REDIS_SENTINEL_PASSWORD"} <= from_env
    assert from_env <= environment(manifests, the_container(the(manifests, "Deployment", WORKER)))


def test_the_redis_pods_reach_each_other_and_the_service_reaches_the_sentinels() -> None:
    policy = the(render(HA), "NetworkPolicy", REDIS)
    rules = policy["spec"]["ingress"]
    assert {"port": "sentinel", "protocol": "TCP"} in rules[0]["ports"]
    among_themselves = [rule for rule in rules
                        if rule["from"] == [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": REDIS}}}]]
    assert [{port["port"] for port in rule["ports"]} for rule in among_themselves] == [{"redis", "sentinel"}]


def test_the_loader_of_prod_ha_finds_the_primary_as_the_service_does_and_leaves_its_configmap_as_it_is() -> None:
    load = render("load-ha")
    [config] = [m for m in load if m["kind"] == "ConfigMap"]
    assert config["data"] == _config()
    assert config["metadata"]["name"] in {m["metadata"]["name"] for m in render(HA) if m["kind"] == "ConfigMap"}
    for job in [m for m in load if m["kind"] in ("Job", "CronJob")]:  # the loader and its monthly refresh
        assert {"REDIS_SENTINELS", "REDIS_SENTINEL_MASTER", "REDIS_SENTINEL_PASSWORD"} <= environment(load, the_container(job))
