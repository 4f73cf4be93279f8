"""A bounded closed-loop load: N clients, each sends its next request when its previous one answered."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench.stats import summary

# One call: returns the HTTP status (or the handler's statusCode) of one request.
Send = Callable[[], int]


@dataclass
class LoadResult:
    clients: int
    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    wall_s: float = 0.0

    @property
    def errors(self) -> int:
        return len(self.failures) + sum(n for status, n in self.statuses.items() if status >= 400)

    def as_dict(self) -> dict[str, Any]:
        return {
            "clients": self.clients,
            "requests": len(self.latencies_ms),
            "errors": self.errors,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "failures": self.failures[:5],
            "wall_s": round(self.wall_s, 3),
            "throughput_rps": round(len(self.latencies_ms) / self.wall_s, 1) if self.wall_s else 0.0,
            "latency_ms": summary(self.latencies_ms) if self.latencies_ms else {},
        }


def closed_loop(make_sender: Callable[[], Send], clients: int, total: int) -> LoadResult:
    """Send `total` requests from `clients` threads; each thread gets its own sender (own HTTP session)."""
    result = LoadResult(clients=clients)
    lock = threading.Lock()
    remaining = [total]

    def take() -> bool:
        with lock:
            if remaining[0] == 0:
                return False
            remaining[0] -= 1
            return True

    def client() -> None:
        send = make_sender()
        while take():
            started = time.perf_counter()
            try:
                status = send()
            except Exception as error:  # a transport error is a result to count, not a crash of the run
                with lock:
                    result.failures.append(f"{type(error).__name__}: {error}")
                continue
            elapsed_ms = (time.perf_counter() - started) * 1000
            with lock:
                result.latencies_ms.append(elapsed_ms)
                result.statuses[status] = result.statuses.get(status, 0) + 1

    threads = [threading.Thread(target=client, name=f"load-{i}") for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.wall_s = time.perf_counter() - started
    return result
