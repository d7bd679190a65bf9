"""How a service learns the mode it acts in: the policy, read per invocation, and the stack's default.

The policy source is a port: a callable that answers the current `WrapupPolicy` within the
invocation's deadline (policy_source.py reads AppConfig, keeping the last valid document; tests and
local runs use `fixed_policy`). What each mode does is decided where the services act (apply.py,
event_rules.py, reconcile.py): `observe` decides exactly as `enforce` up to the PATCH and records
instead of writing; `off` does not act.
"""

from __future__ import annotations

from collections.abc import Callable

from .deadline import Deadline
from .policy import Mode, WrapupPolicy

PolicySource = Callable[[Deadline], WrapupPolicy]

__all__ = ["Mode", "PolicySource", "fixed_policy"]


def fixed_policy(policy: WrapupPolicy | None = None) -> PolicySource:
    """A policy that never changes (tests, and a process that has no runtime store)."""
    fixed = policy or WrapupPolicy()

    def read(deadline: Deadline) -> WrapupPolicy:
        return fixed

    return read
