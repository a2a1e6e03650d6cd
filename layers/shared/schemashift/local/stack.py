"""The local stack: everything template.yaml declares, running in this process without Docker.

``LocalStack(root).start()`` starts the moto emulator, creates every table, bucket, bus, rule and
state machine of the template, wires Lambda invocations to the in-process handlers, seeds the dev
API key and (optionally) serves the HTTP gateway. The emulated AWS state lives in memory.
"""

from __future__ import annotations

import json
import logging
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from schemashift.local.emulator import MotoEmulator, set_dispatcher
from schemashift.local.lambdas import LocalLambdas
from schemashift.local.template import Resolver, Template
from schemashift.observability import logger

ACCOUNT_ID = "123456789012"
DEFAULT_DEV_KEY = "local-dev-key"
DEV_ACCOUNT = "local"


@dataclass
class LocalStack:
    root: Path
    stack_name: str = "schemashift-local"
    region: str = "us-east-1"
    aws_port: int | None = None
    physical: dict[str, dict[str, str]] = field(default_factory=dict)
    emulator: MotoEmulator | None = None
    lambdas: LocalLambdas | None = None
    gateway: Any = None
    parameters: dict[str, str] = field(default_factory=dict)
    """Template parameter overrides (like ``sam deploy --parameter-overrides``)."""
    durable: bool = True
    fresh: bool = False
    journal: Any = None
    restored: dict[str, int] = field(default_factory=dict)
    ended_jobs: list[dict[str, str]] = field(default_factory=list)
    _api: Any = None

    def __post_init__(self) -> None:
        self.template = Template.load(self.root / "template.yaml")

    # ------------------------------------------------------------------ lifecycle
    def start(self, *, seed_dev_key: bool = True) -> LocalStack:
        home = Path(os.environ.setdefault("SCHEMASHIFT_HOME", str(self.root / ".schemashift")))
        home.mkdir(parents=True, exist_ok=True)
        os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
        os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
        # Local-stack settings, never the deployed defaults: SQLite instances live under the home, and
        # instances may reach databases on loopback (SCHEMASHIFT_LOOPBACK_TARGETS=deny to forbid).
        self.parameters.setdefault("SqliteInstancesRoot", str(home / "sqlite"))
        os.environ.setdefault("SCHEMASHIFT_LOOPBACK_TARGETS", "allow")
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        from schemashift.observability import isolate_log_state_per_thread

        isolate_log_state_per_thread()  # every function's log keys stay its own, as in separate Lambdas
        warnings.filterwarnings("ignore", message="No application metrics to publish")
        store = None
        if self.durable:
            from schemashift.local.journal import Journal
            from schemashift.local.state_store import StateStore

            store = StateStore(home).open(fresh=self.fresh)  # refuses a home another stack is using
        try:
            self.emulator = MotoEmulator(port=self.aws_port, region=self.region).start()
        except BaseException:
            if store is not None:
                store.close()
            raise
        from schemashift.local import bus_log

        bus_log.start(home)
        if self.fresh:
            bus_log.log_path(home).unlink(missing_ok=True)
        if store is not None:
            self.journal = Journal(store, self.region, interval=float(os.environ.get("SCHEMASHIFT_FLUSH_SECONDS",
                                                                                     "0.25")))
        self._name_resources()
        resolver = Resolver(self.physical, self._pseudo())
        functions = self.template.functions()
        for spec in functions.values():
            os.environ.update({k: str(v) for k, v in resolver.resolve(spec.environment).items()})
        from schemashift.settings import get_settings

        get_settings.cache_clear()
        self.lambdas = LocalLambdas(
            functions,
            {k: self.physical[k]["Ref"] for k in functions},
            f"arn:aws:lambda:{self.region}:{ACCOUNT_ID}:function:",
        )
        set_dispatcher(self._dispatch)
        self._provision(resolver)
        if self.journal is not None:
            from schemashift.local.recovery import end_orphaned_jobs

            self.restored = self.journal.restore()
            self.journal.start()
            self.ended_jobs = end_orphaned_jobs(self.invoke, get_settings().executions_table)
        if seed_dev_key:
            self.seed_dev_key()
        _settle_heap()
        return self

    def stop(self) -> None:
        if self.gateway is not None:
            self.gateway.stop()
            self.gateway = None
        if self.journal is not None:
            self.journal.stop()  # the last flush: a clean stop loses nothing
            self.journal.store.close()
            self.journal = None
        set_dispatcher(None)
        from schemashift.local import bus_log

        bus_log.stop()
        if self.emulator is not None:
            self.emulator.stop()
            self.emulator = None

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def describe(self) -> dict[str, Any]:
        """What other processes need to reach this stack (written to ``local.json`` by ``local up``)."""
        return {
            "pid": os.getpid(),
            "apiUrl": self.gateway.url if self.gateway else None,
            "awsEndpoint": self.emulator.endpoint if self.emulator else None,
            "region": self.region,
            "awsAccountId": ACCOUNT_ID,
            "functions": {k: v["Ref"] for k, v in self.physical.items() if k in (self.lambdas.specs if self.lambdas
                                                                                  else {})},
            "functionArnPrefix": f"arn:aws:lambda:{self.region}:{ACCOUNT_ID}:function:",
            "environment": {k: v for k, v in os.environ.items()
                            if k.endswith(("_TABLE", "_BUCKET", "_ARN"))
                            or k in ("EVENT_BUS_NAME", "DATA_BUCKET", "SERVICE_AWS_ACCOUNT_ID")
                            or k.startswith(("POWERTOOLS_", "SCHEMASHIFT_"))},
        }

    def serve(self, host: str = "127.0.0.1", port: int = 3000) -> Any:
        from schemashift.local.gateway import Gateway

        self.gateway = Gateway(self, host=host, port=port).start()
        self._note_service_endpoint(self.gateway.url)
        return self.gateway

    @staticmethod
    def _note_service_endpoint(url: str) -> None:
        """The stack's own endpoints are never database targets, loopback allowed or not."""
        from schemashift.settings import get_settings

        known = [e for e in os.environ.get("SCHEMASHIFT_SERVICE_ENDPOINTS", "").split(",") if e]
        if url and url not in known:
            os.environ["SCHEMASHIFT_SERVICE_ENDPOINTS"] = ",".join([*known, url])
            get_settings.cache_clear()

    def api(self) -> Any:
        """The gateway without a socket: ``api().dispatch(method, path, headers, body)`` for tests."""
        from schemashift.local.gateway import Gateway

        if self._api is None:
            self._api = Gateway(self)
        return self._api

    def seed_dev_key(self) -> str:
        from schemashift.auth.keys import create_api_key

        key = os.environ.get("SCHEMASHIFT_DEV_API_KEY", DEFAULT_DEV_KEY)
        create_api_key(DEV_ACCOUNT, ["*/*"], description="local development key", plaintext=key)
        return key

    # ------------------------------------------------------------------ lambda
    def _dispatch(self, name: str, payload: bytes, asynchronous: bool) -> tuple[bytes, str | None]:
        assert self.lambdas is not None
        result = self.lambdas.invoke(name, payload)
        return result.payload, result.function_error

    def invoke(self, logical_id: str, event: dict[str, Any]) -> Any:
        """Invoke a function as the Lambda service would; raises on a function error."""
        assert self.lambdas is not None
        result = self.lambdas.invoke(self.physical[logical_id]["Ref"], json.dumps(event).encode())
        if result.function_error:
            raise RuntimeError(result.json().get("errorMessage"))
        return result.json()

    # ------------------------------------------------------------------ provisioning
    def _pseudo(self) -> dict[str, str]:
        pseudo = {
            "AWS::StackName": self.stack_name,
            "AWS::Region": self.region,
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
        }
        pseudo.update({k: str(v) for k, v in self.template.parameters.items() if v is not None})
        pseudo.update(self.parameters)
        return pseudo

    def _name_resources(self) -> None:
        """Physical names are deterministic, so every reference resolves before anything is created."""
        region, acct, stack = self.region, ACCOUNT_ID, self.stack_name
        names = Resolver({}, self._pseudo())
        for logical_id, res in self.template.resources.items():
            props = res.get("Properties", {})
            kind = res["Type"]
            short = f"{stack}-{logical_id}"
            if kind == "AWS::DynamoDB::Table":
                name = names.resolve(props.get("TableName", short))
                arn = f"arn:aws:dynamodb:{region}:{acct}:table/{name}"
                self.physical[logical_id] = {"Ref": name, "Arn": arn, "StreamArn": arn + "/stream/local"}
            elif kind == "AWS::S3::Bucket":
                name = names.resolve(props.get("BucketName", short.lower()))
                self.physical[logical_id] = {"Ref": name, "Arn": f"arn:aws:s3:::{name}"}
            elif kind == "AWS::Events::EventBus":
                name = names.resolve(props.get("Name", short))
                self.physical[logical_id] = {
                    "Ref": name,
                    "Name": name,
                    "Arn": f"arn:aws:events:{region}:{acct}:event-bus/{name}",
                }
            elif kind == "AWS::Serverless::Function":
                arn = f"arn:aws:lambda:{region}:{acct}:function:{short}"
                self.physical[logical_id] = {"Ref": short, "Arn": arn}
            elif kind == "AWS::IAM::Role":
                self.physical[logical_id] = {"Ref": short, "Arn": f"arn:aws:iam::{acct}:role/{short}"}
            elif kind == "AWS::Serverless::StateMachine":
                name = props.get("Name", short)
                arn = f"arn:aws:states:{region}:{acct}:stateMachine:{name}"
                self.physical[logical_id] = {"Ref": arn, "Arn": arn, "Name": name}
            else:
                self.physical[logical_id] = {"Ref": short, "Arn": f"arn:aws:local:::{short}"}

    def _provision(self, resolver: Resolver) -> None:
        from schemashift.aws import client

        for logical_id, res in self.template.of_type("AWS::DynamoDB::Table").items():
            self._create_table(client("dynamodb"), self.physical[logical_id]["Ref"], res["Properties"])
        for logical_id in self.template.of_type("AWS::S3::Bucket"):
            name = self.physical[logical_id]["Ref"]
            client("s3").create_bucket(Bucket=name)
            client("s3").put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        for logical_id in self.template.of_type("AWS::Events::EventBus"):
            client("events").create_event_bus(Name=self.physical[logical_id]["Ref"])
        for logical_id, res in self.template.of_type("AWS::Serverless::StateMachine").items():
            self._create_state_machine(logical_id, res["Properties"], resolver)
        for logical_id, spec in (self.lambdas.specs if self.lambdas else {}).items():
            for event_id, event in spec.events.items():
                self._wire_event(logical_id, event_id, event, resolver)

    @staticmethod
    def _create_table(dynamodb: Any, name: str, props: dict[str, Any]) -> None:
        kwargs: dict[str, Any] = {
            "TableName": name,
            "AttributeDefinitions": props["AttributeDefinitions"],
            "KeySchema": props["KeySchema"],
            "BillingMode": props.get("BillingMode", "PAY_PER_REQUEST"),
        }
        if props.get("GlobalSecondaryIndexes"):
            kwargs["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
        dynamodb.create_table(**kwargs)
        ttl = props.get("TimeToLiveSpecification")
        if ttl:
            dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)

    def _create_state_machine(self, logical_id: str, props: dict[str, Any], resolver: Resolver) -> None:
        from schemashift.aws import client

        text = (self.root / props["DefinitionUri"]).read_text()
        substitutions = resolver.resolve(props.get("DefinitionSubstitutions", {}))
        for key, value in substitutions.items():
            text = text.replace("${" + key + "}", str(value))
        client("stepfunctions").create_state_machine(
            name=self.physical[logical_id]["Name"],
            definition=text,
            roleArn=f"arn:aws:iam::{ACCOUNT_ID}:role/{self.stack_name}-{logical_id}",
            type=props.get("Type", "STANDARD"),
        )
        for event_id, event in (props.get("Events") or {}).items():
            self._wire_event(logical_id, event_id, event, resolver)

    def _wire_event(self, logical_id: str, event_id: str, event: dict[str, Any], resolver: Resolver) -> None:
        """EventBridge rules and S3 notifications, targeting a function or a state machine."""
        from schemashift.aws import client

        props = resolver.resolve(event.get("Properties", {}))
        target_arn = self.physical[logical_id]["Arn"]
        if event.get("Type") == "EventBridgeRule":
            bus = props.get("EventBusName", "default")
            rule = f"{self.stack_name}-{logical_id}-{event_id}"
            client("events").put_rule(Name=rule, EventBusName=bus, EventPattern=json.dumps(props["Pattern"]))
            target: dict[str, Any] = {"Id": event_id, "Arn": target_arn}
            if props.get("InputPath"):
                target["InputPath"] = props["InputPath"]
            client("events").put_targets(Rule=rule, EventBusName=bus, Targets=[target])
        elif event.get("Type") == "S3":
            rules = props.get("Filter", {}).get("S3Key", {}).get("Rules", [])
            events = props["Events"] if isinstance(props["Events"], list) else [props["Events"]]
            config = {"LambdaFunctionArn": target_arn, "Events": events}
            if rules:
                config["Filter"] = {"Key": {"FilterRules": rules}}
            existing = client("s3").get_bucket_notification_configuration(Bucket=props["Bucket"])
            lambdas = [*existing.get("LambdaFunctionConfigurations", []), config]
            client("s3").put_bucket_notification_configuration(
                Bucket=props["Bucket"], NotificationConfiguration={"LambdaFunctionConfigurations": lambdas}
            )
        elif event.get("Type") not in ("Api", None):
            logger.warning("event type not emulated locally", extra={"function": logical_id, "event": event_id})


FULL_COLLECTION_EVERY = 100
"""Young-generation collections between two full ones (Python's default is 10)."""


def _settle_heap() -> None:
    """The emulator keeps every table, item, object and parse tree of the stack in this process:
    long-lived objects that Python's cyclic collector walks again on each full collection (~0.6 s
    of CPU each once a 500-changeset apply's state is there; one fell in every such apply, as much
    as the engine's whole run). What survived the start is moved out of the collector's view
    (``gc.freeze``: still freed when unreferenced), and full collections are ten times rarer. A
    deployed Lambda holds none of this: AWS is unaffected."""
    import gc

    gc.collect()
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, FULL_COLLECTION_EVERY)
