"""Fault injection: failures, throttling and slow answers for matching requests."""

from __future__ import annotations

from dataclasses import dataclass

from .world import World


@dataclass
class Fault:
    """Inject a failure into matching requests. `status=None` with `delay` only slows the answer."""

    endpoint: str | None = None  # None: every endpoint but the simulator's own
    status: int | None = 503
    retry_after: int | None = None
    delay: float = 0.0
    times: int = 1  # how many requests it hits; -1 = unlimited
    probability: float = 1.0
    path_contains: str | None = None  # only requests whose path contains this (e.g. one conversation id)


class FaultInjection(World):
    def __init__(self, seed: int = 7) -> None:
        super().__init__(seed)
        self.faults: list[Fault] = []

    def inject(self, fault: Fault) -> None:
        with self.lock:
            self.faults.append(fault)

    def clear_faults(self) -> None:
        with self.lock:
            self.faults.clear()

    def _take_fault(self, endpoint: str, path: str) -> Fault | None:
        for fault in self.faults:
            if fault.endpoint not in (None, endpoint) or fault.times == 0:
                continue
            if fault.path_contains and fault.path_contains not in path:
                continue
            if self.rng.random() >= fault.probability:
                continue
            if fault.times > 0:
                fault.times -= 1
            return fault
        return None
