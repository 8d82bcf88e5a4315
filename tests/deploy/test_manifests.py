"""deploy/: the Kubernetes manifests, the images and the systemd units, checked offline.

Every manifest is validated against the Kubernetes OpenAPI schemas (kubernetes-validate,
strict: an unknown field is an error). The checks that matter to a rollout are written as
functions returning the problems they find; the tests assert there are none, and the last
tests break a copy of the manifests on purpose to prove the checks notice.
"""
import configparser
import copy
import fnmatch
import re
import shlex
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml
from kubernetes_validate import utils as kubernetes_validate
from pymongo import uri_parser
from support import ROOT

DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
SYSTEMD = DEPLOY / "systemd"
SECRETS_TEMPLATE = K8S / "secrets" / "example.yaml"
NAMESPACE = "channel-sfa"

SERVICES = ("leads", "opportunities", "quotes", "commission")
COMPONENTS = (*SERVICES, "gateway", "portal")
# The ops/HTTP port each component's container listens on (the spec's contract).
PORTS = {**{name: ("ops", 9100) for name in SERVICES},
         "gateway": ("http", 8000), "portal": ("http", 8001)}
SOURCE = {**{name: ROOT / "services" / name for name in SERVICES},
          "gateway": ROOT / "gateway", "portal": ROOT / "portal",
          "common": ROOT / "services" / "common"}
# The oldest Kubernetes the manifests are written for (preStop `sleep` needs 1.30) and the
# newest schema kubernetes-validate ships.
KUBERNETES_VERSIONS = ("1.30", kubernetes_validate.latest_version())
WORKLOADS = ("Deployment", "StatefulSet", "Job")


# ---- reading the manifests ----

def documents(path):
    with open(path, encoding="utf-8") as stream:
        return [doc for doc in yaml.safe_load_all(stream) if doc]


def kustomization(directory):
    return documents(directory / "kustomization.yaml")[0]


def build(directory=K8S, namespace=None):
    """The objects ``kustomize build directory`` emits, for the features used here
    (resources, namespace): kustomize itself is not needed to run the tests."""
    spec = kustomization(directory)
    namespace = spec.get("namespace", namespace)
    objects = []
    for resource in spec["resources"]:
        path = directory / resource
        if path.is_dir():
            objects += build(path, namespace)
        else:
            objects += documents(path)
    if namespace:
        for obj in objects:
            if obj["kind"] != "Namespace":
                obj["metadata"]["namespace"] = namespace
    return objects


def manifest_files():
    return sorted(path for path in K8S.rglob("*.yaml") if path.name != "kustomization.yaml")


@pytest.fixture(scope="module")
def built():
    return build()


@pytest.fixture(scope="module")
def secrets():
    return documents(SECRETS_TEMPLATE)


def named(objects, kind, name):
    found = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind} {name}, found {len(found)}"
    return found[0]


def pod_spec(workload):
    return workload["spec"]["template"]["spec"]


def containers(workload):
    spec = pod_spec(workload)
    return spec.get("initContainers", []) + spec["containers"]


def matches(selector, labels):
    """Whether a matchLabels selector (or a Service's plain selector) selects ``labels``."""
    wanted = selector.get("matchLabels", selector)
    return bool(wanted) and all(labels.get(key) == value for key, value in wanted.items())


# ---- the checks ----

def probe_problems(objects):
    problems = []
    for workload in (o for o in objects if o["kind"] in WORKLOADS):
        for container in containers(workload):
            names = {p.get("name") for p in container.get("ports", [])}
            numbers = {p["containerPort"] for p in container.get("ports", [])}
            for probe_name in ("startupProbe", "livenessProbe", "readinessProbe"):
                probe = container.get(probe_name, {})
                for action in ("httpGet", "tcpSocket", "grpc"):
                    if action in probe and probe[action]["port"] not in names | numbers:
                        problems.append(f"{workload['metadata']['name']}/{container['name']} "
                                        f"{probe_name} port {probe[action]['port']!r} is not "
                                        f"a port of the container")
    return problems


