"""template.yaml is the architecture: every handler imports, every API event has a handler, and the
documented routes exist."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from schemashift.local.template import Template

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = Template.load(ROOT / "template.yaml")
HEAVY = ("pyarrow", "lance", "sqlalchemy", "schemashift.changelog", "asyncio.base_events")
API_ONLY = ("schemashift.changelog", "asyncio.base_events")
"""Heavy for API handlers only: the changelog package loads when a request parses a changelog, and
asyncio (which Powertools imports for its AppSync resolvers) is deferred by ``schemashift.api``, as
long as a handler imports Powertools through ``schemashift.api.app`` (its ``Response`` too)."""


@pytest.mark.parametrize("logical_id", sorted(TEMPLATE.functions()))
def test_every_handler_imports(logical_id: str) -> None:
    spec = TEMPLATE.functions()[logical_id]
    assert spec.module_file.exists(), f"{logical_id}: {spec.module_file} is missing"
    code = (
        "import importlib.util, sys\n"
        f"s = importlib.util.spec_from_file_location('handler', {str(spec.module_file)!r})\n"
        "m = importlib.util.module_from_spec(s); s.loader.exec_module(m)\n"
        f"assert callable(getattr(m, {spec.attribute!r}))\n"
        f"print(','.join(x for x in {HEAVY!r} if x in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.returncode == 0, out.stderr
    heavy = [m for m in out.stdout.strip().split(",") if m]
    if spec.package_type == "Zip" and not any(e.get("Type") != "Api" for e in spec.events.values()):
        # Zip handlers that serve no task must stay light: no pyarrow, lance or SQLAlchemy at import;
        # API handlers not the API_ONLY ones either.
        api = any(e.get("Type") == "Api" for e in spec.events.values())
        heavy = [m for m in heavy if api or m not in API_ONLY]
        assert not heavy, f"{logical_id} imports heavy modules at load time: {heavy}"


def test_every_api_event_maps_to_a_handler() -> None:
    functions = TEMPLATE.functions()
    routes = TEMPLATE.routes()
    assert routes, "the template declares no API routes"
    seen = set()
    for route in routes:
        assert route.function in functions
        key = (route.method, route.path)
        assert key not in seen, f"duplicate route {key}"
        seen.add(key)


def test_state_machine_definitions_exist_and_are_json() -> None:
    import json

    for logical_id, res in TEMPLATE.of_type("AWS::Serverless::StateMachine").items():
        path = ROOT / res["Properties"]["DefinitionUri"]
        definition = json.loads(path.read_text())
        assert definition["StartAt"] in definition["States"], logical_id


def _task_states(states: dict) -> list[tuple[str, dict]]:
    found = []
    for name, state in states.items():
        if state["Type"] == "Task":
            found.append((name, state))
        for branch in [state.get("ItemProcessor") or state.get("Iterator") or {}, *state.get("Branches", [])]:
            found += _task_states(branch.get("States", {}))
    return found


def test_every_task_retries_a_crashed_or_throttled_lambda() -> None:
    """A task Lambda that dies (out of memory, killed: ``Runtime.ExitError``), times out or is
    throttled is retried by every state machine instead of failing the run at once."""
    wanted = {"Runtime.ExitError", "Sandbox.Timedout", "Lambda.Unknown", "Lambda.TooManyRequestsException",
              "Lambda.ServiceException"}
    for logical_id, res in TEMPLATE.of_type("AWS::Serverless::StateMachine").items():
        definition = json.loads((ROOT / res["Properties"]["DefinitionUri"]).read_text())
        for name, state in _task_states(definition["States"]):
            retried = {error for retry in state.get("Retry", []) for error in retry["ErrorEquals"]}
            assert wanted <= retried, f"{logical_id}.{name} does not retry {sorted(wanted - retried)}"


def _function_key(spec) -> str:
    if spec.package_type == "Image":
        return spec.handler.split(".")[1]
    parts = spec.code_uri.resolve().relative_to(ROOT / "functions").parts
    return "_".join(parts)


@pytest.mark.parametrize("logical_id", sorted(TEMPLATE.functions()))
def test_every_function_has_a_sample_event(logical_id: str) -> None:
    key = _function_key(TEMPLATE.functions()[logical_id])
    samples = sorted((ROOT / "events").glob(f"{key}*.json"))
    assert samples, f"{logical_id}: no events/{key}*.json for `sam local invoke -e`"
    for sample in samples:
        assert isinstance(json.loads(sample.read_text()), dict)


def test_api_sample_events_never_answer_5xx(stack) -> None:
    """Each API sample event, run through its handler on the local stack, is a well-formed answer."""
    for logical_id, spec in TEMPLATE.functions().items():
        if not any(e.get("Type") == "Api" for e in spec.events.values()):
            continue
        for sample in sorted((ROOT / "events").glob(f"{_function_key(spec)}*.json")):
            response = stack.invoke(logical_id, json.loads(sample.read_text()))
            assert response["statusCode"] < 500, (sample.name, response)
            if response["statusCode"] >= 400:
                body = json.loads(response["body"])
                assert "message" in body or {"error", "code", "details", "retryable"} <= set(body), sample.name


def _statements() -> list[tuple[str, dict]]:
    """Every Allow statement the template grants (inline statements of functions, state machines, roles)."""
    found = []
    for logical_id, res in TEMPLATE.resources.items():
        props = res.get("Properties", {})
        for policy in props.get("Policies", []) or []:
            if isinstance(policy, dict) and "Statement" in policy:
                found += [(logical_id, s) for s in policy["Statement"]]
            elif isinstance(policy, dict) and "PolicyDocument" in policy:
                found += [(logical_id, s) for s in policy["PolicyDocument"]["Statement"]]
    return [(lid, s) for lid, s in found if s.get("Effect", "Allow") == "Allow"]


def _text(value: object) -> str:
    if isinstance(value, dict):
        value = value.get("Fn::Sub", value.get("Ref", json.dumps(value)))
    return value if isinstance(value, str) else json.dumps(value)


def test_iam_never_grants_wildcard_actions_on_wildcard_resources() -> None:
    statements = _statements()
    assert statements, "no inline IAM statements found"
    for logical_id, statement in statements:
        actions = statement.get("Action", [])
        actions = [actions] if isinstance(actions, str) else actions
        resources = statement.get("Resource", [])
        resources = [_text(r) for r in (resources if isinstance(resources, list) else [resources])]
        wide = [r for r in resources if r == "*" or r.endswith(":*")]
        assert not (wide and any("*" in a for a in actions)), (logical_id, statement)
    for logical_id, res in TEMPLATE.resources.items():  # SAM policy templates: never a "*" parameter
        for policy in res.get("Properties", {}).get("Policies", []) or []:
            if isinstance(policy, dict) and "Statement" not in policy and "PolicyDocument" not in policy:
                for template_name, params in policy.items():
                    assert "*" not in json.dumps(params), (logical_id, template_name, params)


def test_only_the_tenant_role_reads_secrets_and_only_under_the_account_prefix() -> None:
    readers = [(lid, s) for lid, s in _statements() if any(
        "secretsmanager" in a for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"]))]
    assert [lid for lid, _ in readers] == ["TenantSecretsRole"]
    (_, statement), = readers
    assert statement["Action"] == ["secretsmanager:GetSecretValue"]
    assert _text(statement["Resource"]).endswith(":secret:schemashift/${!aws:PrincipalTag/schemashift-account}/*")
    for logical_id, res in TEMPLATE.resources.items():
        policies = json.dumps(res.get("Properties", {}).get("Policies", []))
        assert "AWSSecretsManagerGetSecretValuePolicy" not in policies, logical_id
    trust = TEMPLATE.resources["TenantSecretsRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]
    assert "sts:TagSession" in trust["Action"] and "aws:RequestTag/schemashift-account" in json.dumps(trust)


def test_the_layer_build_ships_unchecked_bytecode_of_every_module(tmp_path: Path) -> None:
    """Lambda cannot write .pyc files, so the layer must carry them: its Makefile compiles them."""
    import importlib.util

    root = Path(__file__).resolve().parents[1]
    layer = Template.load(root / "template.yaml").resources["SharedLayer"]
    assert layer["Metadata"]["BuildMethod"] == "makefile"
    version = "{}.{}".format(*sys.version_info[:2])
    subprocess.run(["make", "-s", "-C", str(root / "layers" / "shared"), "build-SharedLayer",
                    f"ARTIFACTS_DIR={tmp_path}", f"PYTHON={sys.executable}", f"PYTHON_VERSION={version}",
                    "REQUIREMENTS="], check=True, capture_output=True)
    site = tmp_path / "python"
    sources = sorted((site / "schemashift").rglob("*.py"))
    assert len(sources) > 100
    for source in sources:
        pyc = Path(importlib.util.cache_from_source(str(source)))
        flags = int.from_bytes(pyc.read_bytes()[4:8], "little")
        assert flags == 0b01, f"{pyc} is not unchecked-hash bytecode (flags {flags:#b})"
    wrong = subprocess.run(["make", "-s", "-C", str(root / "layers" / "shared"), "build-SharedLayer",
                            f"ARTIFACTS_DIR={tmp_path / 'other'}", f"PYTHON={sys.executable}",
                            "PYTHON_VERSION=2.7", "REQUIREMENTS="], capture_output=True, text=True)
    assert wrong.returncode != 0 and "is not Python 2.7" in wrong.stdout + wrong.stderr


def test_pipeline_requests_come_from_the_own_account_unless_the_bus_policy_lets_others_in() -> None:
    """Every function answering ``...Requested`` events knows the service's AWS account (the default
    sender it trusts); other accounts reach the bus only through the optional bus policy."""
    answering = {lid for lid, spec in TEMPLATE.functions().items() for event in spec.events.values()
                 if event.get("Type") == "EventBridgeRule" and any(
                     kind.endswith("Requested") for kind in event["Properties"]["Pattern"].get("detail-type", []))}
    assert answering == {"DeploymentEventFunction", "TableMigrationEventFunction"}
    for logical_id in answering:
        assert TEMPLATE.functions()[logical_id].environment["SERVICE_AWS_ACCOUNT_ID"] == {"Ref": "AWS::AccountId"}
    assert TEMPLATE.raw["Parameters"]["TrustedEventSenderAccounts"] == {**TEMPLATE.raw["Parameters"][
        "TrustedEventSenderAccounts"], "Type": "CommaDelimitedList", "Default": ""}
    (logical_id, policy), = TEMPLATE.of_type("AWS::Events::EventBusPolicy").items()
    assert policy["Condition"] == "HasTrustedEventSenders" and "HasTrustedEventSenders" in TEMPLATE.raw["Conditions"]
    statement = policy["Properties"]["Statement"]
    assert statement["Action"] == "events:PutEvents" and statement["Effect"] == "Allow"
    assert statement["Principal"] == {"AWS": {"Ref": "TrustedEventSenderAccounts"}}
    assert statement["Resource"] == {"Fn::GetAtt": ["EventBus", "Arn"]}
