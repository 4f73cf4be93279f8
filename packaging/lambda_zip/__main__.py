"""CLI: `python -m lambda_zip build [--models DIR] [--force] [--no-smoke]` (run from the repository root)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lambda_zip import BuildError
from lambda_zip.build import Options, build


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="lambda_zip", description="Build build/lambda.zip for AWS Lambda.")
    sub = parser.add_subparsers(dest="command", required=True)
    cmd = sub.add_parser("build", help="build (or reuse) build/lambda.zip and build/lambda.manifest.json")
    cmd.add_argument("--repo", type=Path, default=Path.cwd(), help="repository root (default: current directory)")
    cmd.add_argument("--models", type=Path, help="folder of <name>/model.json + model.rds (default: build/models)")
    cmd.add_argument("--out", type=Path, help="zip to write (default: build/lambda.zip)")
    cmd.add_argument("--force", action="store_true", help="rebuild even if no input changed")
    cmd.add_argument("--no-smoke", action="store_true", help="skip the sandbox smoke test (the zip is unproven)")
    args = parser.parse_args(argv)
    repo = args.repo.resolve()
    out = args.out.resolve() if args.out else None
    opts = Options.for_repo(
        repo,
        models=args.models.resolve() if args.models else None,
        out=out,
        manifest=out.with_suffix(".manifest.json") if out else None,
        force=args.force,
        run_smoke=not args.no_smoke,
    )
    try:
        build(opts)
    except BuildError as error:
        print(f"lambda_zip: error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
