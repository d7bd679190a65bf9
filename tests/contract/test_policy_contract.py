"""`wrapguard-setup policy mode --queue NAME`: the queues call it makes and the simulator's answer are the
vendor's (GET /api/v2/routing/queues, RoutingApi.get_routing_queues, docs/genesys-api-notes.md s14)."""

from __future__ import annotations

import json
import re
import zipfile

import pytest

from tests.contract.vendor_models import _wheel, unknown_fields
from tests.support.world import World
from wrapguard.cli.setup.api import SetupApi
from wrapguard.domain.deadline import Deadline

pytestmark = pytest.mark.contract


def _sdk_operation(name: str) -> str:
    with zipfile.ZipFile(_wheel()) as wheel:
        source = wheel.read("PureCloudPlatformClientV2/apis/routing_api.py").decode()
    start = source.index(f"def {name}(")
    return source[start : source.index("\n    def ", start + 1)]


def test_queues_by_name_is_the_sdks_operation_and_query() -> None:
    operation = _sdk_operation("get_routing_queues")
    assert "resource_path = '/api/v2/routing/queues'" in operation
    assert "query_params['name'] = params['name']" in operation
    assert re.search(r":param str name: Include only queues with the given name \(leading and trailing", operation)
    assert ":return: QueueEntityListing" in operation


def test_simulator_answers_a_queue_entity_listing_filtered_by_name(world: World) -> None:
    client = world.client()
    sales = world.sim.queue_names[world.sales_queue]
    answer = json.loads(
        client.get("contract", "/api/v2/routing/queues", {"name": sales, "pageSize": 25}, deadline=Deadline.after(10))
    )
    assert unknown_fields(answer, "QueueEntityListing") == []
    assert [q["id"] for q in answer["entities"]] == [world.sales_queue]
    prefix = json.loads(
        client.get("contract", "/api/v2/routing/queues", {"name": sales[:3] + "*"}, deadline=Deadline.after(10))
    )
    assert world.sales_queue in [q["id"] for q in prefix["entities"]]


def test_setup_api_keeps_only_the_exact_name_from_a_wildcard_answer(world: World) -> None:
    sales = world.sim.queue_names[world.sales_queue]
    longer = world.sim.add_queue([], name=sales + " Overflow")
    api = SetupApi(world.client())
    assert [q.id for q in api.queues_named(sales)] == [world.sales_queue]
    assert [q.id for q in api.queues_named(sales + "*")] == []  # an asterisk is not a name
    assert [q.id for q in api.queues_named(sales.lower() + " overflow")] == [longer]