def component_problems(objects, name):
    """Deployment with probes, requests and limits, the spec's port, non-root."""
    problems = []
    deployment = named(objects, "Deployment", name)
    [container] = pod_spec(deployment)["containers"]
    port_name, port = PORTS[name]
    if {"name": port_name, "containerPort": port, "protocol": "TCP"} not in container["ports"]:
        problems.append(f"{name}: no containerPort {port} named {port_name}")
    for probe_name, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
        get = container.get(probe_name, {}).get("httpGet")
        if get is None:
            problems.append(f"{name}: no httpGet {probe_name}")
        elif (get["path"], get["port"]) != (path, port_name):
            problems.append(f"{name}: {probe_name} asks {get['port']}{get['path']}, "
                            f"expected {port_name}{path}")
    for bound in ("requests", "limits"):
        given = container.get("resources", {}).get(bound, {})
        if set(given) != {"cpu", "memory"}:
            problems.append(f"{name}: resources.{bound} must set cpu and memory, got {given}")
    security = container.get("securityContext", {})
    if not (pod_spec(deployment).get("securityContext", {}).get("runAsNonRoot")
            and security.get("readOnlyRootFilesystem")
            and security.get("allowPrivilegeEscalation") is False):
        problems.append(f"{name}: must run as non-root on a read-only root file system")
    return problems


def disruption_problems(objects, name):
    """Exactly one PodDisruptionBudget selects the Deployment's pods, and nothing else."""
    deployment = named(objects, "Deployment", name)
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    budgets = [o for o in objects if o["kind"] == "PodDisruptionBudget"
               and matches(o["spec"]["selector"], labels)]
    if len(budgets) != 1:
        return [f"{name}: {len(budgets)} PodDisruptionBudgets select its pods, expected 1"]
    others = [o["metadata"]["name"] for o in objects if o["kind"] in WORKLOADS
              and o is not deployment
              and matches(budgets[0]["spec"]["selector"], o["spec"]["template"]["metadata"]
                          .get("labels", {}))]
    return [f"{name}: its PodDisruptionBudget also selects {others}"] if others else []


def autoscaling_problems(objects, name):
    scalers = [o for o in objects if o["kind"] == "HorizontalPodAutoscaler"
               and o["spec"]["scaleTargetRef"]["name"] == name]
    if len(scalers) != 1:
        return [f"{name}: {len(scalers)} HorizontalPodAutoscalers target it, expected 1"]
    target = scalers[0]["spec"]["scaleTargetRef"]
    problems = []
    if (target["apiVersion"], target["kind"]) != ("apps/v1", "Deployment"):
        problems.append(f"{name}: the autoscaler targets a {target['apiVersion']} "
                        f"{target['kind']}")
    if scalers[0]["spec"].get("minReplicas", 1) < 2:
        problems.append(f"{name}: fewer than two replicas cannot survive one pod's loss")
    if "replicas" in named(objects, "Deployment", name)["spec"]:
        problems.append(f"{name}: `replicas` in the Deployment fights the autoscaler")
    return problems


def service_problems(objects):
    """Every Service selects some workload's pods, on ports those pods have."""
    problems = []
    for service in (o for o in objects if o["kind"] == "Service"):
        selected = [w for w in objects if w["kind"] in WORKLOADS
                    and matches(service["spec"]["selector"],
                                w["spec"]["template"]["metadata"].get("labels", {}))]
        if not selected:
            problems.append(f"Service {service['metadata']['name']} selects no pods")
            continue
        for port in service["spec"]["ports"]:
            target = port.get("targetPort", port["port"])
            for workload in selected:
                ports = [p for c in pod_spec(workload)["containers"] for p in c.get("ports", [])]
                if target not in {p.get("name") for p in ports} | {p["containerPort"]
                                                                    for p in ports}:
                    problems.append(f"Service {service['metadata']['name']} targets port "
                                    f"{target!r}, not one of {workload['metadata']['name']}'s")
    return problems


