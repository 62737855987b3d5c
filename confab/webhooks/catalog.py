"""Every callback command the seed documents (reference/webhooks.md §3): the one list of them.

Which of these Confab sends comes from the registry in `after.py` (after-callbacks, built from
events) and from `before.py`'s declared call sites; `confab webhooks` checks the two against this list.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

Kind = Literal["before", "after", "request"]


class Command(NamedTuple):
    name: str
    kind: Kind
    seed: str  # "004:A-B"
    trigger: str


COMMANDS: list[Command] = [
    Command("Alert.RequestOverLimit", "after", "004:28624-28736", "an API's call rate passes 80% of its limit"),
    Command("State.StateChange", "after", "004:28737-28956", "a user logs in, logs out or is disconnected"),
    Command("Profile.CallbackPortraitSet", "after", "004:28957-29116", "a profile changed"),
    Command("Sns.CallbackPrevFriendAdd", "before", "004:29117-29347", "a device sends a friend request"),
    Command("Sns.CallbackPrevFriendResponse", "before", "004:29348-29560", "a device answers a friend request"),
    Command("Sns.CallbackFriendAdd", "after", "004:29561-29730", "a friendship was made"),
    Command("Sns.CallbackFriendDelete", "after", "004:29731-29864", "a friendship was deleted"),
    Command("Sns.CallbackBlackListAdd", "after", "004:29865-29998", "a user was blocklisted"),
    Command("Sns.CallbackBlackListDelete", "after", "004:29999-30149", "a user was taken off a blocklist"),
    Command("C2C.CallbackBeforeSendMsg", "before", "004:30150-30499", "a one-to-one message is about to be sent"),
    Command("C2C.CallbackAfterSendMsg", "after", "004:30500-30701", "a one-to-one message was sent (or failed)"),
    Command("C2C.CallbackAfterMsgReport", "after", "004:30702-30824", "a one-to-one conversation was read"),
    Command("C2C.CallbackAfterMsgWithDraw", "after", "004:30825-30946", "a one-to-one message was recalled"),
    Command("Group.CallbackBeforeCreateGroup", "before", "004:30947-31147", "a group is about to be created"),
    Command("Group.CallbackAfterCreateGroup", "after", "004:31148-31343", "a group was created"),
    Command("Group.CallbackBeforeApplyJoinGroup", "before", "004:31344-31501", "a device asks to join a group"),
    Command("Group.CallbackBeforeInviteJoinGroup", "before", "004:31502-31698", "members are about to be invited"),
    Command("Group.CallbackAfterNewMemberJoin", "after", "004:31699-31884", "members joined a group"),
    Command("Group.CallbackAfterMemberExit", "after", "004:31885-32064", "members quit or were removed"),
    Command("Group.CallbackBeforeSendMsg", "before", "004:32065-32376", "a group message is about to be sent"),
    Command("Group.CallbackAfterSendMsg", "after", "004:32377-32585", "a group message was sent"),
    Command("Group.CallbackAfterGroupFull", "after", "004:32586-32725", "a group became full"),
    Command("Group.CallbackAfterGroupDestroyed", "after", "004:32726-32893", "a group was disbanded"),
    Command("Group.CallbackAfterGroupInfoChanged", "after", "004:32894-33069", "a group's profile changed"),
    Command("Group.CallbackAfterRecallMsg", "after", "004:33070-33228", "group messages were recalled"),
    Command("Group.CallbackOnMemberStateChange", "after", "004:33229-33381", "live group watchers went Offline/Online"),
    Command("Group.CallbackSendMsgException", "after", "004:33382-33569", "a group message failed"),
    Command("Group.CallbackBeforeCreateTopic", "before", "004:33570-33710", "a topic is about to be created"),
    Command("Group.CallbackAfterCreateTopic", "after", "004:33711-33866", "a topic was created"),
    Command("Group.CallbackAfterTopicDestroyed", "after", "004:33867-34005", "topics were deleted"),
    Command("Group.CallbackAfterTopicInfoChanged", "after", "004:34006-34149", "a topic's profile changed"),
    Command("Group.CallbackAfterMemberFieldChanged", "after", "004:34150-34297", "a member's role or card changed"),
    Command("Group.CallbackAfterGroupAttrChanged", "after", "004:34298-34455", "group attributes changed"),
    Command("Group.CallbackAfterReadReceipt", "after", "004:34456-34629", "group read receipts were sent"),
    Command("Group.CallbackAfterChangeGroupOwner", "after", "004:34630-34764", "a group changed hands"),
    Command("Chatbot.OnC2CSignalMessage", "request", "004:34912-35064", "the app passes content through to a chatbot"),
]

BY_NAME: dict[str, Command] = {c.name: c for c in COMMANDS}


def command(name: str) -> Command:
    found = BY_NAME.get(name)
    if found is None:
        raise LookupError(f"{name!r} is not a callback command of the seed")
    return found
