"""Command line: `cds-service evaluate` (check a chart without an EHR), `serve`, `load-demo` and `replay`."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from fhir.resources.R4B.servicerequest import ServiceRequest

from cds_service.cdshooks.errors import HookError
from cds_service.cdshooks.request import draft_order
from cds_service.demo_load import add_load_command
from cds_service.engine import Engine
from cds_service.knowledge import MappingError, load_knowledge
from cds_service.replay.command import add_replay_command
from cds_service.report import decision_dict, decision_text


class UsageError(Exception):
    """A problem with the command's input that the user can fix."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except (UsageError, MappingError) as exc:
        print(f"cds-service: {exc}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cds-service", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    evaluate = commands.add_parser("evaluate", help="rate the imaging order(s) in a FHIR Bundle")
    evaluate.add_argument("bundle", type=Path, help="FHIR Bundle (JSON) with the chart and, optionally, the order")
    evaluate.add_argument(
        "--order",
        metavar="SYSTEM|CODE",
        help="order code to rate, e.g. http://www.ama-assn.org/go/cpt|72141 "
        "(replaces the code of the Bundle's ServiceRequest, or creates one)",
    )
    evaluate.add_argument(
        "--date",
        type=date.fromisoformat,
        help="order date (YYYY-MM-DD) when the order has no authoredOn; default today",
    )
    evaluate.add_argument("--format", choices=("json", "text"), default="json")
    evaluate.add_argument("--mappings", type=Path, help="mappings directory (default: the shipped one)")
    evaluate.set_defaults(run=_evaluate)
    add_load_command(commands)
    add_replay_command(commands)

    try:
        from cds_service.serve import add_serve_command
    except ImportError:  # the HTTP layer is optional for the engine
        pass
    else:
        add_serve_command(commands)
    return parser


def _evaluate(args: argparse.Namespace) -> int:
    resources = _bundle_resources(args.bundle)
    engine = Engine(load_knowledge(args.mappings))
    orders = _orders(resources, args.order, args.date)
    decisions = engine.evaluate(orders, resources, today=args.date or date.today())
    if args.format == "text":
        print("\n\n".join(decision_text(d) for d in decisions))
    else:
        print(json.dumps([decision_dict(d) for d in decisions], indent=2, ensure_ascii=False))
    return 0


def _bundle_resources(path: Path) -> list[dict[str, Any]]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(document, dict) or document.get("resourceType") != "Bundle":
        raise UsageError(f"{path}: expected a FHIR Bundle")
    entries = document.get("entry") or []
    return [e["resource"] for e in entries if isinstance(e, dict) and isinstance(e.get("resource"), dict)]


def _orders(resources: list[dict[str, Any]], order_code: str | None, when: date | None) -> list[ServiceRequest]:
    raw_orders = [r for r in resources if r.get("resourceType") == "ServiceRequest"]
    if order_code:
        system, _, code = order_code.rpartition("|")
        if not system or not code:
            raise UsageError(f"--order must be SYSTEM|CODE, got {order_code!r}")
        patient = next((r for r in resources if r.get("resourceType") == "Patient"), {})
        base = (
            dict(raw_orders[0])
            if raw_orders
            else {
                "resourceType": "ServiceRequest",
                "id": "cli-order",
                "status": "draft",
                "intent": "order",
                "subject": {"reference": f"Patient/{patient.get('id', 'unknown')}"},
            }
        )
        base["code"] = {"coding": [{"system": system, "code": code}]}
        if when and "authoredOn" not in base:
            base["authoredOn"] = when.isoformat()
        raw_orders = [base]
    if not raw_orders:
        raise UsageError("the Bundle has no ServiceRequest; give the order code with --order SYSTEM|CODE")
    try:  # (checked as a hook call's drafts are: the same answer as over HTTP)
        return [draft_order(r) for r in raw_orders]
    except HookError as exc:
        raise UsageError(f"the order is not a valid ServiceRequest: {exc.message}") from None
