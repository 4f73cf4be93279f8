"""How long each part of the init phase took: logged once as one JSON line, which the benchmark reads."""

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

PHASES_MS: dict[str, float] = {}


@contextmanager
def phase(name: str) -> Iterator[None]:
    """Wall time of a block; blocks in different threads overlap (their sum can exceed the whole)."""
    started = time.perf_counter()
    try:
        yield
    finally:
        PHASES_MS[name] = round((time.perf_counter() - started) * 1000, 1)


def process_age_ms() -> float | None:
    """Time since this process started (the runtime's start, before the handler was imported), 10 ms steps."""
    try:
        with open("/proc/self/stat") as stat, open("/proc/uptime") as uptime:
            # The command name (field 2) may hold spaces; start time is field 22, in clock ticks since boot.
            started_ticks = int(stat.read().rsplit(")", 1)[1].split()[19])
            now_s = float(uptime.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return round((now_s - started_ticks / os.sysconf("SC_CLK_TCK")) * 1000, 1)
