"""Group message and topic callbacks (seed 32065-32585, 33070-33228, 33382-34149, 34456-34629): the
after-callbacks' bodies, from the events of confab/domain/groups/{messages,history,receipts,topics}.py.
The before-callbacks are call sites in the domain: messages.BEFORE_SEND, topics.BEFORE_CREATE.

A topic's messages and recalls use the group commands with `TopicId` in the body (seed 32183, 33155).
"""

from __future__ import annotations

from typing import Any

import msgspec

from confab.domain.groups import topics
from confab.domain.groups.history import GroupMessagesRecalled
from confab.domain.groups.messages import NO_MESSAGE, GroupMessageSent, GroupSendFailed, online_only_flag
from confab.domain.groups.notices import who
from confab.domain.groups.receipts import GroupReceiptsRead
from confab.webhooks.after import after
from confab.webhooks.before import event_time

Body = dict[str, Any]


class _Wire(msgspec.Struct):
    """What the after-send callback needs of a delivered message (messages.wire)."""

    MsgBody: msgspec.Raw
    CloudCustomData: str = ""


_decode_wire = msgspec.json.Decoder(_Wire).decode

# the topic profile fields whose change is reported (seed 34031-34033), by their names in the callback
TOPIC_INFO_FIELDS = {
    "TopicName": "Name",
    "Introduction": "Introduction",
    "Notification": "Notification",
    "FaceUrl": "FaceUrl",
}


@after("Group.CallbackAfterSendMsg", GroupMessageSent)
async def after_send(tx: Any, app: Any, event: GroupMessageSent) -> list[Body]:
    """Every message sent (stored, online-only or to a live group), as delivered: a before-callback's
    replacement included; not when the send said ForbidAfterSendMsgCallback."""
    if event.message == NO_MESSAGE or "ForbidAfterSendMsgCallback" in event.forbid_callbacks:
        return []
    wire = _decode_wire(event.message)
    body: Body = {
        "GroupId": event.group_id,
        "Type": event.group_type,
        "From_Account": event.sender,
        "Operator_Account": event.operator or who(app, None),
        "Random": event.random,
        "MsgSeq": event.msg_seq,
        "MsgTime": event.at,
        "OnlineOnlyFlag": online_only_flag(event.group_type, event.online_only),
        "MsgBody": wire.MsgBody,
        "CloudCustomData": wire.CloudCustomData,
    }
    if event.topic_id:
        body["TopicId"] = event.topic_id
    return [body | {"EventTime": event_time()}]


@after("Group.CallbackSendMsgException", GroupSendFailed)
async def send_failed(tx: Any, app: Any, event: GroupSendFailed) -> list[Body]:
    """A message that could not be sent, with the code and ErrorInfo its sender got (seed 33461-33498);
    Type is left out when the group does not exist."""
    body: Body = {"GroupId": event.group_id}
    if event.group_type:
        body["Type"] = event.group_type
    body |= {
        "From_Account": event.sender,
        "Operator_Account": event.operator,
        "Random": event.random,
        "OnlineOnlyFlag": online_only_flag(event.group_type, event.online_only),
        "MsgBody": event.body,
        "CloudCustomData": event.cloud_data or "",
    }
    if event.topic_id:
        body["TopicId"] = event.topic_id
    body |= {"ErrorCode": event.code, "ErrorInfo": event.info}
    return [body | {"EventTime": event_time()}]


@after("Group.CallbackAfterRecallMsg", GroupMessagesRecalled)
async def recalled(tx: Any, app: Any, event: GroupMessagesRecalled) -> list[Body]:
    """group_msg_recall and a device's recall; not delete_group_msg_by_sender (a deletion with no
    notice, not the recall the page names)."""
    if event.silent:
        return []
    body: Body = {
        "Operator_Account": event.operator or who(app, None),
        "Type": event.group_type,
        "GroupId": event.group_id,
        "MsgSeqList": [{"MsgSeq": seq} for seq in event.msg_seqs],
    }
    if event.topic_id:
        body["TopicId"] = event.topic_id
    return [body | {"EventTime": event_time()}]


@after("Group.CallbackAfterReadReceipt", GroupReceiptsRead)
async def read_receipts(tx: Any, app: Any, event: GroupReceiptsRead) -> list[Body]:
    """A member's new receipts: per message its counts after them, the member as the reader."""
    items = sorted(event.receipts, key=lambda item: item["MsgSeq"])
    body: Body = {
        "GroupId": event.group_id,
        "Type": event.group_type,
        "GroupMsgReceiptList": [
            {
                "MsgSeq": item["MsgSeq"],
                "ReadNum": item["ReadNum"],
                "UnreadNum": item["UnreadNum"],
                "ReadReceiptMembers": [{"Member_Account": event.reader}],
            }
            for item in items
        ],
    }
    return [body | {"EventTime": event_time()}]


# The topic pages' samples carry no EventTime, and none is added.


@after("Group.CallbackAfterCreateTopic", topics.TopicCreated)
async def topic_created(tx: Any, app: Any, event: topics.TopicCreated) -> list[Body]:
    """create_topic; not import_topic. No UserDefinedDataList: topics take no custom fields here."""
    if event.how != "created":
        return []
    body: Body = {
        "GroupId": event.group_id,
        "TopicId": event.topic_id,
        "Operator_Account": event.operator,
        "Owner_Account": event.owner,
        "Type": event.group_type,
        "Name": event.info.get("TopicName", ""),
    }
    return [body]


@after("Group.CallbackAfterTopicDestroyed", topics.TopicDestroyed)
async def topics_destroyed(tx: Any, app: Any, event: topics.TopicDestroyed) -> list[Body]:
    return [{"GroupId": event.group_id, "Type": event.group_type, "TopicIdList": list(event.topic_ids)}]


@after("Group.CallbackAfterTopicInfoChanged", topics.TopicChanged)
async def topic_changed(tx: Any, app: Any, event: topics.TopicChanged) -> list[Body]:
    """Name, introduction, notification or face URL changed (others do not trigger it); the fields
    changed only, as the group profile's callback. TopicId added: the sample has none, and without it
    the receiver could not tell which topic changed."""
    changed = {name: event.changes[field] for field, name in TOPIC_INFO_FIELDS.items() if field in event.changes}
    if not changed:
        return []
    body: Body = {
        "GroupId": event.group_id,
        "TopicId": event.topic_id,
        "Type": event.group_type,
        "Operator_Account": event.operator,
    }
    return [body | changed]
