"""One line per build step on stderr, with its duration; machine-readable results go to the manifest."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO


class Progress:
    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.total = total
        self.done = 0
        self.stream = stream or sys.stderr
        self.start = time.monotonic()

    def say(self, message: str) -> None:
        print(f"[lambda_zip] {message}", file=self.stream, flush=True)

    @contextmanager
    def step(self, title: str) -> Iterator[None]:
        self.done += 1
        prefix = f"[{self.done}/{self.total}] {title}"
        tty = self.stream.isatty()
        if tty:
            print(f"[lambda_zip] {prefix} ...", end="\r", file=self.stream, flush=True)
        began = time.monotonic()
        yield
        self.say(f"{prefix} ({time.monotonic() - began:.1f} s)")

    def elapsed(self) -> float:
        return time.monotonic() - self.start
