"""deploy/ checked statically (no container engine runs here): the alert rules by promtool, the
manifests against Kubernetes' schemas, the compose file against the Compose specification's
schema, the image's shape, and every metric the rules and dashboard use against what the
services export."""

import json
import re
import shutil
import subprocess
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
    assert {"postgres", "migrate", "incident-api", "notifier", "prometheus", "grafana"} <= set(
        compose["services"]
    )
    for name in ("incident-api", "notifier"):
        depends = compose["services"][name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully"


def test_the_image_is_multi_stage_non_root_and_healthchecked() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    stages = re.split(r"(?m)^FROM ", dockerfile)[1:]
    assert len(stages) >= 2
    final = stages[-1]
    assert re.search(r"(?m)^USER (?!root|0\b)\S+", final)
    assert re.search(r"(?m)^HEALTHCHECK ", final)
    for tool in ("gcc", "build-essential", "uv sync", "apt-get install"):
        assert tool not in final, tool
