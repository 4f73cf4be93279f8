"""Numeric settings from the environment: a bad value is logged and the default used, never a crash."""

import os

from logs import log


def env_number(name: str, default: float, minimum: float) -> float:
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not value >= minimum:  # also false for NaN
        log("error", f"{name}={raw!r} is not a number >= {minimum:g}; using {default:g}")
        return default
    return value
