"""Numeric settings from the environment: a bad value is logged and the default used, never a crash."""

import os

from logs import log


def env_number(name: str, default: float, minimum: float) -> float:
    return number(name, os.environ.get(name), default, minimum)


def number(name: str, raw: str | None, default: float, minimum: float, maximum: float | None = None) -> float:
    """The setting's value as given (raw, from the environment), or the default when it is unset or out of bounds."""
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not (value >= minimum and (maximum is None or value <= maximum)):  # also false for NaN
        bounds = f">= {minimum:g}" if maximum is None else f"from {minimum:g} to {maximum:g}"
        log("error", f"{name}={raw!r} is not a number {bounds}; using {default:g}")
        return default
    return value
