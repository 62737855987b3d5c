"""im_open_login_svc: account_import, multiaccount_import, account_delete, account_check."""

from __future__ import annotations

import msgspec

from confab.decoding import Int64
from confab.domain import accounts
from confab.domain.limits import BATCH_ACCOUNTS_MAX
from confab.errors import ApiError
from confab.rest.call import Call
from confab.rest.replies import NoFields
from confab.rest.services import LOGIN


class AccountImport(msgspec.Struct):
    UserID: str
    Nick: str | None = None
    FaceUrl: str | None = None


class MultiAccountImport(msgspec.Struct):
    Accounts: list[str]


class MultiAccountImportReply(msgspec.Struct):
    FailAccounts: list[str]


class UserItem(msgspec.Struct):
    UserID: str


class AccountDelete(msgspec.Struct):
    DeleteItem: list[UserItem]


class AccountCheck(msgspec.Struct):
    CheckItem: list[UserItem]


class DeleteResult(msgspec.Struct):
    ResultCode: Int64
    ResultInfo: str
    UserID: str


class AccountDeleteReply(msgspec.Struct):
    ResultItem: list[DeleteResult]


class CheckResult(msgspec.Struct):
    UserID: str
    ResultCode: Int64
    ResultInfo: str
    AccountStatus: str  # "Imported" or "NotImported"


class AccountCheckReply(msgspec.Struct):
    ResultItem: list[CheckResult]


def _batch(items: list, field: str) -> None:
    if not items:
        raise ApiError(70402, f"{field} must hold at least one account")
    if len(items) > BATCH_ACCOUNTS_MAX:
        raise ApiError(70402, f"{field} holds at most {BATCH_ACCOUNTS_MAX} accounts")


@LOGIN.endpoint(
    "account_import", response=NoFields, request=AccountImport, rate_limit=200, aliases={"Identifier": "UserID"}
)
async def account_import(call: Call, req: AccountImport) -> None:
    await accounts.import_account(call.rt, call.app, req.UserID, req.Nick, req.FaceUrl)


@LOGIN.endpoint("multiaccount_import", request=MultiAccountImport, response=MultiAccountImportReply, rate_limit=100)
async def multiaccount_import(call: Call, req: MultiAccountImport) -> MultiAccountImportReply:
    _batch(req.Accounts, "Accounts")
    failed = await accounts.import_accounts(call.rt, call.app, req.Accounts)
    return MultiAccountImportReply(FailAccounts=failed)


_DELETE_INFO = {
    0: "",
    70107: "Err_TLS_PT_Open_Login_Account_Not_Exist",
    70402: "Err_Account_Is_App_Admin: remove it from the app's admins first",
}


@LOGIN.endpoint("account_delete", request=AccountDelete, response=AccountDeleteReply, rate_limit=100)
async def account_delete(call: Call, req: AccountDelete) -> AccountDeleteReply:
    _batch(req.DeleteItem, "DeleteItem")
    user_ids = [item.UserID for item in req.DeleteItem]
    results = await accounts.delete_accounts(call.rt, call.app, user_ids)
    return AccountDeleteReply(
        ResultItem=[
            DeleteResult(ResultCode=code, ResultInfo=_DELETE_INFO[code], UserID=uid) for uid, code in results.items()
        ]
    )


@LOGIN.endpoint("account_check", request=AccountCheck, response=AccountCheckReply, rate_limit=100)
async def account_check(call: Call, req: AccountCheck) -> AccountCheckReply:
    _batch(req.CheckItem, "CheckItem")
    user_ids = [item.UserID for item in req.CheckItem]
    found = await accounts.check_accounts(call.rt, call.app, user_ids)
    return AccountCheckReply(
        ResultItem=[
            CheckResult(
                UserID=uid,
                ResultCode=0,
                ResultInfo="",
                AccountStatus="Imported" if uid in found else "NotImported",
            )
            for uid in user_ids
        ]
    )