def reference_problems(objects, secrets):
    """Every ConfigMap and Secret a pod reads is defined, with the keys it reads."""
    defined = {}
    for obj in objects + secrets:
        if obj["kind"] in ("ConfigMap", "Secret"):
            data = {**obj.get("data", {}), **obj.get("stringData", {})}
            defined[obj["kind"], obj["metadata"]["name"]] = set(data)

    problems = []

    def need(where, kind, name, key=None, optional=False):
        if (kind, name) not in defined:
            problems.append(f"{where}: {kind} {name} is not defined")
        elif key is not None and key not in defined[kind, name] and not optional:
            problems.append(f"{where}: {kind} {name} has no key {key}")

    for workload in (o for o in objects if o["kind"] in WORKLOADS):
        for container in containers(workload):
            where = f"{workload['metadata']['name']}/{container['name']}"
            for source in container.get("envFrom", []):
                if "configMapRef" in source:
                    need(where, "ConfigMap", source["configMapRef"]["name"])
                if "secretRef" in source:
                    need(where, "Secret", source["secretRef"]["name"])
            for variable in container.get("env", []):
                ref = variable.get("valueFrom", {})
                if "configMapKeyRef" in ref:
                    need(where, "ConfigMap", ref["configMapKeyRef"]["name"],
                         ref["configMapKeyRef"]["key"], ref["configMapKeyRef"].get("optional"))
                if "secretKeyRef" in ref:
                    need(where, "Secret", ref["secretKeyRef"]["name"],
                         ref["secretKeyRef"]["key"], ref["secretKeyRef"].get("optional"))
        for volume in pod_spec(workload).get("volumes", []):
            where = f"{workload['metadata']['name']} volume {volume['name']}"
            if "configMap" in volume:
                for item in volume["configMap"].get("items", [{}]):
                    need(where, "ConfigMap", volume["configMap"]["name"], item.get("key"))
            if "secret" in volume:
                for item in volume["secret"].get("items", [{}]):
                    need(where, "Secret", volume["secret"]["secretName"], item.get("key"))
    return problems


def environment(objects, secrets, name):
    """The environment the component's container starts with (the Secrets as templated)."""
    [container] = pod_spec(named(objects, "Deployment", name))["containers"]
    env = {}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            env.update(named(objects, "ConfigMap", source["configMapRef"]["name"])["data"])
    for variable in container.get("env", []):
        ref = variable.get("valueFrom", {}).get("secretKeyRef")
        if ref:
            env[variable["name"]] = named(secrets, "Secret", ref["name"])["stringData"][ref["key"]]
        elif "value" in variable:
            env[variable["name"]] = variable["value"]
    return env


# ---- the commands: the Procfile is the reference ----

