"""A model's latest monitoring report as one self-contained HTML file: the page's own chart code
(frontend/monitoring_charts.js, run with Node) turns the report into inline SVG charts and tables; no scripts and
no network in the result."""

from __future__ import annotations

import json
import subprocess
from html import escape
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CHARTS = ROOT / "frontend" / "monitoring_charts.js"

# Imported as a data: URL, so that Node takes the page's plain .js file as an ES module.
_RENDER = """
import { readFileSync } from 'node:fs';
const source = readFileSync(process.argv[1], 'utf8');
const charts = await import('data:text/javascript;base64,' + Buffer.from(source).toString('base64'));
process.stdout.write(charts.reportMarkup(JSON.parse(readFileSync(0, 'utf8'))));
"""

_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 1rem auto; padding: 0 1rem; color: #222; }
table { border-collapse: collapse; margin: 0.25rem 0 1.25rem; font-size: 0.9rem; }
caption { text-align: left; color: #555; padding: 0.25rem 0; }
th, td { border: 1px solid #ccc; padding: 0.2rem 0.5rem; text-align: right; }
th[scope=row], thead th { text-align: left; background: #f5f5f5; }
figure.chart { margin: 1rem 0 0; } figcaption { font-weight: 600; }
svg.chart { max-width: 100%; height: auto; display: block; margin-top: 1rem; }
.note { color: #8a4b00; }
"""


class RenderError(Exception):
    """Node is missing or the chart code failed; the message says which."""


def markup(latest: dict[str, Any]) -> str:
    try:
        done = subprocess.run(
            ["node", "--input-type=module", "-e", _RENDER, str(CHARTS)],
            input=json.dumps(latest),
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
    except FileNotFoundError:
        raise RenderError("node is not installed: run make setup (it installs Node for the IAM check)") from None
    if done.returncode != 0:
        raise RenderError(f"rendering the report failed: {done.stderr.strip()[-500:]}")
    return done.stdout


def page(latest: dict[str, Any]) -> str:
    title = f"Monitoring of {latest['model']}, {latest['date']}"
    return (
        f'<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>{escape(title)}</title>\n'
        f"<style>{_STYLE}</style>\n</head>\n<body>\n<h1>{escape(title)}</h1>\n{markup(latest)}\n</body>\n</html>\n"
    )


def write(latest: dict[str, Any], out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{latest['model']}.html"
    path.write_text(page(latest))
    return path
