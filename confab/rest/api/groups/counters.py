"""Group counters: get_group_counter, update_group_counter, delete_group_counter (seed 004 lines
20390-20894), over `confab.domain.groups.counters`. 10059 (Premium edition only) is never answered:
Confab has no editions."""

from __future__ import annotations

import msgspec

from confab.decoding import Int64
from confab.domain.groups import counters
from confab.errors import ApiError
from confab.rest.api.groups.mutes import require_group_id
from confab.rest.call import Call
from confab.rest.services import GROUP


class CounterItem(msgspec.Struct):
    Key: str | None = None
    Value: Int64 | None = None


class CounterReply(msgspec.Struct):
    Key: str
    Value: int


class CounterKeys(msgspec.Struct):
    GroupId: str | None = None
    GroupCounterKeys: list[str] | None = None


class GetCountersReply(msgspec.Struct):
    GroupCounter: list[CounterReply]


class UpdateCounters(msgspec.Struct):
    GroupId: str | None = None
    GroupCounter: list[CounterItem] | None = None
    Mode: str = "Set"


class UpdateCountersReply(msgspec.Struct):
    GroupCounter: list[CounterReply]


def _replies(values: dict[str, int]) -> list[CounterReply]:
    return [CounterReply(k, v) for k, v in values.items()]


@GROUP.endpoint("get_group_counter", request=CounterKeys, response=GetCountersReply)
async def get_group_counter(call: Call, req: CounterKeys) -> GetCountersReply:
    group_id = require_group_id(req.GroupId)
    found = await counters.get(call.rt, call.app, group_id, req.GroupCounterKeys)
    return GetCountersReply(GroupCounter=_replies(found))


@GROUP.endpoint("update_group_counter", request=UpdateCounters, response=UpdateCountersReply)
async def update_group_counter(call: Call, req: UpdateCounters) -> UpdateCountersReply:
    group_id = require_group_id(req.GroupId)
    if req.GroupCounter is None:
        raise ApiError(10004, "GroupCounter is required")
    items: list[tuple[str, int]] = []
    for item in req.GroupCounter:
        if item.Key is None or item.Value is None:
            raise ApiError(10004, "each GroupCounter item needs a Key and a Value")
        items.append((item.Key, item.Value))
    changed = await counters.update(call.rt, call.app, group_id, req.Mode, items)
    return UpdateCountersReply(GroupCounter=_replies(changed))


@GROUP.endpoint("delete_group_counter", request=CounterKeys)
async def delete_group_counter(call: Call, req: CounterKeys) -> None:
    group_id = require_group_id(req.GroupId)
    await counters.delete(call.rt, call.app, group_id, req.GroupCounterKeys)
