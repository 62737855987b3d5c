"""openim_robot_http_svc: create_robot, delete_robot, get_all_robots (seed 004 lines 27841-28243).
The rules are in `confab.domain.chatbots`."""

from __future__ import annotations

import msgspec

from confab.domain import chatbots
from confab.rest.call import Call
from confab.rest.replies import NoFields
from confab.rest.services import ROBOT


class CreateRobot(msgspec.Struct):
    UserID: str
    Nick: str | None = None
    FaceUrl: str | None = None
    SelfSignature: str | None = None


class DeleteRobot(msgspec.Struct):
    Robot_Account: str


class GetAllRobots(msgspec.Struct):
    pass


class GetAllRobotsReply(msgspec.Struct):
    Robot_Account: list[str]


@ROBOT.endpoint("create_robot", request=CreateRobot, response=NoFields, rate_limit=200)
async def create_robot(call: Call, req: CreateRobot) -> None:
    await chatbots.create(call.rt, call.app, req.UserID, req.Nick, req.FaceUrl, req.SelfSignature)


@ROBOT.endpoint("delete_robot", request=DeleteRobot, response=NoFields, rate_limit=200)
async def delete_robot(call: Call, req: DeleteRobot) -> None:
    await chatbots.delete(call.rt, call.app, req.Robot_Account)


@ROBOT.endpoint("get_all_robots", request=GetAllRobots, response=GetAllRobotsReply, rate_limit=200)
async def get_all_robots(call: Call, req: GetAllRobots) -> GetAllRobotsReply:
    return GetAllRobotsReply(Robot_Account=await chatbots.all_robots(call.rt, call.app))
