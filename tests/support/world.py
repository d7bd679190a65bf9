"""A ready simulator world: one OAuth client, codes, two queues; helpers to build clients against it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
from pydantic import SecretStr

from genesys_simulator import SimulatorState
from genesys_simulator.server import mock_transport
from wrapguard.genesys.client import GenesysClient, RetryPolicy
from wrapguard.genesys.credentials import ClientCredentials
from wrapguard.genesys.gateway import GenesysGateway

CLIENT_ID = "wrapguard-test-client"
CLIENT_SECRET = "s3cr3t-Do-Not-Log-7f9a"


@dataclass
class World:
    sim: SimulatorState = field(default_factory=SimulatorState)
    sleeps: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.sim.add_client(CLIENT_ID, CLIENT_SECRET)
        self.resolved = self.sim.add_code("Resolved")
        self.escalated = self.sim.add_code("Escalated")
        self.sales = self.sim.add_code("Sale")
        self.support_queue = self.sim.add_queue(
            [self.resolved, self.escalated],
        )
        self.sales_queue = self.sim.add_queue([self.sales, self.resolved])

    def client(
        self,
        *,
        secret: str = CLIENT_SECRET,
        max_attempts: int = 4,
        timeout: float = 5.0,
        base_url: str = "http://genesys.test",
    ) -> GenesysClient:
        http = httpx.Client(transport=mock_transport(self.sim)) if base_url == "http://genesys.test" else None
        return GenesysClient(
            api_url=base_url,
            login_url=base_url,
            credentials=ClientCredentials(client_id=CLIENT_ID, client_secret=SecretStr(secret)),
            timeout_seconds=timeout,
            retry=RetryPolicy(max_attempts=max_attempts, base_delay=0.01, sleep=self.sleeps.append),
            http=http,
        )

    def gateway(self, **client: Any) -> GenesysGateway:
        """The domain's Genesys port over a client of this world (see `client` for the options)."""
        return GenesysGateway(self.client(**client))

    def call_in_acw(self, queue: str | None = None) -> tuple[str, str]:
        cid, pid = self.sim.new_call(queue or self.support_queue)
        self.sim.agent_disconnect(cid, pid)
        return cid, pid


def ended_call(world: World, start: datetime, *, coded: bool, queue: str | None = None) -> tuple[str, str]:
    """A call that started at `start` and ended 3 minutes later, with or without a wrap-up code."""
    cid, pid = world.sim.new_call(queue or world.support_queue, start=start)
    world.sim.agent_disconnect(cid, pid, at=start + timedelta(minutes=2))
    world.sim.complete_acw(cid, pid, agent_code=world.resolved if coded else None, at=start + timedelta(minutes=3))
    return cid, pid
