"""deploy/ checked statically (no container engine runs here): the alert rules by promtool, the
manifests against Kubernetes' schemas, the compose file against the Compose specification's
schema, the image's shape, every metric the rules and dashboard use against what the services
export, and that each service's containers hold only its own secrets."""

import json
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from kubernetes_validate import validate
from prometheus_client import REGISTRY, generate_latest
from prometheus_client.parser import text_string_to_metric_families

import services.incident_api.metrics
import services.notifier.metrics  # noqa: F401 - both services' metrics, registered

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
KUBERNETES = "1.30.0"


def promtool() -> str:
    found = shutil.which("promtool")
    assert found, "promtool is missing: `make test` installs it (Debian package prometheus)"
    return found


def test_alert_rules_pass_promtool() -> None:
    done = subprocess.run(
        [promtool(), "check", "rules", str(DEPLOY / "prometheus" / "alerts.yml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS: 7 rules found" in done.stdout


def test_prometheus_config_passes_promtool(tmp_path: Path) -> None:
    config = (DEPLOY / "prometheus" / "prometheus.yml").read_text()
    shutil.copy(DEPLOY / "prometheus" / "alerts.yml", tmp_path / "alerts.yml")
    (tmp_path / "prometheus.yml").write_text(
        config.replace("/etc/prometheus/alerts.yml", str(tmp_path / "alerts.yml"))
    )
    done = subprocess.run(
        [promtool(), "check", "config", str(tmp_path / "prometheus.yml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def exported() -> set[str]:
    names = set()
    for family in text_string_to_metric_families(generate_latest(REGISTRY).decode()):
        names.add(family.name)
        names.update({family.name + "_total", family.name + "_bucket", family.name + "_count"})
        names.update(sample.name for sample in family.samples)
    return {n for n in names if n.startswith("ssi_")}


def used_in(text: str) -> set[str]:
    return set(re.findall(r"\bssi_[a-z_]+\b", text))


def test_rules_and_dashboard_use_metrics_the_services_export() -> None:
    rules = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text())
    exprs = [rule["expr"] for group in rules["groups"] for rule in group["rules"]]
    dashboard = json.loads((DEPLOY / "grafana" / "dashboards" / "ssi-sla.json").read_text())
    exprs += [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    used = set().union(*(used_in(e) for e in exprs))
    assert used - exported() == set()
    # The regulated ones are all watched.
    assert {
        "ssi_sla_breaches_total",
        "ssi_webhook_dead_deliveries",
        "ssi_event_feed_lag_events",
        "ssi_sla_scheduler_heartbeat_timestamp_seconds",
        "ssi_webhook_deliveries_total",
    } <= used


def documents(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


@pytest.mark.parametrize("path", sorted((DEPLOY / "k8s").glob("*.yaml")), ids=lambda p: p.name)
def test_manifests_are_valid_kubernetes(path: Path) -> None:
    for document in documents(path):
        validate(document, KUBERNETES, strict=True)


def test_manifests_say_what_production_needs() -> None:
    kinds: dict[str, list[dict[str, Any]]] = {}
    for path in (DEPLOY / "k8s").glob("*.yaml"):
        for document in documents(path):
            kinds.setdefault(document["kind"], []).append(document)
    deployments = {d["metadata"]["name"]: d for d in kinds["Deployment"]}
    assert set(deployments) == {"incident-api", "notifier"}
    assert deployments["notifier"]["spec"]["replicas"] >= 2
    for deployment in deployments.values():
        pod = deployment["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        [container] = pod["containers"]
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert {"requests", "limits"} <= set(container["resources"])
        # Secrets by reference only.
        for env in container.get("env", []):
            assert "value" not in env or not env["name"].endswith(("KEYS", "TOKEN", "URL")), env
    assert {p["metadata"]["name"] for p in kinds["PodDisruptionBudget"]} == set(deployments)
    [hpa] = kinds["HorizontalPodAutoscaler"]
    assert hpa["spec"]["scaleTargetRef"]["name"] == "incident-api"
    assert "Secret" not in kinds
    assert kinds["Job"][0]["metadata"]["name"] == "ssi-migrate"


def test_compose_file_follows_the_compose_specification() -> None:
    schema = json.loads((DEPLOY / "schemas" / "compose-spec.json").read_text())
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    jsonschema.Draft201909Validator(schema).validate(compose)
    services = {"postgres", "incident-api", "notifier", "prometheus", "grafana"}
    assert services <= set(compose["services"])
    for name in ("incident-api", "notifier"):
        # Each service's own migration (with its own database's URL only) runs first.
        depends = compose["services"][name]["depends_on"]
        assert depends[f"migrate-{name}"]["condition"] == "service_completed_successfully"


def test_the_image_is_multi_stage_non_root_and_healthchecked() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    stages = re.split(r"(?m)^FROM ", dockerfile)[1:]
    assert len(stages) >= 2
    final = stages[-1]
    assert re.search(r"(?m)^USER (?!root|0\b)\S+", final)
    assert re.search(r"(?m)^HEALTHCHECK ", final)
    for tool in ("gcc", "build-essential", "uv sync", "apt-get install"):
        assert tool not in final, tool


# Least privilege (issue 14 item 7): each service holds only its own secrets. The notifier calls
# supplier-chosen URLs, so it is the one most exposed to SSRF: it must hold nothing that opens
# install codes or reaches the API's database; the API, nothing of the notifier's.
OWN_SECRETS = {
    "incident_api": {"SSI_INSTALL_CODE_KEYS", "INCIDENT_API_DATABASE_URL"},
    "notifier": {"NOTIFIER_SECRET_KEYS", "NOTIFIER_DATABASE_URL", "NOTIFIER_API_TOKEN"},
}
SERVICE_NEEDS = {
    "incident_api": OWN_SECRETS["incident_api"] | {"SSI_JWT_JWKS_URL", "SSI_JWT_ISSUER"},
    "notifier": OWN_SECRETS["notifier"]
    | {"NOTIFIER_INCIDENT_API_URL", "SSI_JWT_JWKS_URL", "SSI_JWT_ISSUER"},
}
UNKNOWN = "*"  # the variables of an env file or Secret handed over whole, not named here


@dataclass
class Container:
    """One container of our image: what it runs, and each variable it sees with where the value
    comes from (`${VAR}` of the host, `secret:NAME`, `configmap:NAME`, `file:PATH`)."""

    where: str
    command: str
    environment: dict[str, set[str]] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)

    def migrates(self) -> bool:
        return ".migrate" in self.command

    def runs(self) -> set[str]:
        # A command naming a service's module runs it; otherwise the image serves SSI_APP, whose
        # default in the image is the API.
        named = {app for app in OWN_SECRETS if f"services.{app}" in self.command}
        return named or {self.values.get("SSI_APP", "incident_api")}

    def add(self, name: str, *sources: str, value: str | None = None) -> None:
        self.environment.setdefault(name, set()).update(sources)
        if value is not None:
            self.values[name] = value


def interpolated(value: str) -> set[str]:
    return {"${" + name + "}" for name in re.findall(r"(?<!\$)\$\{?([A-Za-z_]\w*)", value)}


def compose_containers() -> list[Container]:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    found = []
    for name, service in compose["services"].items():
        if not (str(service.get("image", "")).startswith("ssi") or "build" in service):
            continue
        container = Container(f"compose service {name}", json.dumps(service.get("command")))
        environment = service.get("environment", {})
        if isinstance(environment, list):
            environment = dict(item.partition("=")[::2] for item in environment)
        for variable, value in environment.items():
            # A bare name passes the host's variable through.
            text = "${" + variable + "}" if value is None else str(value)
            container.add(variable, *interpolated(text), value=text)
        env_files = service.get("env_file", [])
        for entry in [env_files] if isinstance(env_files, (str, dict)) else env_files:
            path = entry if isinstance(entry, str) else entry["path"]
            source = f"file:{path}"
            container.add(UNKNOWN, source)
            if (DEPLOY / path).exists():
                for line in (DEPLOY / path).read_text().splitlines():
                    if "=" in line and not line.lstrip().startswith("#"):
                        container.add(line.split("=", 1)[0].strip(), source)
        for secret in service.get("secrets", []):
            secret_name = secret if isinstance(secret, str) else secret["source"]
            definition = compose.get("secrets", {}).get(secret_name, {})
            origin = definition.get("environment") or definition.get("file") or secret_name
            container.add(UNKNOWN, f"secret:{origin}")
        found.append(container)
    return found


def pod_specs(document: dict[str, Any]) -> list[dict[str, Any]]:
    spec = document.get("spec", {})
    if document["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    return [spec["template"]["spec"]] if "template" in spec else []


def k8s_containers() -> list[Container]:
    manifests = [d for p in sorted((DEPLOY / "k8s").glob("*.yaml")) for d in documents(p)]
    config_maps = {
        d["metadata"]["name"]: d.get("data", {}) for d in manifests if d["kind"] == "ConfigMap"
    }
    found = []
    for document in manifests:
        for pod in pod_specs(document):
            volumes = {v["name"]: v for v in pod.get("volumes", [])}
            for spec in pod.get("initContainers", []) + pod["containers"]:
                if "/ssi:" not in spec["image"]:
                    continue
                command = json.dumps([spec.get("command"), spec.get("args")])
                where = f"{document['kind']} {document['metadata']['name']}, {spec['name']}"
                container = Container(where, command)
                for source in spec.get("envFrom", []):
                    prefix = source.get("prefix", "")
                    if "configMapRef" in source:
                        map_name = source["configMapRef"]["name"]
                        for key, value in config_maps.get(map_name, {}).items():
                            container.add(prefix + key, f"configmap:{map_name}", value=value)
                    if "secretRef" in source:
                        container.add(UNKNOWN, f"secret:{source['secretRef']['name']}")
                for variable in spec.get("env", []):
                    ref = variable.get("valueFrom", {})
                    if "secretKeyRef" in ref:
                        container.add(variable["name"], f"secret:{ref['secretKeyRef']['name']}")
                    elif "configMapKeyRef" in ref:
                        map_name = ref["configMapKeyRef"]["name"]
                        value = config_maps.get(map_name, {}).get(ref["configMapKeyRef"]["key"])
                        container.add(variable["name"], f"configmap:{map_name}", value=value)
                    else:
                        container.add(variable["name"], value=variable.get("value", ""))
                for mount in spec.get("volumeMounts", []):
                    volume = volumes.get(mount["name"], {})
                    projected = volume.get("projected", {}).get("sources", [])
                    for secret in [volume.get("secret")] + [s.get("secret") for s in projected]:
                        if secret:
                            name = secret.get("secretName") or secret.get("name")
                            container.add(UNKNOWN, f"secret:{name}")
                found.append(container)
    return found


@pytest.mark.parametrize("containers", [compose_containers, k8s_containers], ids=["compose", "k8s"])
def test_each_service_holds_only_its_own_secrets(
    containers: Callable[[], list[Container]],
) -> None:
    """Names, and where values come from: a Secret, env file or host variable that feeds one
    service's secret never reaches the other service's containers, under any name (an env_file,
    envFrom or a shared database password would hand over everything behind it)."""
    found = containers()
    services = {app: [c for c in found if app in c.runs()] for app in OWN_SECRETS}
    # What feeds a service's own secrets, and whatever is handed over whole, unread here.
    origins = {
        app: {
            s
            for c in held
            for n in (*OWN_SECRETS[app], UNKNOWN)
            for s in c.environment.get(n, set())
        }
        for app, held in services.items()
    }
    for app, others in (("incident_api", "notifier"), ("notifier", "incident_api")):
        assert services[app], f"no container runs {app}"
        assert origins[app], f"{app}'s secrets come from nowhere"
        for container in services[app]:
            held = set(container.environment)
            assert not held & OWN_SECRETS[others], (container.where, held & OWN_SECRETS[others])
            sources = set().union(*container.environment.values())
            assert not sources & origins[others], (container.where, sources & origins[others])
    # Not vacuous: each long-running service has what it needs to start in production.
    for app, needs in SERVICE_NEEDS.items():
        serving = [c for c in services[app] if not c.migrates()]
        assert serving, f"no container serves {app}"
        for container in serving:
            assert needs <= set(container.environment), (
                container.where,
                needs - set(container.environment),
            )
