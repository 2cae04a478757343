"""The Kubernetes configuration of deploy/ (docs/deploy.md), checked as far as it can be without a cluster.

Always: every manifest parses; the parts name each other correctly (volumes, the formgrader's Service and port, the
hub Secret's key of the service's token, the staff group of the course id in nbgrader_config.py, the exchange's
path, the image); every container has CPU and memory limits and the per-person limit is `make hub`'s; the hub's
extra configuration runs and gives each person of the roster a uid of their own and the right group.
With Z2JH_CHART (a folder of the `jupyterhub` Helm chart, e.g. from `helm pull jupyterhub/jupyterhub --untar`):
the values validate against the chart's own schema, merged over its defaults as Helm does. The schema is not in any
package this course installs, and the chart is not copied into the repository, so without it that test skips.
"""
import copy
import os
import re
import sys
import types
from pathlib import Path

import jsonschema
import pytest
import yaml
from jupyterhub.traitlets import ByteSpecification
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from autograder.course import COURSE_ROOT, source_units
from hub.start import parse_args

DEPLOY = COURSE_ROOT / "deploy"
IMAGE_ROOT = "/srv/rnn-course"  # where deploy/Dockerfile puts the repository in the image


def documents(name):
    return [doc for doc in yaml.safe_load_all((DEPLOY / name).read_text()) if doc]


def values():
    return documents("z2jh-values.yaml")[0]


def kinds():
    found = {}
    for path in sorted(DEPLOY.glob("*.yaml")):
        if path.name == "z2jh-values.yaml":
            continue
        for doc in documents(path.name):
            name = doc["metadata"].get("name") or doc["metadata"]["generateName"]
            found[(doc["kind"], name)] = doc
    return found


def pod_specs():
    return {name: doc["spec"]["template"]["spec"] for (kind, name), doc in kinds().items()
            if kind in ("Deployment", "Job")}


def course_id():
    config = PyFileConfigLoader("nbgrader_config.py", path=str(COURSE_ROOT)).load_config()
    return config.CourseDirectory.course_id


def test_every_manifest_parses_into_kubernetes_objects():
    assert (DEPLOY / "z2jh-values.yaml").exists()
    found = kinds()
    assert {kind for kind, _ in found} >= {"PersistentVolumeClaim", "Deployment", "Service", "Job"}
    for (kind, name), doc in found.items():
        assert doc.get("apiVersion") and re.fullmatch(r"[a-z0-9-]+", name.rstrip("-")), (kind, name)


def test_names_referenced_exist():
    found, config = kinds(), values()
    claims = {name for kind, name in found if kind == "PersistentVolumeClaim"}
    used = [volume["persistentVolumeClaim"]["claimName"] for spec in pod_specs().values()
            for volume in spec.get("volumes", []) if "persistentVolumeClaim" in volume]
    used += [volume["persistentVolumeClaim"]["claimName"] for volume in config["singleuser"]["storage"]["extraVolumes"]]
    assert used and set(used) <= claims, (used, claims)

    # The hub's service is the course id, reached at a Service that exists, on the port its pod listens on.
    service_name = course_id()
    assert config["custom"]["courseId"] == service_name
    service = config["hub"]["services"][service_name]
    host, port = re.fullmatch(r"http://([a-z0-9-]+):(\d+)", service["url"]).groups()
    kube_service = found[("Service", host)]
    assert int(port) in {p["port"] for p in kube_service["spec"]["ports"]}
    formgrader = found[("Deployment", host)]
    assert kube_service["spec"]["selector"].items() <= formgrader["spec"]["template"]["metadata"]["labels"].items()
    container = formgrader["spec"]["template"]["spec"]["containers"][0]
    env = {item["name"]: item for item in container["env"]}
    assert env["JUPYTERHUB_SERVICE_NAME"]["value"] == service_name
    assert env["JUPYTERHUB_SERVICE_PREFIX"]["value"] == f"/services/{service_name}/"
    assert env["JUPYTERHUB_API_TOKEN"]["valueFrom"]["secretKeyRef"] == {
        "name": "hub", "key": f"hub.services.{service_name}.apiToken"}  # where the chart writes the token
    assert f"--port={port}" in " ".join(container["command"])

    # Only the course's staff group may open it.
    roles = config["hub"]["loadRoles"]
    assert [role["groups"] for role in roles.values() if f"access:services!service={service_name}" in role["scopes"]] \
        == [[f"formgrade-{service_name}"]]

    # Everyone sees the exchange at the path nbgrader is told, and the same image runs everywhere.
    exchange = config["singleuser"]["extraEnv"]["NBGRADER_EXCHANGE"]
    assert [m["mountPath"] for m in config["singleuser"]["storage"]["extraVolumeMounts"]] == [exchange]
    assert env["NBGRADER_EXCHANGE"]["value"] == exchange
    assert exchange in {m["mountPath"] for m in container["volumeMounts"]}
    image = f"{config['singleuser']['image']['name']}:{config['singleuser']['image']['tag']}"
    assert {c["image"] for spec in pod_specs().values() for c in spec["containers"] + spec.get("initContainers", [])} \
        == {image}
    # The role settings the pods point at are this repository's.
    for path in env["JUPYTER_CONFIG_PATH"]["value"].split(":"):
        assert (COURSE_ROOT / Path(path).relative_to(IMAGE_ROOT)).is_dir(), path


