"""In-process AWS: a moto server with the few behaviours the local stack needs added.

- Step Functions executes the real ASL (moto's ``execute_state_machine``).
- Lambda invocations (from Step Functions, EventBridge and S3) run our handlers in-process.
- EventBridge rules deliver to Step Functions and Lambda targets (moto only delivers to a few
  target types, so matched events are forwarded here).
- PutEvents from another AWS account to a bus's ARN (``x-moto-account-id``, what
  ``schemashift local put-events --from-account`` sends) reaches that bus, stamped with the sender's
  ``account`` as on AWS. The bus's resource policy is not checked locally.
"""

from __future__ import annotations

import json
import os
import socket
import threading
from collections.abc import Callable
from typing import Any

from schemashift.local import dynamo_index
from schemashift.observability import logger

LambdaDispatcher = Callable[[str, bytes, bool], tuple[bytes, str | None]]
"""(function name or ARN, payload, asynchronous) -> (response payload, function error or None)."""

_dispatcher: LambdaDispatcher | None = None
_patched = False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def set_dispatcher(dispatcher: LambdaDispatcher | None) -> None:
    global _dispatcher
    _dispatcher = dispatcher


def _dispatch(name: str, body: Any, asynchronous: bool) -> tuple[bytes, str | None]:
    if _dispatcher is None:
        raise RuntimeError("no local Lambda dispatcher is registered")
    payload = body if isinstance(body, bytes) else (body or "{}").encode()
    if asynchronous:
        threading.Thread(target=_dispatcher, args=(name, payload, True), daemon=True).start()
        return b"", None
    return _dispatcher(name, payload, False)


def _patch_moto() -> None:
    """Install the Lambda, EventBridge and S3 hooks once per process."""
    global _patched
    if _patched:
        return
    from moto.awslambda_simple.models import LambdaSimpleBackend
    from moto.events.models import Rule
    from moto.s3 import notifications

    def invoke(self: Any, function_name: str, qualifier: Any, body: Any, headers: Any, response_headers: Any):
        asynchronous = (headers or {}).get("X-Amz-Invocation-Type") == "Event"
        payload, error = _dispatch(function_name, body, asynchronous)
        if error:
            response_headers["x-amz-function-error"] = error
        return payload

    LambdaSimpleBackend.invoke = invoke  # type: ignore[method-assign]

    original_send = Rule.send_to_targets

    def send_to_targets(self: Any, original_event: dict[str, Any], transform_input: bool = True) -> None:
        ours = [t for t in self.targets if t["Arn"].split(":")[2] in ("states", "lambda")]
        others = [t for t in self.targets if t not in ours]
        if others:
            all_targets, self.targets = self.targets, others
            try:
                original_send(self, original_event, transform_input)
            finally:
                self.targets = all_targets
        if not ours or not self.event_pattern.matches_event(original_event):
            return
        for target in ours:
            arn: str = target["Arn"]
            event = original_event.get("detail", {}) if target.get("InputPath") == "$.detail" else original_event
            if arn.split(":")[2] == "states":
                _start_execution(arn, event)
            else:
                _dispatch(arn, json.dumps(event).encode(), True)

    Rule.send_to_targets = send_to_targets  # type: ignore[method-assign]

    def invoke_from_s3(account_id: str, event_body: Any, fn_arn: str, region_name: str) -> None:
        _dispatch(fn_arn, json.dumps(event_body).encode(), True)

    notifications._invoke_awslambda = invoke_from_s3  # type: ignore[attr-defined]
    _make_state_machines_copyable()
    _parse_definitions_once()
    _size_items_once()
    _reuse_interpreter_clients()
    _update_items_in_place()
    _parse_update_expressions_once()
    _serialize_item_writes()
    _convert_results_directly()
    dynamo_index.install()
    _deliver_across_accounts()
    _patched = True


_sender = threading.local()


