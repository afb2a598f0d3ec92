"""deploy/ checked statically (no container engine runs here): the alert rules by promtool, the
manifests against Kubernetes' schemas, the compose file against the Compose specification's
schema, the image's shape (and its command and health check, run with stand-ins), every metric the
rules and dashboard use against what the services export, and that each service's containers, and
the portal's, hold only their own secrets."""

import json
import re
import shutil
import subprocess
import tomllib
import urllib.request
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

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
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
    assert "SUCCESS: 8 rules found" in done.stdout


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


PORTS = {"incident-api": 8000, "notifier": 8001, "portal": 8002}
"""Each Deployment (and Service, and compose service) and the port it serves on."""


def test_manifests_say_what_production_needs() -> None:
    kinds: dict[str, list[dict[str, Any]]] = {}
    for path in (DEPLOY / "k8s").glob("*.yaml"):
        for document in documents(path):
            kinds.setdefault(document["kind"], []).append(document)
    deployments = {d["metadata"]["name"]: d for d in kinds["Deployment"]}
    assert set(deployments) == set(PORTS)
    assert deployments["notifier"]["spec"]["replicas"] >= 2
    assert deployments["portal"]["spec"]["replicas"] >= 2
    services = {s["metadata"]["name"]: s for s in kinds["Service"]}
    for name, deployment in deployments.items():
        pod = deployment["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
        assert pod["automountServiceAccountToken"] is False
        assert pod["enableServiceLinks"] is False
        [container] = pod["containers"]
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert {"requests", "limits"} <= set(container["resources"])
        hardening = container["securityContext"]
        assert hardening["allowPrivilegeEscalation"] is False
        assert hardening["readOnlyRootFilesystem"] is True
        assert hardening["capabilities"]["drop"] == ["ALL"]
        # Secrets by reference only.
        for env in container.get("env", []):
            assert "value" not in env or not env["name"].endswith(("KEYS", "TOKEN", "URL")), env
        # It listens where its Service sends, on its own port.
        env = {e["name"]: e.get("value") for e in container.get("env", [])}
        assert env["SSI_PORT"] == str(PORTS[name])
        assert [p["containerPort"] for p in container["ports"]] == [PORTS[name]]
        assert [p["port"] for p in services[name]["spec"]["ports"]] == [PORTS[name]]
        assert services[name]["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
    assert {p["metadata"]["name"] for p in kinds["PodDisruptionBudget"]} == set(deployments)
    [hpa] = kinds["HorizontalPodAutoscaler"]
    assert hpa["spec"]["scaleTargetRef"]["name"] == "incident-api"
    assert "Secret" not in kinds
    [job] = kinds["Job"]
    assert job["metadata"]["name"] == "ssi-migrate"
    migrations = {c["name"] for c in job["spec"]["template"]["spec"]["containers"]}
    assert migrations == {"migrate-incident-api", "migrate-notifier", "migrate-portal"}


def test_compose_file_follows_the_compose_specification() -> None:
    schema = json.loads((DEPLOY / "schemas" / "compose-spec.json").read_text())
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    jsonschema.Draft201909Validator(schema).validate(compose)
    services = {"postgres", "incident-api", "notifier", "portal", "prometheus", "grafana"}
    assert services <= set(compose["services"])
    for name, port in PORTS.items():
        # Each one's own migration (with its own database's URL only) runs first.
        service = compose["services"][name]
        depends = service["depends_on"]
        assert depends[f"migrate-{name}"]["condition"] == "service_completed_successfully"
        assert service["environment"]["SSI_PORT"] == str(port)
        assert service["ports"] == [f"{port}:{port}"]
    # Each database has its own role, created with its own password.
    init = (DEPLOY / "postgres" / "init.sh").read_text()
    for role in ("incident_api", "notifier", "portal"):
        assert f"CREATE ROLE {role} LOGIN PASSWORD :'{role}_password';" in init
        assert f"CREATE DATABASE {role} OWNER {role};" in init
        assert f"REVOKE ALL ON DATABASE {role} FROM PUBLIC;" in init
        password = f"{role.upper()}_DB_PASSWORD"
        assert f'-v {role}_password="${password}"' in init
        assert password in compose["services"]["postgres"]["environment"]


def dockerfile_stages() -> list[str]:
    dockerfile = (DEPLOY / "Dockerfile").read_text().replace("\\\n", " ")
    return re.split(r"(?m)^FROM ", dockerfile)[1:]


def test_the_image_is_multi_stage_non_root_and_healthchecked() -> None:
    stages = dockerfile_stages()
    assert len(stages) >= 2
    final = stages[-1]
    assert re.search(r"(?m)^USER (?!root|0\b)\S+", final)
    assert re.search(r"(?m)^HEALTHCHECK ", final)
    for tool in ("gcc", "build-essential", "uv sync", "apt-get install"):
        assert tool not in final, tool


def test_the_image_installs_the_portal_and_the_generated_client() -> None:
    """The build copies every package of the project (the portal's templates, static files and
    migrations inside `portal/`) and the path dependency `ssi-client` before the `uv sync` that
    installs them, non-editable, into the virtualenv; the final stage takes that virtualenv, and
    no copy of the sources that would shadow it."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = set(project["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"])
    assert "portal" in packages
    sources = {s["path"] for s in project["tool"]["uv"]["sources"].values() if "path" in s}
    assert sources == {"clients/python"}
    build, final = dockerfile_stages()[0], dockerfile_stages()[-1]
    copied: set[str] = set()
    syncs = 0
    for line in build.splitlines():
        if line.startswith("COPY "):
            copied.update(part.rstrip("/") for part in line.split()[1:-1])
        elif "uv sync" in line:
            syncs += 1
            assert "--frozen" in line
            if "--no-install-project" in line:
                # Dependencies alone: the path dependency is not there yet, so not installed.
                assert "clients" in copied or "--no-install-package ssi-client" in line, line
            else:
                assert "--no-editable" in line, line
                assert packages | {"clients"} <= copied, packages | {"clients"} - copied
    assert syncs == 2
    assert re.findall(r"(?m)^COPY --from=build (\S+)", final) == ["/app/.venv"]


def image_instruction(name: str) -> list[str]:
    [found] = re.findall(rf"(?m)^\s*{name} (\[.*\])$", dockerfile_stages()[-1])
    command: list[str] = json.loads(found)
    return command


APPS = {
    "incident_api": ("services.incident_api.app", 8000),
    "notifier": ("services.notifier.app", 8001),
    "portal": ("portal.app", 8002),
}


@pytest.mark.parametrize("app", [*APPS, None])
def test_the_image_serves_the_app_ssi_app_names_on_its_port(
    app: str | None, tmp_path: Path
) -> None:
    """The image's CMD, run with a stand-in `python` that prints what it was asked to run."""
    (tmp_path / "python").write_text('#!/bin/sh\necho "$@"\n')
    (tmp_path / "python").chmod(0o755)
    command = image_instruction("CMD")
    env = {"PATH": f"{tmp_path}:/usr/bin:/bin"} | ({"SSI_APP": app} if app else {})
    module, port = APPS[app or "incident_api"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    everywhere = "0.0.0.0"  # noqa: S104 - in the container, as the image's CMD says
    assert done.stdout.split() == [
        "-m",
        "services.serve",
        f"{module}:create_app",
        everywhere,
        str(port),
    ]
    done = subprocess.run(
        command, env=env | {"SSI_PORT": "9000"}, capture_output=True, text=True, check=True
    )
    assert done.stdout.split()[-1] == "9000"
    exposed = re.search(r"(?m)^EXPOSE (.*)$", dockerfile_stages()[-1])
    assert exposed
    assert str(port) in exposed.group(1).split()


def test_the_image_refuses_an_unknown_app(tmp_path: Path) -> None:
    done = subprocess.run(
        image_instruction("CMD"),
        env={"PATH": "/usr/bin:/bin", "SSI_APP": "services.portal"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode != 0
    assert "SSI_APP must be incident_api, notifier or portal" in done.stderr


@pytest.mark.parametrize("app", [*APPS, None])
def test_the_health_check_asks_the_app_on_its_port(
    app: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The HEALTHCHECK's code, run here with `urlopen` recording the address it was given."""
    python, flag, code = image_instruction("HEALTHCHECK.*CMD")
    assert (python, flag) == ("python", "-c")
    asked: list[str] = []
    monkeypatch.setattr(urllib.request, "urlopen", lambda url, timeout: asked.append(url))
    monkeypatch.delenv("SSI_PORT", raising=False)
    monkeypatch.delenv("SSI_APP", raising=False)
    if app:
        monkeypatch.setenv("SSI_APP", app)
    exec(code, {})  # noqa: S102 - the image's own health check
    monkeypatch.setenv("SSI_PORT", "9000")
    exec(code, {})  # noqa: S102
    port = APPS[app or "incident_api"][1]
    assert asked == [f"http://127.0.0.1:{port}/healthz", "http://127.0.0.1:9000/healthz"]


# Least privilege (issue 14 item 7): each service holds only its own secrets. The notifier calls
# supplier-chosen URLs, so it is the one most exposed to SSRF: it must hold nothing that opens
# install codes or reaches the API's database; the API, nothing of the notifier's. The portal is
# a client of both, facing the internet: it holds none of theirs, and they none of its.
OWN_SECRETS = {
    "incident_api": {"SSI_INSTALL_CODE_KEYS", "INCIDENT_API_DATABASE_URL"},
    "notifier": {"NOTIFIER_SECRET_KEYS", "NOTIFIER_DATABASE_URL", "NOTIFIER_API_TOKEN"},
    # And its OpenID Connect client secret, a mounted file (PORTAL_OIDC_CLIENT_SECRET_FILE).
    "portal": {"PORTAL_SESSION_KEYS", "PORTAL_DATABASE_URL"},
}
SERVICE_NEEDS = {
    "incident_api": OWN_SECRETS["incident_api"] | {"SSI_JWT_JWKS_URL", "SSI_JWT_ISSUER"},
    "notifier": OWN_SECRETS["notifier"]
    | {"NOTIFIER_INCIDENT_API_URL", "SSI_JWT_JWKS_URL", "SSI_JWT_ISSUER"},
    "portal": OWN_SECRETS["portal"]
    | {
        "PORTAL_OIDC_CLIENT_SECRET_FILE",
        "PORTAL_PUBLIC_URL",
        "PORTAL_OIDC_ISSUER",
        "PORTAL_OIDC_CLIENT_ID",
        "SSI_JWT_AUDIENCE",
        "SSI_API_URL",
        "SSI_NOTIFIER_URL",
        "SSI_ENV",
    },
}
MODULES = {
    "incident_api": "services.incident_api",
    "notifier": "services.notifier",
    "portal": "portal",
}
"""What each runs from: a command naming one of these modules runs that process."""
UNKNOWN = "*"  # the variables of an env file or Secret handed over whole, not named here


@dataclass
class Container:
    """One container of our image: what it runs, and each variable it sees with where the value
    comes from (`${VAR}` of the host, `secret:NAME`, `configmap:NAME`, `file:PATH`)."""

    where: str
    command: str
    environment: dict[str, set[str]] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    """Secret files mounted in it, by path (a directory's ends with `/`), and their origin."""

    def migrates(self) -> bool:
        return ".migrate" in self.command

    def runs(self) -> set[str]:
        # A command naming a module runs it; otherwise the image serves SSI_APP, whose default in
        # the image is the API.
        named = {
            app
            for app, module in MODULES.items()
            if re.search(rf"(?<![\w.]){re.escape(module)}\.", self.command)
        }
        return named or {self.values.get("SSI_APP", "incident_api")}

    def secret_file(self, path: str) -> str | None:
        """Where the file at `path` comes from, if a secret is mounted there."""
        if path in self.files:
            return self.files[path]
        return next(
            (origin for d, origin in self.files.items() if d.endswith("/") and path.startswith(d)),
            None,
        )

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
            target = secret_name if isinstance(secret, str) else secret.get("target", secret_name)
            container.files[target if target.startswith("/") else f"/run/secrets/{target}"] = (
                f"secret:{origin}"
            )
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
                            directory = mount["mountPath"].rstrip("/")
                            if "subPath" in mount:
                                container.files[directory] = f"secret:{name}"
                            elif "items" in secret:
                                for item in secret["items"]:
                                    path = f"{directory}/{item['path']}"
                                    container.files[path] = f"secret:{name}"
                            else:
                                container.files[directory + "/"] = f"secret:{name}"
                found.append(container)
    return found


@pytest.mark.parametrize("containers", [compose_containers, k8s_containers], ids=["compose", "k8s"])
def test_each_service_holds_only_its_own_secrets(
    containers: Callable[[], list[Container]],
) -> None:
    """Names, and where values come from: a Secret, env file or host variable that feeds one
    process's secret never reaches another's containers, under any name (an env_file, envFrom or
    a shared database password would hand over everything behind it)."""
    found = containers()
    assert all(c.runs() <= set(OWN_SECRETS) for c in found), [(c.where, c.runs()) for c in found]
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
    for app in OWN_SECRETS:
        assert services[app], f"no container runs {app}"
        assert origins[app], f"{app}'s secrets come from nowhere"
        for others in set(OWN_SECRETS) - {app}:
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


@pytest.mark.parametrize("containers", [compose_containers, k8s_containers], ids=["compose", "k8s"])
def test_the_portal_holds_no_service_secret_and_its_client_secret_as_a_file(
    containers: Callable[[], list[Container]],
) -> None:
    """The portal reaches the services by their addresses with the person's token: it needs no
    secret of theirs (nor the development HS256 secret), and reads its OpenID Connect client
    secret from a mounted secret file, never from a variable. It accepts the issuer the services
    accept, and checks the audience they require."""
    found = containers()
    [api] = [c for c in found if c.runs() == {"incident_api"} and not c.migrates()]
    portals = [c for c in found if c.runs() == {"portal"}]
    assert any(not c.migrates() for c in portals)
    for container in portals:
        held = set(container.environment)
        assert not {n for n in held if n.startswith(("INCIDENT_API_", "NOTIFIER_"))}, held
        assert not held & {"SSI_INSTALL_CODE_KEYS", "SSI_JWT_SECRET"}, held
        assert not {n for n in held if "CLIENT_SECRET" in n and not n.endswith("_FILE")}, held
        if container.migrates():
            assert held == {"PORTAL_DATABASE_URL"}, (container.where, held)
            continue
        values = container.values
        assert values["SSI_APP"] == "portal"
        assert values["SSI_ENV"] == "production"
        assert values["SSI_API_URL"] == "http://incident-api:8000"
        assert values["SSI_NOTIFIER_URL"] == "http://notifier:8001"
        assert values["PORTAL_OIDC_ISSUER"] == api.values["SSI_JWT_ISSUER"]
        assert values["SSI_JWT_AUDIENCE"] == api.values["SSI_JWT_AUDIENCE"]
        public = values["PORTAL_PUBLIC_URL"]
        assert public.startswith("https://") or public.startswith("${"), public
        origin = container.secret_file(values["PORTAL_OIDC_CLIENT_SECRET_FILE"])
        assert origin is not None, container.files
        assert origin.startswith("secret:"), origin
