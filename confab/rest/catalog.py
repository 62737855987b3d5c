"""Every REST API the seed documents (seed 004 index): the one source of each API's title and seed lines.

The list is the spec's; which of these are implemented comes from the registry, whose declarations
look their command up here (`entry`).
"""

from __future__ import annotations

from typing import NamedTuple


class Entry(NamedTuple):
    service: str
    command: str
    title: str
    seed: str  # where the seed documents it, e.g. "004:20895-21045"
    alias_of: str = ""  # for an older command name: the seed's command it stands for


SEED_ENDPOINTS: list[tuple[str, str, str, str]] = [
    # (service, command, title, seed lines)
    ("openim", "sendmsg", "Send message: one-to-one to one user", "004:770-1277"),
    ("openim", "batchsendmsg", "Sending One-to-One Messages to Multiple Users", "004:1278-1730"),
    ("group_open_http_svc", "send_group_msg", "Sending Ordinary Messages in a Group", "004:1731-2362"),
    (
        "group_open_http_svc",
        "send_group_system_notification",
        "Sending System Messages in a Group",
        "004:2363-2552",
    ),
    ("group_open_http_svc", "send_broadcast_msg", "Broadcast Message of Audio-Video Group", "004:2553-2751"),
    ("openim", "importmsg", "Importing One-to-One Messages", "004:2752-3057"),
    ("group_open_http_svc", "import_group_msg", "Importing Group Messages", "004:3058-3360"),
    ("openim", "modify_c2c_msg", "Modify historical one-to-one messages", "004:3361-3630"),
    ("openim", "modify_group_msg", "Modifying Historical Group Messages", "004:3631-3854"),
    ("openim", "admin_getroammsg", "Pull historical one-to-one messages", "004:3855-4388"),
    ("group_open_http_svc", "group_msg_get_simple", "Pulling Historical Group Messages", "004:4389-4726"),
    (
        "group_open_http_svc",
        "delete_group_msg_by_sender",
        "Delete messages sent by a specified user (group)",
        "004:4727-4894",
    ),
    ("openim", "admin_msgwithdraw", "Recall one-to-one messages", "004:4895-5086"),
    ("group_open_http_svc", "group_msg_recall", "Recalling Group Messages", "004:5087-5314"),
    ("openim", "admin_set_msg_read", "Mark one-to-one messages as read", "004:5315-5466"),
    (
        "group_open_http_svc",
        "get_group_msg_receipt_detail",
        "Pulling Group Message Read Receipt Details",
        "004:5467-5733",
    ),
    (
        "group_open_http_svc",
        "get_group_msg_receipt",
        "Pulling Read Receipts for Group Messages",
        "004:5734-5942",
    ),
    ("openim_msg_ext_http_svc", "get_key_values", "Message extension: pull, one-to-one", "004:5943-6145"),
    ("openim_msg_ext_http_svc", "set_key_values", "Message extension: set, one-to-one", "004:6146-6407"),
    ("openim_msg_ext_http_svc", "group_get_key_values", "Message extension: pull, group", "004:6408-6621"),
    (
        "openim_msg_ext_http_svc",
        "group_set_key_values",
        "Configuring Message Extension for a Group Message",
        "004:6622-6892",
    ),
    ("all_member_push", "im_push", "Pushing to All Users", "004:7013-7575"),
    ("all_member_push", "im_set_attr_name", "Setting Application Attribute Names", "004:7576-7732"),
    ("all_member_push", "im_get_attr_name", "Getting Application Attribute Names", "004:7733-7881"),
    ("all_member_push", "im_get_attr", "Getting User Attributes", "004:7882-8078"),
    ("all_member_push", "im_set_attr", "Setting User Attributes", "004:8079-8261"),
    ("all_member_push", "im_remove_attr", "Deleting User Attributes", "004:8262-8438"),
    ("all_member_push", "im_get_tag", "Getting User Tags", "004:8439-8605"),
    ("all_member_push", "im_add_tag", "Adding User Tags", "004:8606-8767"),
    ("all_member_push", "im_remove_tag", "Deleting User Tags", "004:8768-8919"),
    ("all_member_push", "im_remove_all_tags", "Deleting All Tags of a User", "004:8920-9067"),
    ("recentcontact", "get_list", "Pull a conversation list", "004:9068-9324"),
    ("group_open_http_svc", "set_unread_msg_num", "Set a member's unread count (group)", "004:9325-9497"),
    ("openim", "get_c2c_unread_msg_num", "Querying Unread One-to-One Message Count", "004:9498-9698"),
    ("recentcontact", "delete", "Delete a conversation", "004:9699-9860"),
    ("recentcontact", "create_contact_group", "Conversation groups: create", "004:9861-10098"),
    ("recentcontact", "update_contact_group", "Updating Conversation Group Data", "004:10099-10372"),
    ("recentcontact", "del_contact_group", "Deleting Conversation Group Data", "004:10373-10532"),
    ("recentcontact", "mark_contact", "Creating or Updating Conversation Mark Data", "004:10533-10770"),
    ("recentcontact", "search_contact_group", "Searching for Conversation Group Marks", "004:10771-10992"),
    ("recentcontact", "get_contact_group", "Pulling Conversation Group Mark Data", "004:10993-11222"),
    ("group_open_http_svc", "get_appid_group_list", "Get all groups in an app", "004:11223-11453"),
    ("group_open_http_svc", "create_group", "Creating a Group", "004:11454-12065"),
    ("group_open_http_svc", "destroy_group", "Disbanding a Group", "004:12066-12213"),
    (
        "group_open_http_svc",
        "get_joined_group_list",
        "Getting the Groups a User Has Joined",
        "004:12214-12774",
    ),
    ("group_open_http_svc", "get_group_info", "Get group profiles", "004:12775-13300"),
    ("group_open_http_svc", "modify_group_base_info", "Modifying the Profile of a Group", "004:13301-13616"),
    ("group_open_http_svc", "import_group", "Importing a Group Profile", "004:13617-13915"),
    ("group_open_http_svc", "add_group_member", "Add group members", "004:13916-14176"),
    ("group_open_http_svc", "delete_group_member", "Deleting Group Members", "004:14177-14403"),
    ("group_open_http_svc", "ban_group_member", "Banning Group Members", "004:14404-14566"),
    ("group_open_http_svc", "unban_group_member", "Unbanning Group Members", "004:14567-14719"),
    ("group_open_http_svc", "forbid_send_msg", "Bulk Muting and Unmuting", "004:14720-14904"),
    (
        "group_open_http_svc",
        "get_group_muted_account",
        "Getting the List of Muted Group Members",
        "004:14905-15076",
    ),
    ("group_open_http_svc", "change_group_owner", "Changing Group Owner", "004:15077-15230"),
    ("group_open_http_svc", "get_role_in_group", "Querying the Roles of Users in a Group", "004:15231-15425"),
    ("group_open_http_svc", "import_group_member", "Importing Group Members", "004:15426-15645"),
    ("group_open_http_svc", "get_group_member_info", "Get group member profiles", "004:15646-16422"),
    (
        "group_open_http_svc",
        "modify_group_member_info",
        "Modifying the Profile of a Group Member",
        "004:16423-16682",
    ),
    ("group_open_attr_http_svc", "get_group_attr", "Group custom attributes: get", "004:16683-16835"),
    ("group_open_http_svc", "modify_group_attr", "Modifying Group Custom Attributes", "004:16836-17010"),
    ("group_open_http_svc", "clear_group_attr", "Clearing Group Custom Attributes", "004:17011-17166"),
    ("group_open_http_svc", "set_group_attr", "Resetting Group Custom Attributes", "004:17167-17333"),
    ("group_open_http_svc", "delete_group_attr", "Deleting Group Custom Attributes", "004:17334-17483"),
    (
        "group_open_avchatroom_http_svc",
        "add_robots",
        "Live (AVChatRoom) group: add robots",
        "004:17484-17646",
    ),
    (
        "group_open_avchatroom_http_svc",
        "del_robots",
        "Deleting Live Streaming Group Robots",
        "004:17647-17808",
    ),
    (
        "group_open_avchatroom_http_svc",
        "modify_admin",
        "Setting/Deleting Live Streaming Group Administrators",
        "004:17809-17980",
    ),
    (
        "group_open_avchatroom_http_svc",
        "get_admin_list",
        "Obtaining the List of Live Streaming Group Administrators",
        "004:17981-18158",
    ),
    (
        "group_open_avchatroom_http_svc",
        "check_members",
        "Live group: check whether users are members",
        "004:18159-18323",
    ),
    (
        "group_open_http_svc",
        "get_online_member_num",
        "Getting the Number of Online Users in an Audio-Video Group",
        "004:18324-18484",
    ),
    (
        "group_open_avchatroom_http_svc",
        "get_members",
        "Getting the List of Online Members in Audio- Video Group",
        "004:18485-18688",
    ),
    ("group_open_avchatroom_http_svc", "modify_user_info", "Live group: set member marks", "004:18689-18948"),
    ("group_open_http_svc", "get_group_ban_member", "Get banned group members", "004:18949-19137"),
    ("million_group_open_http_svc", "create_topic", "Community: create topic", "004:19138-19402"),
    ("million_group_open_http_svc", "destroy_topic", "Deleting Topic", "004:19403-19609"),
    ("million_group_open_http_svc", "get_topic", "Getting Topic Profile", "004:19610-19929"),
    ("million_group_open_http_svc", "modify_topic", "Modifying Topic Profile", "004:19930-20148"),
    ("group_open_http_svc", "import_topic", "Importing Topic Profiles", "004:20149-20389"),
    ("group_open_http_svc", "get_group_counter", "Group counters: get", "004:20390-20555"),
    ("group_open_http_svc", "update_group_counter", "Group counters: update", "004:20556-20749"),
    ("group_open_http_svc", "delete_group_counter", "Deleting Group Counters", "004:20750-20894"),
    ("im_open_login_svc", "account_import", "Import a single account", "004:20895-21045"),
    ("im_open_login_svc", "multiaccount_import", "Importing Multiple Accounts", "004:21046-21204"),
    ("im_open_login_svc", "account_delete", "Deleting Accounts", "004:21205-21409"),
    ("im_open_login_svc", "account_check", "Querying Accounts", "004:21410-21596"),
    ("profile", "portrait_set", "Set profiles", "004:21597-21767"),
    ("profile", "portrait_get", "Pulling Profiles", "004:21768-22399"),
    ("im_open_login_svc", "kick", "Invalidate login state (kick)", "004:22400-22534"),
    ("openim", "query_online_status", "Querying Account Online Status", "004:22535-22851"),
    ("sns", "friend_add", "Add friends", "004:22852-23241"),
    ("sns", "friend_import", "Importing Friends", "004:23242-23668"),
    ("sns", "friend_update", "Updating Friends", "004:23669-24118"),
    ("sns", "friend_delete", "Deleting Friends", "004:24119-24342"),
    ("sns", "friend_delete_all", "Deleting All Friends", "004:24343-24499"),
    ("sns", "friend_check", "Verifying Friends", "004:24500-24737"),
    ("sns", "friend_get", "Pulling Friends", "004:24738-25024"),
    ("sns", "friend_get_list", "Pulling Specified Friends", "004:25025-25451"),
    ("sns", "group_add", "Friend lists: add", "004:25452-25682"),
    ("sns", "group_delete", "Deleting Lists", "004:25683-25817"),
    ("sns", "group_get", "Pulling Lists", "004:25818-26058"),
    ("sns", "black_list_add", "Blocklist: add", "004:26059-26269"),
    ("sns", "black_list_delete", "Unblocklisting Users", "004:26270-26460"),
    ("sns", "black_list_get", "Pulling a Blacklist", "004:26461-26638"),
    ("sns", "black_list_check", "Verifying Users on a Blocklist", "004:26639-26862"),
    ("openconfigsvr", "setnospeaking", "Set global mute", "004:26863-27029"),
    ("openconfigsvr", "getnospeaking", "Querying Global Mute", "004:27030-27181"),
    ("openconfigsvr", "getappinfo", "Pull operations data", "004:27182-27477"),
    ("open_msg_svc", "get_history", "Downloading Recent Messages", "004:27478-27726"),
    ("ConfigSvc", "GetIPList", "Getting Server IP Addresses", "004:27727-27840"),
    ("openim_robot_http_svc", "get_all_robots", "Chatbots: pull accounts", "004:27841-27966"),
    ("openim_robot_http_svc", "create_robot", "Creating Chatbot Accounts", "004:27967-28112"),
    ("openim_robot_http_svc", "delete_robot", "Deleting Chatbot Accounts", "004:28113-28243"),
]


# Older command names that server SDKs in use still call (DECISIONS 21): (service, old command) -> the
# seed's command. Each is registered as its own endpoint (its reply keeps the old names); it is not a
# seed API, so `confab endpoints` counts only SEED_ENDPOINTS.
ALIASES: dict[tuple[str, str], str] = {
    ("group_open_http_svc", "get_group_shutted_uin"): "get_group_muted_account",
}

_BY_KEY = {(e[0], e[1]): Entry(*e) for e in SEED_ENDPOINTS}


def entry(service: str, command: str) -> Entry:
    """The catalog's entry for v4/{service}/{command} (an older name in ALIASES gets its seed command's
    entry under its own name); LookupError when the seed does not document it."""
    found = _BY_KEY.get((service, command))
    if found is not None:
        return found
    seed_command = ALIASES.get((service, command))
    if seed_command is not None:
        seed = _BY_KEY[(service, seed_command)]
        title = f"{seed.title} (older command name of {seed_command})"
        return seed._replace(command=command, title=title, alias_of=seed_command)
    raise LookupError(f"v4/{service}/{command} is not in the seed's catalog (confab/rest/catalog.py)")