APP = re.compile(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*(\(\))?")


def command_shape(words):
    """(program, its config file's name, the app it runs) of a nameko or gunicorn command."""
    for i, word in enumerate(words):
        program = Path(word).name
        if program in ("nameko", "gunicorn"):
            rest = words[i + 1:]
            flag = "--config" if program == "nameko" else "-c"
            config = Path(rest[rest.index(flag) + 1]).name
            [app] = [w for w in rest if APP.fullmatch(w)]
            return program, config, app
    raise AssertionError(f"no nameko or gunicorn in {words}")


def procfile():
    """The components' Procfile commands (the Procfile also starts the embedded storage
    server for one machine, which is not deployed from here)."""
    commands = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, command = line.split(":", 1)
            if name.strip() in COMPONENTS:
                commands[name.strip()] = command_shape(shlex.split(command))
    return commands


def dockerfile_commands():
    """{target: CMD words} of deploy/docker/Dockerfile."""
    commands, target = {}, None
    for line in (DEPLOY / "docker" / "Dockerfile").read_text().splitlines():
        if line.startswith("FROM "):
            target = line.split()[-1] if " AS " in line else None
        elif line.startswith("CMD ") and target:
            commands[target] = yaml.safe_load(line[4:])
    return commands


def unit(name):
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str
    parser.read(SYSTEMD / f"channel-sfa-{name}.service", encoding="utf-8")
    return parser


def env_file(path):
    values = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, value = line.split("=", 1)
            values[key.strip()] = value.strip()
    return values


# ---- tests ----

@pytest.mark.parametrize("path", manifest_files(), ids=lambda p: str(p.relative_to(K8S)))
def test_every_manifest_validates_against_the_kubernetes_schemas(path):
    for doc in documents(path):
        for version in KUBERNETES_VERSIONS:
            try:
                kubernetes_validate.validate(doc, version, strict=True)
            except kubernetes_validate.ValidationError as error:
                location = ".".join(str(part) for part in error.path)
                pytest.fail(f"{path.name}: {doc['kind']} {doc['metadata']['name']} "
                            f"(Kubernetes {version}): {location}: {error.message}")


def test_every_kustomization_lists_each_yaml_beside_it():
    for directory in sorted({p.parent for p in K8S.rglob("kustomization.yaml")}):
        listed = set(kustomization(directory)["resources"])
        beside = {p.name for p in directory.glob("*.yaml")} - {"kustomization.yaml"}
        subdirectories = {p.parent.name for p in directory.glob("*/kustomization.yaml")}
        missing = (beside | subdirectories) - listed
        assert not missing, f"{directory.relative_to(K8S)}: not in kustomization.yaml: {missing}"
        assert all((directory / r).exists() for r in listed), f"{directory}: {listed}"
    top = set(kustomization(K8S)["resources"])
    assert {*COMPONENTS, "infra", "namespace.yaml"} <= top


def test_the_build_puts_everything_in_the_namespace(built):
    assert named(built, "Namespace", NAMESPACE)["metadata"]["labels"][
        "pod-security.kubernetes.io/enforce"] == "restricted"
    assert all(o["metadata"].get("namespace") == NAMESPACE
               for o in built if o["kind"] != "Namespace")


@pytest.mark.skipif(shutil.which("kubectl") is None and shutil.which("kustomize") is None,
                    reason="neither kubectl nor kustomize is installed")
def test_kustomize_builds_the_same_objects(built, tmp_path):
    """The real kustomize agrees with the reading above (and validates too)."""
    command = (["kustomize", "build"] if shutil.which("kustomize")
               else ["kubectl", "kustomize"])
    result = subprocess.run([*command, str(K8S)], capture_output=True, text=True, timeout=120,
                            check=False)
    assert result.returncode == 0, result.stderr
    real = [doc for doc in yaml.safe_load_all(result.stdout) if doc]
    assert sorted((o["kind"], o["metadata"]["name"]) for o in real) == \
        sorted((o["kind"], o["metadata"]["name"]) for o in built)
    for doc in real:
        kubernetes_validate.validate(doc, KUBERNETES_VERSIONS[-1], strict=True)
        assert doc["kind"] == "Namespace" or doc["metadata"]["namespace"] == NAMESPACE
        assert doc["metadata"]["labels"]["app.kubernetes.io/part-of"] == "channel-sfa"


@pytest.mark.parametrize("name", COMPONENTS)
def test_each_component_has_a_probed_bounded_deployment(built, name):
    assert component_problems(built, name) == []


@pytest.mark.parametrize("name", COMPONENTS)
def test_each_component_has_a_disruption_budget_over_its_pods(built, name):
    assert disruption_problems(built, name) == []


@pytest.mark.parametrize("name", COMPONENTS)
def test_each_component_scales_with_an_autoscaler(built, name):
    assert autoscaling_problems(built, name) == []


def test_every_probe_asks_a_port_its_container_has(built):
    assert probe_problems(built) == []


def test_every_service_selects_pods_on_their_ports(built):
    assert service_problems(built) == []
    for name in ("gateway", "portal"):
        assert named(built, "Service", name)["spec"]["ports"][0]["port"] == PORTS[name][1]
    for name in SERVICES:
        ops = named(built, "Service", f"{name}-ops")
        assert ops["spec"]["clusterIP"] == "None"
        assert ops["metadata"]["annotations"]["prometheus.io/scrape"] == "true"
        assert ops["metadata"]["annotations"]["prometheus.io/port"] == "9100"


def test_every_config_map_and_secret_a_pod_reads_is_defined(built, secrets):
    assert reference_problems(built, secrets) == []


def test_the_secrets_template_stays_out_of_the_build_and_holds_no_secret(secrets):
    assert "secrets" not in kustomization(K8S)["resources"]
    plain = {"RABBITMQ_DEFAULT_USER", "RABBITMQ_DEFAULT_VHOST", "MONGO_ROOT_USERNAME",
             "BOOTSTRAP_ADMIN_EMAIL"}
    for secret in secrets:
        assert secret["kind"] == "Secret" and secret["metadata"]["namespace"] == NAMESPACE
        for key, value in secret["stringData"].items():
            assert key in plain or "CHANGE-ME" in value, f"{secret['metadata']['name']}.{key}"


@pytest.mark.parametrize("name", COMPONENTS)
def test_each_component_starts_with_the_environment_deployed(built, secrets, name):
    """The component's own settings check accepts the ConfigMap and the Secrets' shape:
    a typo (GATEWAY_ENV=prod, a bad URI) would stop it at start-up."""
    env = environment(built, secrets, name)
    assert env["LOG_FORMAT"] == "json"
    check_settings(name, env)
    if name in SERVICES:
        assert env["OPS_PORT"] == "9100"
    else:
        assert env[f"{name.upper()}_ENV"] == "production"
        assert env[f"{name.upper()}_PORT"] == str(PORTS[name][1])
        assert len(env["SECRET_KEY"]) >= 32 and "PORTAL_CLIENT_SECRET" in env


def check_settings(name, env):
    """Every check the component runs on its environment at start-up."""
    if name == "portal":
        from portal import logs as portal_logs
        from portal.settings import PortalSettings
        assert PortalSettings.from_mapping(env).env == "production"
        assert portal_logs.log_format(env) == "json"
        portal_logs.log_level(env)
        return
    from sfa_common import logs
    assert logs.log_format(env) == "json"
    logs.log_level(env)
    if name == "gateway":
        from gateway.settings import GatewaySettings
        assert GatewaySettings.from_mapping(env).env == "production"
    else:
        from sfa_common.handlers import max_attempts
        from sfa_common.ops import ops_port
        from sfa_common.settings import ServiceSettings
        assert ServiceSettings.from_mapping(env).mongo_uri.startswith("mongodb://")
        assert ops_port(env) > 0
        max_attempts(env)


def test_mongo_uris_name_the_replica_set_with_majority_writes(built, secrets):
    mongodb = named(built, "StatefulSet", "mongodb")
    members = [f"{mongodb['metadata']['name']}-{i}.{mongodb['spec']['serviceName']}"
               for i in range(mongodb["spec"]["replicas"])]
    assert mongodb["spec"]["replicas"] == 3
    assert pod_spec(mongodb)["containers"][0]["args"][:2] == ["--replSet", "rs0"]
    script = named(built, "ConfigMap", "mongodb-init")["data"]["init-replica-set.js"]
    assert all(f'"{member}:27017"' in script for member in members)
    uris = [s["stringData"]["MONGO_URI"] for s in secrets if "MONGO_URI" in s["stringData"]]
    uris += [env_file(p)["MONGO_URI"] for p in sorted((SYSTEMD / "env").glob("*.example"))
             if "MONGO_URI" in env_file(p)]
    assert len(uris) == 10   # five components, in Kubernetes and on VMs
    for uri in uris:
        parsed = uri_parser.parse_uri(uri)
        assert parsed["options"]["replicaSet"] == "rs0", uri
        assert parsed["options"]["w"] == "majority", uri
        assert len(parsed["nodelist"]) == 3, uri
    in_cluster = {host for uri in uris[:5] for host, _ in uri_parser.parse_uri(uri)["nodelist"]}
    assert in_cluster == set(members)


@pytest.mark.parametrize("name", COMPONENTS)
def test_every_way_to_run_a_component_runs_the_procfile_command(built, name):
    expected = procfile()[name]
    [container] = pod_spec(named(built, "Deployment", name))["containers"]
    assert command_shape(container["command"]) == expected
    assert command_shape(dockerfile_commands()[name]) == expected
    assert command_shape(shlex.split(unit(name)["Service"]["ExecStart"])) == expected
    assert container["image"].startswith(f"channel-sfa/{name}:")


@pytest.mark.parametrize("name", COMPONENTS)
def test_each_systemd_unit_runs_hardened_as_its_own_user(name):
    service = unit(name)["Service"]
    assert service["User"] == f"channel-sfa-{name}"
    assert service["DynamicUser"] == "yes"
    assert service["EnvironmentFile"] == f"/etc/channel-sfa/{name}.env"
    assert service["Restart"] == "on-failure"
    for key, value in (("NoNewPrivileges", "yes"), ("ProtectSystem", "strict"),
                       ("PrivateTmp", "yes"), ("ProtectHome", "yes"),
                       ("CapabilityBoundingSet", "")):
        assert service[key] == value, key
    assert "channel-sfa.target" in unit(name)["Install"]["WantedBy"].split()
    if name in ("gateway", "portal"):
        # gunicorn workers > 1: prometheus_client multiprocess mode, wiped at each start.
        assert service["Environment"] == \
            f"PROMETHEUS_MULTIPROC_DIR=/run/{service['RuntimeDirectory']}"


@pytest.mark.parametrize("name", COMPONENTS)
def test_each_example_environment_file_passes_the_settings_check(name):
    env = env_file(SYSTEMD / "env" / f"{name}.env.example")
    check_settings(name, env)
    assert env["LOG_FORMAT"] == "json"
    for key, value in env.items():
        if any(word in key for word in ("SECRET", "PASSWORD")) or key.endswith("_URI") \
                and "@" in value:
            assert "CHANGE-ME" in value, key


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_systemd_analyze_verifies_the_units(tmp_path):
    """systemd's own parser; it would also demand that /opt/channel-sfa/... exists, so the
    copies run /bin/true with the same arguments. Any warning (an unknown key) fails."""
    units = sorted(SYSTEMD.glob("channel-sfa-*.service")) + [SYSTEMD / "channel-sfa.target"]
    assert len(units) == len(COMPONENTS) + 1
    for path in units:
        text = re.sub(r"^ExecStart=\S+", "ExecStart=/bin/true", path.read_text(), flags=re.M)
        (tmp_path / path.name).write_text(text)
    result = subprocess.run(["systemd-analyze", "verify", *sorted(map(str, tmp_path.iterdir()))],
                            capture_output=True, text=True, timeout=60, check=False)
    assert (result.returncode, result.stderr) == (0, "")


@pytest.mark.parametrize("name", [*COMPONENTS, "common"])
def test_an_installed_component_has_every_module_and_template(name):
    """Images and VM installs are plain (not editable) installs: a package or a template
    missing from pyproject.toml would be missing from the deployed component."""
    source = SOURCE[name]
    tool = tomllib.loads((source / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(tool["packages"])
    package_data = tool.get("package-data", {})
    for init in source.rglob("__init__.py"):
        parts = init.parent.relative_to(source).parts
        if parts[0] in ("build", "dist"):   # a local build's copies, not the source
            continue
        package = ".".join(parts)
        assert package in listed, f"{name}: package {package} is not in pyproject.toml"
    for top in {package.split(".")[0] for package in listed}:
        for path in (source / top).rglob("*"):
            if path.is_dir() or path.suffix in (".py", ".pyc") or "__pycache__" in path.parts:
                continue
            parts = path.relative_to(source).parts
            owner = max((p for p in listed if parts[:p.count(".") + 1] == tuple(p.split("."))),
                        key=len)
            relative = path.relative_to(source.joinpath(*owner.split("."))).as_posix()
            assert any(fnmatch.fnmatch(relative, pattern)
                       for pattern in package_data.get(owner, [])), \
                f"{name}: {path.relative_to(ROOT)} is not package data of {owner}"


# ---- the checks notice what they are for ----

def broken(objects, change):
    objects = copy.deepcopy(objects)
    change(objects)
    return objects


def test_the_checks_notice_a_removed_probe_a_wrong_port_and_missing_limits(built):
    def no_readiness(objects):
        del pod_spec(named(objects, "Deployment", "quotes"))["containers"][0]["readinessProbe"]

    def wrong_port(objects):
        probe = pod_spec(named(objects, "Deployment", "gateway"))["containers"][0]
        probe["livenessProbe"]["httpGet"]["port"] = "ops"

    def no_limits(objects):
        del pod_spec(named(objects, "Deployment", "portal"))["containers"][0]["resources"][
            "limits"]

    assert component_problems(broken(built, no_readiness), "quotes") == \
        ["quotes: no httpGet readinessProbe"]
    assert probe_problems(broken(built, wrong_port)) == \
        ["gateway/gateway livenessProbe port 'ops' is not a port of the container"]
    assert len(component_problems(broken(built, no_limits), "portal")) == 1


def test_the_checks_notice_mismatched_selectors_and_targets(built, secrets):
    def pdb_selector(objects):
        named(objects, "PodDisruptionBudget", "leads")["spec"]["selector"]["matchLabels"][
            "app.kubernetes.io/name"] = "lead"

    def hpa_target(objects):
        named(objects, "HorizontalPodAutoscaler", "commission")["spec"]["scaleTargetRef"][
            "name"] = "commissions"

    def service_selector(objects):
        named(objects, "Service", "portal")["spec"]["selector"]["app.kubernetes.io/name"] = "web"

    def secret_name(objects):
        env = pod_spec(named(objects, "Deployment", "opportunities"))["containers"][0]["env"]
        env[0]["valueFrom"]["secretKeyRef"]["name"] = "opportunity-secrets"

    assert disruption_problems(broken(built, pdb_selector), "leads") == \
        ["leads: 0 PodDisruptionBudgets select its pods, expected 1"]
    assert autoscaling_problems(broken(built, hpa_target), "commission") == \
        ["commission: 0 HorizontalPodAutoscalers target it, expected 1"]
    assert service_problems(broken(built, service_selector)) == \
        ["Service portal selects no pods"]
    assert reference_problems(broken(built, secret_name), secrets) == \
        ["opportunities/opportunities: Secret opportunity-secrets is not defined"]


def test_the_schema_check_refuses_a_misspelt_field():
    deployment = copy.deepcopy(documents(K8S / "leads" / "deployment.yaml")[0])
    deployment["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = \
        deployment["spec"]["template"]["spec"]["containers"][0].pop("readinessProbe")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSIONS[-1], strict=True)
