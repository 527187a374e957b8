"""The containers of the rendered manifests run by Docker as a kubelet runs them, as far as Docker can.

From each container and its pod: the image, `command` (the entrypoint) and `args`, the environment
(the ConfigMap's keys, values, and the keys of a given Secret), the user and group, a read-only
root, no capability, no privilege escalation, a tmpfs for each emptyDir and for the volume claim,
and a network alias for each Service that selects the pod. Not Kubernetes: no scheduler, no
kubelet probing (a test runs the probes itself), no Pod Security admission.
"""
from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any, Mapping, Sequence

from tests.support import eventually

Manifest = dict[str, Any]


class DockerPods:
    def __init__(self, manifests: Sequence[Manifest], images: Mapping[str, str], secret: Mapping[str, str],
                 prefix: str) -> None:
        self.manifests = list(manifests)
        self.images = dict(images)  # the manifests' image -> the local one to run
        self.secret = dict(secret)
        self.prefix = prefix
        self.network = f"{prefix}-net"
        self.started: list[str] = []
        docker("network", "create", self.network)

    def run(self, manifest: Manifest, *, detach: bool = True, extra_args: Sequence[str] = (),
            volumes: Sequence[str] = (), publish: int | None = None) -> subprocess.CompletedProcess[str]:
        """`docker run` of the workload's one container; its name is `name_of(manifest)`."""
        pod = manifest["spec"]["template"]
        [container] = pod["spec"]["containers"]
        name = self.name_of(manifest)
        options = ["--name", name, "--network", self.network, *self._aliases(pod), *self._security(pod["spec"], container),
                   *self._mounts(manifest, container), *self._environment(container)]
        options += [option for volume in volumes for option in ("-v", volume)]
        if publish is not None:
            options += ["-p", f"127.0.0.1::{publish}"]
        command = container.get("command", [])
        if command:
            options += ["--entrypoint", command[0]]
        arguments = [*command[1:], *container.get("args", []), *extra_args]
        self.started.append(name)
        return docker("run", "-d" if detach else "--rm", *options, self.images.get(container["image"], container["image"]),
                      *arguments, check=detach)

    def name_of(self, manifest: Manifest) -> str:
        return f"{self.prefix}-{manifest['metadata']['name']}"

    def exec(self, manifest: Manifest, command: Sequence[str]) -> subprocess.CompletedProcess[str]:
        return docker("exec", self.name_of(manifest), *command, check=False)

    def probe(self, manifest: Manifest, probe: str) -> bool:
        """Whether the container's probe passes now: its exec command, or its GET from inside the pod."""
        [container] = manifest["spec"]["template"]["spec"]["containers"]
        spec = container[probe]
        if "exec" in spec:
            return self.exec(manifest, spec["exec"]["command"]).returncode == 0
        port = next(p["containerPort"] for p in container["ports"] if p["name"] == spec["httpGet"]["port"])
        url = f"http://127.0.0.1:{port}{spec['httpGet']['path']}"
        script = f"import urllib.request; urllib.request.urlopen({url!r}, timeout={spec.get('timeoutSeconds', 1)})"
        return self.exec(manifest, ["python", "-c", script]).returncode == 0

    def wait_for(self, manifest: Manifest, probe: str, timeout: float = 90) -> None:
        try:
            eventually(lambda: self.probe(manifest, probe), timeout, f"{self.name_of(manifest)}: {probe} passes",
                       interval=0.5)
        except AssertionError as failure:
            raise AssertionError(f"{failure}\n{self.logs(manifest)[-3000:]}") from None

    def url(self, manifest: Manifest, port: int) -> str:
        published = docker("port", self.name_of(manifest), str(port)).stdout.split()[0]
        return f"http://{published}"

    def logs(self, manifest: Manifest) -> str:
        result = docker("logs", self.name_of(manifest), check=False)
        return result.stdout + result.stderr

    def stop(self, manifest: Manifest) -> tuple[int, float]:
        """`docker stop` with the pod's grace period, as a kubelet stops it: exit code and seconds taken."""
        grace = manifest["spec"]["template"]["spec"].get("terminationGracePeriodSeconds", 30)
        started = time.monotonic()
        docker("stop", "-t", str(grace), self.name_of(manifest))
        taken = time.monotonic() - started
        code = int(docker("inspect", "-f", "{{.State.ExitCode}}", self.name_of(manifest)).stdout.strip())
        return code, taken

    def remove_all(self) -> None:
        for name in reversed(self.started):
            docker("rm", "-f", "-v", name, check=False)
        docker("network", "rm", self.network, check=False)

    def _aliases(self, pod: Manifest) -> list[str]:
        labels = pod["metadata"]["labels"]
        return [option for service in self.manifests if service["kind"] == "Service"
                and service["spec"]["selector"].items() <= labels.items()
                for option in ("--network-alias", service["metadata"]["name"])]

    @staticmethod
    def _security(pod_spec: Manifest, container: Manifest) -> list[str]:
        context = {**pod_spec.get("securityContext", {}), **container.get("securityContext", {})}
        options = ["--user", f"{context['runAsUser']}:{context.get('runAsGroup', context['runAsUser'])}"]
        if context.get("readOnlyRootFilesystem"):
            options.append("--read-only")
        if context.get("allowPrivilegeEscalation") is False:
            options += ["--security-opt", "no-new-privileges"]
        options += [option for capability in context.get("capabilities", {}).get("drop", [])
                    for option in ("--cap-drop", capability)]
        if "fsGroup" in context:
            options += ["--group-add", str(context["fsGroup"])]
        return options

    @staticmethod
    def _mounts(manifest: Manifest, container: Manifest) -> list[str]:
        """A tmpfs the container's user may write for each emptyDir (0777 in Kubernetes) and each claim
        (made writable by the pod's fsGroup)."""
        spec = manifest["spec"]["template"]["spec"]
        writable = {volume["name"] for volume in spec.get("volumes", []) if "emptyDir" in volume}
        writable |= {claim["metadata"]["name"] for claim in manifest["spec"].get("volumeClaimTemplates", [])}
        context = {**spec.get("securityContext", {}), **container.get("securityContext", {})}
        owner = f"uid={context['runAsUser']},gid={context.get('fsGroup', context.get('runAsGroup', context['runAsUser']))}"
        options = []
        for mount in container.get("volumeMounts", []):
            if mount["name"] not in writable:
                raise ValueError(f"{manifest['metadata']['name']}: no Docker stand-in for the volume {mount['name']}")
            options += ["--tmpfs", f"{mount['mountPath']}:{owner}"]
        return options

    def _environment(self, container: Manifest) -> list[str]:
        values: dict[str, str] = {}
        for source in container.get("envFrom", []):
            config_map = next(m for m in self.manifests if m["kind"] == "ConfigMap"
                              and m["metadata"]["name"] == source["configMapRef"]["name"])
            values.update(config_map["data"])
        for variable in container.get("env", []):
            if "value" in variable:
                values[variable["name"]] = variable["value"]
            elif variable["valueFrom"]["secretKeyRef"]["key"] in self.secret:
                values[variable["name"]] = self.secret[variable["valueFrom"]["secretKeyRef"]["key"]]
        return [option for name, value in values.items() for option in ("-e", f"{name}={value}")]


def docker(*args: str, check: bool = True, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise RuntimeError(f"docker {' '.join(args[:3])} failed ({result.returncode}): {result.stderr.strip()[-2000:]}")
    return result


def build_image(repo: Path, tag: str) -> None:
    docker("build", "-q", "-t", tag, str(repo), timeout=1200)
