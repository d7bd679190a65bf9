"""A local, stateful Genesys Cloud simulator for wrapguard's tests, demo and benchmarks (never shipped).

It behaves like the endpoints wrapguard uses (docs/genesys-api-notes.md): OAuth client credentials,
conversation GET, participant PATCH with `wrapup`, wrap-up code lists, analytics details query and
jobs. Participants move connected -> wrap-up window (ACW pending) -> terminated; applying outside
the window is refused. Faults (429 + Retry-After, 5xx, slow answers) are injectable, and every
request is counted per endpoint. Rate limits per token and per client (rate_limits.py) are off
unless set, on a clock tests and benchmarks control (clock.py).
"""

from .clock import Clock, ManualClock, ScaledClock
from .events import eventbridge_event
from .rate_limits import PLATFORM_DEFAULTS, RateLimits, RateLimitStats
from .server import SimulatorServer, running_simulator
from .state import Fault, SimulatorState

__all__ = [
    "PLATFORM_DEFAULTS",
    "Clock",
    "Fault",
    "ManualClock",
    "RateLimitStats",
    "RateLimits",
    "ScaledClock",
    "SimulatorServer",
    "SimulatorState",
    "eventbridge_event",
    "running_simulator",
]