def _deliver_across_accounts() -> None:
    """moto looks a bus ARN up by its name in the caller's own account; AWS delivers to the account the
    ARN names, with the envelope's ``account`` still the sender's."""
    from moto.events.models import EventsBackend, Rule, events_backends

    original_put, original_send = EventsBackend.put_events, Rule.send_to_targets

    def put_events(self: Any, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        owners = [_bus_account(entry.get("EventBusName")) for entry in events]
        if len(events) > 10 or all(owner in (None, self.account_id) for owner in owners):
            return original_put(self, events)  # moto's own checks (at most 10 entries) and delivery
        results: list[dict[str, Any]] = []
        for entry in events:
            owner = _bus_account(entry.get("EventBusName"))
            if owner is None or owner == self.account_id:
                results += original_put(self, [entry])
                continue
            _sender.account = self.account_id
            try:
                results += original_put(events_backends[owner][self.region_name], [entry])
            finally:
                _sender.account = None
        return results

    def send_to_targets(self: Any, event: dict[str, Any], transform_input: bool = True) -> None:
        if getattr(_sender, "account", None):
            event["account"] = _sender.account
        original_send(self, event, transform_input)

    EventsBackend.put_events = put_events  # type: ignore[method-assign]
    Rule.send_to_targets = send_to_targets  # type: ignore[method-assign]


def _bus_account(name: str | None) -> str | None:
    """The account of ``arn:aws:events:<region>:<account>:event-bus/<name>``; None for a plain name."""
    parts = (name or "").split(":")
    return parts[4] if len(parts) > 5 and parts[0] == "arn" and parts[2] == "events" else None


def _serialize_item_writes() -> None:
    """DynamoDB checks a condition and writes atomically; moto's backend does not lock, so two threads
    could both pass ``attribute_not_exists``. One lock around writes makes the emulator as strict."""
    from moto.dynamodb.models import DynamoDBBackend

    lock = threading.RLock()
    for name in ("put_item", "update_item", "delete_item", "transact_write_items"):
        original = getattr(DynamoDBBackend, name)

        def serialized(self: Any, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            with lock:
                return _original(self, *args, **kwargs)

        setattr(DynamoDBBackend, name, serialized)


def _convert_results_directly() -> None:
    """moto turns every result into plain types by asking each value, recursively, what it is
    (``isinstance`` chains, ``hasattr(to_json)``): a third of a 500-item Query's cost. The same
    conversion, dispatching on the exact type; anything unusual (binary, other objects) goes to moto's."""
    from moto.dynamodb import responses
    from moto.dynamodb.models.dynamo_type import DynamoType

    original = responses.dynamo_to_dict
    scalar = {"S", "N", "BOOL", "NULL", "SS", "NS"}

    def convert(obj: Any) -> Any:
        kind = type(obj)
        if kind is DynamoType:
            if obj.type in scalar:
                return {obj.type: obj.value}
            if obj.type in ("M", "L"):
                return {obj.type: convert(obj.value)}
            return original(obj)
        if kind is str or kind is int or kind is bool or obj is None:
            return obj
        if isinstance(obj, dict):
            return {key: convert(value) for key, value in obj.items()}
        if kind is list:
            return [convert(value) for value in obj]
        return original(obj)

    responses.dynamo_to_dict = convert


_item_copies = threading.local()


def _update_items_in_place() -> None:
    """UpdateItem deep-copies the whole item first, only to feed a DynamoDB stream; none of the
    template's tables has one, and an execution item is copied on every progress update."""
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.dynamo_type import Item

    original_update = DynamoDBBackend.update_item
    original_copy = Item.__deepcopy__

    def update_item(self: Any, table_name: str, *args: Any, **kwargs: Any) -> Any:
        streamed = self.get_table(table_name).stream_shard is not None
        _item_copies.skip = not streamed
        try:
            return original_update(self, table_name, *args, **kwargs)
        finally:
            _item_copies.skip = False

    def deepcopy(self: Any, memo: dict[int, Any]) -> Any:
        return self if getattr(_item_copies, "skip", False) else original_copy(self, memo)

    DynamoDBBackend.update_item = update_item  # type: ignore[method-assign]
    Item.__deepcopy__ = deepcopy  # type: ignore[method-assign]


_PARSED_UPDATE_EXPRESSIONS = 256
"""Update expressions kept parsed (the service sends a few dozen distinct ones)."""


def _parse_update_expressions_once() -> None:
    """moto tokenizes and parses an UpdateItem's expression twice per call (once to check the
    placeholders, once in the backend): a fifth of a progress update's cost. Keep each expression's
    tree; its readers only look (``find_clauses``) or deep-copy it before validating and executing."""
    from functools import lru_cache

    from moto.dynamodb.parsing.expressions import UpdateExpressionParser

    parse = UpdateExpressionParser.make  # bound to the class; raises on a bad expression, never cached

    UpdateExpressionParser.make = staticmethod(lru_cache(maxsize=_PARSED_UPDATE_EXPRESSIONS)(parse))  # type: ignore[method-assign]


def _reuse_interpreter_clients() -> None:
    """moto's Step Functions interpreter builds a new boto3 client (service model, endpoint rules)
    for every task it runs; reuse one per (region, service, endpoint): clients are thread-safe."""
    import importlib
    import pkgutil
    import sys

    from moto.stepfunctions.parser.asl.utils import boto_client

    original = boto_client.boto_client_for
    cache: dict[tuple[str, str, str], Any] = {}
    lock = threading.Lock()

    def boto_client_for(region: str, service: str, state_credentials: Any = None) -> Any:
        key = (region, service, os.environ.get("MOTO_PORT", ""))
        with lock:
            if key not in cache:
                cache[key] = original(region, service, state_credentials)
            return cache[key]

    boto_client.boto_client_for = boto_client_for
    package = importlib.import_module("moto.stepfunctions.parser.asl.component.state.exec")
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        importlib.import_module(info.name)  # every module that took its own reference to the factory
    for name, module in list(sys.modules.items()):
        if name.startswith("moto.stepfunctions.parser") and getattr(module, "boto_client_for", None) is original:
            module.boto_client_for = boto_client_for  # type: ignore[attr-defined]


_PARSED_DEFINITIONS = 32
"""Parse trees kept (the template has five state machines; each new definition text is one more)."""


def _parse_definitions_once() -> None:
    """moto lexes and parses a state machine's ASL on every execution (ANTLR, ~60 ms for the apply
    machine, more than its Python work of a short run). Keep each definition's parse tree (read
    only; executions share it) and build the execution's own evaluation components from it, as
    moto's parser does after parsing."""
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
    from moto.stepfunctions.parser.asl.parse.preprocessor import Preprocessor
    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

    trees: dict[str, Any] = {}
    lock = threading.Lock()

    def entrypoint(self: Any) -> Any:
        definition = self._evaluation_details.state_machine_details.definition
        with lock:
            tree = trees.get(definition)
        if tree is None:
            _, tree = AmazonStateLanguageParser.parse(definition)  # raises on a bad definition, as before
            with lock:
                while len(trees) >= _PARSED_DEFINITIONS:
                    trees.pop(next(iter(trees)))
                trees[definition] = tree
        return Preprocessor().visit(tree)

    ExecutionWorker._get_evaluation_entrypoint = entrypoint  # type: ignore[method-assign]


def _size_items_once() -> None:
    """moto re-sums the size of every attribute already set each time it sets one, so building an
    item is quadratic in its attributes (a tenth of a checkpoint's cost). Size it once, same limit,
    and build the attribute values of the plain types directly (moto's constructor asks each value
    what it is several times: half of a write's cost in the emulator). Sizing an item read by a
    Query takes the same short cut."""
    from moto.dynamodb.exceptions import ItemSizeTooLarge
    from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
    from moto.dynamodb.models.utilities import bytesize

    new = DynamoType.__new__

    def value_of(wire: Any) -> Any:
        """``DynamoType(wire)`` for ``{"S": ...}``, ``{"N": ...}``, ``{"BOOL"|"NULL": ...}``, lists and maps."""
        if type(wire) is not dict or len(wire) != 1:
            return DynamoType(wire)
        ((kind, raw),) = wire.items()
        if kind == "M":
            raw = {key: value_of(value) for key, value in raw.items()}
        elif kind == "L":
            raw = [value_of(value) for value in raw]
        elif kind not in ("S", "N", "BOOL", "NULL"):
            return DynamoType(wire)
        value = new(DynamoType)
        value.type, value.value = kind, raw
        return value

    def size_of(value: Any) -> int:
        kind = value.type
        if kind == "S" and type(value.value) is str:
            return len(value.value.encode("utf-8"))
        if kind == "N":
            return len(str(value.value))
        if kind in ("BOOL", "NULL") and type(value.value) is bool:
            return 1
        return value.size()

    def init(self: Any, hash_key: Any, range_key: Any, attrs: dict[str, Any]) -> None:
        self.hash_key = hash_key
        self.range_key = range_key
        converted = {key: value_of(value) for key, value in attrs.items()}
        if sum(bytesize(key) + size_of(value) for key, value in converted.items()) > 405000:
            raise ItemSizeTooLarge
        self.attrs = LimitedSizeDict(converted)  # its constructor does not re-check each key

    def size(self: Any) -> int:
        """moto's ``Item.size`` (a Query sums it over every item it reads, for the 1 MB page), same sum."""
        return sum(bytesize(key) + size_of(value) for key, value in self.attrs.items())

    Item.__init__ = init  # type: ignore[method-assign]
    Item.size = size  # type: ignore[method-assign]


def _make_state_machines_copyable() -> None:
    """moto deep-copies the state machine on every StartExecution, including its running executions
    (threads, locks) and its backend; copy the definition only, so executions can overlap."""
    import copy

    from moto.stepfunctions.models import StateMachineInstance

    def deepcopy(self: Any, memo: dict[int, Any]) -> Any:
        clone = self.__class__.__new__(self.__class__)
        memo[id(self)] = clone
        for key, value in self.__dict__.items():
            if key == "executions":
                setattr(clone, key, [])
            elif key == "backend":
                setattr(clone, key, value)
            else:
                setattr(clone, key, copy.deepcopy(value, memo))
        return clone

    StateMachineInstance.__deepcopy__ = deepcopy  # type: ignore[attr-defined]


def _start_execution(state_machine_arn: str, event: dict[str, Any]) -> None:
    from schemashift.aws import client

    try:
        client("stepfunctions").start_execution(stateMachineArn=state_machine_arn, input=json.dumps(event))
    except Exception:
        logger.exception("local EventBridge could not start a state machine", extra={"arn": state_machine_arn})


class _MotoHttpServer:
    """moto's HTTP server (what ``ThreadedMotoServer`` runs), with the kept services' locks."""

    def __init__(self, port: int) -> None:
        self.port = port
        self._server: Any = None
        self._thread: threading.Thread | None = None

    def start(self) -> _MotoHttpServer:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
        from werkzeug.serving import make_server

        from schemashift.local.service_locks import locked_backend_app

        app = DomainDispatcherApplication(locked_backend_app(create_backend_app))
        self._server = make_server("127.0.0.1", self.port, app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True, name="moto-http")
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()


class MotoEmulator:
    """A moto server on 127.0.0.1, configured as the local AWS for this process and its children."""

    def __init__(self, port: int | None = None, region: str = "us-east-1", *, in_process: bool = True) -> None:
        self.port = port or free_port()
        self.region = region
        self.in_process = in_process
        self._server: Any = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> MotoEmulator:
        from moto.moto_api._internal.models import moto_api_backend

        _patch_moto()
        moto_api_backend.set_config(
            {"lambda": {"use_docker": False}, "stepfunctions": {"execute_state_machine": True}}
        )
        os.environ.update(
            {
                "AWS_ENDPOINT_URL": self.endpoint,
                "MOTO_PORT": str(self.port),
                "AWS_ACCESS_KEY_ID": "testing",
                "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_DEFAULT_REGION": self.region,
                "AWS_REGION": self.region,
            }
        )
        os.environ.pop("AWS_PROFILE", None)
        self._server = _MotoHttpServer(self.port).start()
        if self.in_process:
            from schemashift.local import transport

            transport.install(self.port, self.region)
        from schemashift.aws import reset_clients

        reset_clients()
        return self

    def stop(self) -> None:
        from schemashift.local import transport

        transport.uninstall()
        if self._server is not None:
            self._server.stop()
            self._server = None

    def storage_options(self) -> dict[str, str]:
        """What Lance's object store needs to reach this S3."""
        return {
            "aws_endpoint": self.endpoint,
            "allow_http": "true",
            "aws_region": self.region,
            "aws_access_key_id": "testing",
            "aws_secret_access_key": "testing",
        }
