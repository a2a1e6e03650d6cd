"""Read template.yaml the way the local stack needs it: functions, routes, tables, state machines.

Only the intrinsics this project's template uses are resolved (Ref, Fn::Sub, Fn::GetAtt, Fn::Join,
Fn::If on constant conditions is not needed). The template stays the single source of truth: the local
stack creates exactly what it declares.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

_SHORT_TAGS = {
    "!Ref": "Ref",
    "!Sub": "Fn::Sub",
    "!GetAtt": "Fn::GetAtt",
    "!Join": "Fn::Join",
    "!If": "Fn::If",
    "!Equals": "Fn::Equals",
    "!Not": "Fn::Not",
    "!Select": "Fn::Select",
    "!Split": "Fn::Split",
    "!FindInMap": "Fn::FindInMap",
    "!GetAZs": "Fn::GetAZs",
    "!Condition": "Condition",
}


class _CfnLoader(yaml.SafeLoader):
    """SafeLoader that turns CloudFormation short-form tags into their long form."""


def _construct(tag: str):  # type: ignore[no-untyped-def]
    def build(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
            if tag == "Fn::GetAtt" and isinstance(value, str):
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return {tag: value}

    return build


for _short, _long in _SHORT_TAGS.items():
    _CfnLoader.add_constructor(_short, _construct(_long))


def load_yaml(path: Path) -> dict[str, Any]:
    return yaml.load(path.read_text(), Loader=_CfnLoader)


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    function: str
    authenticated: bool

    @property
    def pattern(self) -> re.Pattern[str]:
        regex = ""
        for segment in self.path.strip("/").split("/"):
            if segment.startswith("{") and segment.endswith("+}"):
                regex += f"/(?P<{segment[1:-2]}>.+)"
            elif segment.startswith("{") and segment.endswith("}"):
                regex += f"/(?P<{segment[1:-1]}>[^/]+)"
            elif segment:
                regex += "/" + re.escape(segment)
        return re.compile("^" + (regex or "/") + "/?$")

    @property
    def specificity(self) -> tuple[int, int]:
        """API Gateway prefers literal segments over parameters, and greedy ones last."""
        segments = self.path.strip("/").split("/")
        literal = sum(1 for s in segments if not s.startswith("{"))
        greedy = sum(1 for s in segments if s.endswith("+}"))
        return (-greedy, literal)


@dataclass
class FunctionSpec:
    logical_id: str
    code_uri: Path
    handler: str
    environment: dict[str, Any] = field(default_factory=dict)
    events: dict[str, Any] = field(default_factory=dict)
    timeout: int = 29
    memory: int = 256
    package_type: str = "Zip"
    image_command: list[str] = field(default_factory=list)

    @property
    def module_file(self) -> Path:
        module, _, _ = self.handler.rpartition(".")
        return self.code_uri / (module.replace(".", "/") + ".py")

    @property
    def attribute(self) -> str:
        return self.handler.rpartition(".")[2]


@dataclass
class Template:
    root: Path
    raw: dict[str, Any]

    @classmethod
    def load(cls, path: Path) -> Template:
        return cls(root=path.parent, raw=load_yaml(path))

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        return self.raw.get("Resources", {})

    def of_type(self, *types: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.resources.items() if v.get("Type") in types}

    @property
    def parameters(self) -> dict[str, Any]:
        return {k: v.get("Default") for k, v in self.raw.get("Parameters", {}).items()}

    def functions(self) -> dict[str, FunctionSpec]:
        globals_fn = self.raw.get("Globals", {}).get("Function", {})
        global_env = globals_fn.get("Environment", {}).get("Variables", {})
        specs: dict[str, FunctionSpec] = {}
        for logical_id, res in self.of_type("AWS::Serverless::Function").items():
            props = res.get("Properties", {})
            env = dict(global_env)
            env.update(props.get("Environment", {}).get("Variables", {}))
            package_type = props.get("PackageType", "Zip")
            if package_type == "Image":
                # Container-image functions: Metadata.DockerContext holds the code; the command names
                # the handler as "module.attribute" relative to it.
                meta = res.get("Metadata", {})
                command = props.get("ImageConfig", {}).get("Command", [])
                code_uri = self.root / meta.get("DockerContext", ".")
                handler = command[0] if command else "app.lambda_handler"
            else:
                code_uri = self.root / props.get("CodeUri", ".")
                handler = props.get("Handler", "app.lambda_handler")
                command = []
            specs[logical_id] = FunctionSpec(
                logical_id=logical_id,
                code_uri=code_uri,
                handler=handler,
                environment=env,
                events=props.get("Events", {}) or {},
                timeout=int(props.get("Timeout", globals_fn.get("Timeout", 29))),
                memory=int(props.get("MemorySize", globals_fn.get("MemorySize", 256))),
                package_type=package_type,
                image_command=list(command),
            )
        return specs

    def api_default_authorizer(self) -> str | None:
        for res in self.of_type("AWS::Serverless::Api").values():
            auth = res.get("Properties", {}).get("Auth", {})
            default = auth.get("DefaultAuthorizer")
            if default:
                arn = auth["Authorizers"][default]["FunctionArn"]
                return _logical_id_of(arn)
        return None

    def binary_media_types(self) -> list[str]:
        types: list[str] = []
        for res in self.of_type("AWS::Serverless::Api").values():
            types += [t.replace("~1", "/") for t in res.get("Properties", {}).get("BinaryMediaTypes", [])]
        return types

    def routes(self) -> list[Route]:
        routes: list[Route] = []
        for spec in self.functions().values():
            for event in spec.events.values():
                if event.get("Type") != "Api":
                    continue
                props = event.get("Properties", {})
                auth = props.get("Auth", {}) or {}
                routes.append(
                    Route(
                        method=props["Method"].upper(),
                        path=props["Path"],
                        function=spec.logical_id,
                        authenticated=auth.get("Authorizer") != "NONE",
                    )
                )
        routes.sort(key=lambda r: r.specificity, reverse=True)
        return routes


def _logical_id_of(value: Any) -> str | None:
    if isinstance(value, dict):
        if "Fn::GetAtt" in value:
            return value["Fn::GetAtt"][0]
        if "Ref" in value:
            return value["Ref"]
    return None


class Resolver:
    """Resolves intrinsics against a map of logical id -> {"Ref": ..., attribute: ...}."""

    def __init__(self, physical: dict[str, dict[str, str]], pseudo: dict[str, str]) -> None:
        self.physical = physical
        self.pseudo = pseudo

    def ref(self, name: str) -> str:
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.physical:
            return self.physical[name]["Ref"]
        raise KeyError(f"template reference to unknown resource or parameter {name!r}")

    def resolve(self, value: Any) -> Any:
        if isinstance(value, dict):
            if len(value) == 1:
                (key, arg), = value.items()
                if key == "Ref":
                    return self.ref(arg)
                if key == "Fn::GetAtt":
                    logical, attribute = arg if isinstance(arg, list) else arg.split(".", 1)
                    return self.physical[logical][attribute]
                if key == "Fn::Sub":
                    return self._sub(arg)
                if key == "Fn::Join":
                    sep, items = arg
                    return sep.join(str(self.resolve(i)) for i in items)
            return {k: self.resolve(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        return value

    def _sub(self, arg: Any) -> str:
        text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
        resolved_vars = {k: self.resolve(v) for k, v in variables.items()}

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in resolved_vars:
                return str(resolved_vars[name])
            if "." in name:
                logical, attribute = name.split(".", 1)
                return self.physical[logical][attribute]
            return self.ref(name)

        return re.sub(r"\$\{([^}!]+)\}", replace, text)
