"""The vendor's services (the first segment of `/v4/{service}/{command}`) and the codes their APIs answer
with, declared once. An endpoint names its service object, so a misspelt code is a type error, not a
dict key that is silently ignored; an API whose page documents another code overrides it in its
declaration (e.g. sendmsg's parameter code 20001).
"""

from __future__ import annotations

from confab.rest.registry import Service

LOGIN = Service("im_open_login_svc", param_error=70402, admin_error=70403, internal_error=70500)
PROFILE = Service(
    "profile", param_error=40001, json_error=40001, admin_error=40004, internal_error=40006, error_display=True
)
OPENIM = Service("openim", param_error=90001, json_error=90001, admin_error=90009, internal_error=91000)
MSG_EXT = Service("openim_msg_ext_http_svc", param_error=10004, json_error=10004, internal_error=10002)
RECENTCONTACT = Service(
    "recentcontact", param_error=50002, json_error=50002, admin_error=50003, internal_error=50004, error_display=True
)
SNS = Service("sns", param_error=30001, json_error=30001, admin_error=30004, internal_error=30006, error_display=True)
OPENCONFIGSVR = Service("openconfigsvr", param_error=130005, json_error=130001, internal_error=130014)
# Groups (seed 004 lines 11223-20894): 10004 invalid parameter, 10007 no permission, 10002 internal.
GROUP = Service("group_open_http_svc", param_error=10004, json_error=10004, admin_error=10007, internal_error=10002)
# Communities' topics (seed 004 lines 19138-20148): the group service's codes.
MILLION_GROUP = Service(
    "million_group_open_http_svc", param_error=10004, json_error=10004, admin_error=10007, internal_error=10002
)
GROUP_ATTR = Service(
    "group_open_attr_http_svc", param_error=10004, json_error=10004, admin_error=10007, internal_error=10002
)
LIVE_GROUP = Service(
    "group_open_avchatroom_http_svc", param_error=10004, json_error=10004, admin_error=10007, internal_error=10002
)
ROBOT = Service("openim_robot_http_svc", param_error=10004, json_error=10004, admin_error=10008, internal_error=10002)
# Push to all users, attribute names, user attributes and tags (seed 004 lines 6893-9067)
ALL_MEMBER_PUSH = Service(
    "all_member_push", param_error=90001, json_error=90001, admin_error=90009, internal_error=91000
)
# ConfigSvc/GetIPList documents only the common codes (60000-79999)
CONFIG_SVC = Service("ConfigSvc", param_error=60002, json_error=60003, internal_error=70500)
# Message archives (open_msg_svc/get_history, seed 27478-27726): 1001 invalid request, 1002 invalid
# parameter (or not an admin), 1003 system error; 1004 (not generated) and 1005 (expired) are the API's own
OPEN_MSG_SVC = Service("open_msg_svc", param_error=1002, json_error=1001, admin_error=1002, internal_error=1003)