def test_grading_job_grades_a_unit_of_the_course():
    jobs = [doc["spec"]["template"]["spec"] for (kind, _), doc in kinds().items() if kind == "Job"]
    assert len(jobs) == 1
    command = " ".join(jobs[0]["containers"][0]["command"])
    unit = re.search(r"autograder grade (\S+)", command).group(1)
    assert unit in source_units()
    assert jobs[0]["restartPolicy"] == "Never"


def spawner_bytes(text):
    """singleuser.memory values are JupyterHub's byte specifications (K, M, G, T: powers of 1024)."""
    return ByteSpecification().validate(None, text)


def test_limits_are_set_and_match_the_hub_on_one_machine():
    for name, spec in pod_specs().items():
        for container in spec["containers"] + spec.get("initContainers", []):
            limits = container.get("resources", {}).get("limits", {})
            assert {"cpu", "memory"} <= set(limits), (name, container["name"])
    singleuser = values()["singleuser"]
    hub_memory_mb = parse_args([]).memory_mb  # `make hub`'s per-server limit
    assert spawner_bytes(singleuser["memory"]["limit"]) == hub_memory_mb * 2**20
    assert spawner_bytes(singleuser["memory"]["guarantee"]) <= spawner_bytes(singleuser["memory"]["limit"])
    assert values()["cull"]["enabled"] is True


def test_hub_extra_configuration_gives_each_person_a_uid_and_a_group():
    config = values()
    roster = config["custom"]["roster"]
    z2jh = types.ModuleType("z2jh")  # the chart's helper module, which reads the values in the hub pod
    z2jh.get_config = lambda key: copy.deepcopy(config["custom"][key.removeprefix("custom.")])
    sys.modules["z2jh"] = z2jh
    try:
        c = Config()
        for code in config["hub"]["extraConfig"].values():
            exec(compile(code, "hub.extraConfig", "exec"), {"c": c})  # our own file, run as the hub runs it
    finally:
        del sys.modules["z2jh"]
    assert c.Authenticator.allowed_users == set(roster)
    uids = {name: c.KubeSpawner.uid(types.SimpleNamespace(user=types.SimpleNamespace(name=name))) for name in roster}
    assert len(set(uids.values())) == len(roster), uids
    groups = c.JupyterHub.load_groups
    course = config["custom"]["courseId"]
    assert set(groups[f"formgrade-{course}"]["users"]) == {n for n, p in roster.items() if p["role"] != "student"}
    assert set(groups[f"nbgrader-{course}"]["users"]) == {n for n, p in roster.items() if p["role"] == "student"}
    for name, person in roster.items():
        spawner = types.SimpleNamespace(user=types.SimpleNamespace(name=name), environment={})
        c.KubeSpawner.pre_spawn_hook(spawner)
        role = "student" if person["role"] == "student" else "instructor"
        assert spawner.environment["JUPYTER_CONFIG_PATH"].startswith(f"{IMAGE_ROOT}/hub/user-config/{role}:")


def merged(defaults, override):
    """Helm's merge of user values over a chart's defaults: maps merge key by key, anything else is replaced."""
    result = copy.deepcopy(defaults)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merged(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result


def test_values_validate_against_the_chart_schema():
    chart = os.environ.get("Z2JH_CHART")
    if not chart:
        pytest.skip("set Z2JH_CHART to a folder of the jupyterhub Helm chart (values.yaml and values.schema.json "
                    "or .yaml) to validate deploy/z2jh-values.yaml against its schema")
    chart = Path(chart)
    schema_file = next((chart / name for name in ("values.schema.json", "values.schema.yaml")
                        if (chart / name).exists()), None)
    assert schema_file, f"no values.schema.json or values.schema.yaml in {chart}"
    schema = yaml.safe_load(schema_file.read_text())  # JSON is YAML
    defaults = yaml.safe_load((chart / "values.yaml").read_text())
    validator = jsonschema.Draft7Validator(schema)
    errors = sorted(validator.iter_errors(merged(defaults, values())), key=lambda error: list(error.path))
    assert not errors, "\n".join(f"{'.'.join(map(str, e.path))}: {e.message}" for e in errors[:20])
