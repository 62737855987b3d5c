"""MsgBody validation: every element type of the vendor's message formats, field by field.

Shared by one-to-one and (later) group messages: `validate_body` raises ApiError with the code the
calling API documents for a malformed body, naming the element and field at fault.
"""

from __future__ import annotations

from typing import Any

from confab.errors import ApiError

MAX_PACKET_BYTES = 12 * 1024  # DECISIONS 1: compact MsgBody JSON + CloudCustomData

_STR, _INT, _NUM, _LIST = "string", "integer", "number", "array"

# MsgType -> {field: type}; (required fields) per the reference's "REST senders must fill" rules.
# Field-name casings the seed shows are both accepted (DECISIONS 17).
_FIELDS: dict[str, dict[str, str]] = {
    "TIMTextElem": {"Text": _STR},
    "TIMLocationElem": {"Desc": _STR, "Latitude": _NUM, "Longitude": _NUM},
    "TIMFaceElem": {"Index": _INT, "Data": _STR},
    "TIMCustomElem": {"Data": _STR, "Desc": _STR, "Ext": _STR, "Sound": _STR},
    "TIMSoundElem": {"Url": _STR, "URL": _STR, "UUID": _STR, "Size": _INT, "Second": _INT, "Download_Flag": _INT},
    "TIMImageElem": {"UUID": _STR, "ImageFormat": _INT, "ImageInfoArray": _LIST},
    "TIMFileElem": {
        "Url": _STR,
        "URL": _STR,
        "UUID": _STR,
        "FileSize": _INT,
        "FileName": _STR,
        "fileName": _STR,
        "Download_Flag": _INT,
    },
    "TIMVideoFileElem": {
        "VideoUrl": _STR,
        "VideoUUID": _STR,
        "VideoSize": _INT,
        "VideoSecond": _INT,
        "VideoFormat": _STR,
        "VideoDownloadFlag": _INT,
        "ThumbUrl": _STR,
        "ThumbUUID": _STR,
        "ThumbSize": _INT,
        "ThumbWidth": _INT,
        "ThumbHeight": _INT,
        "ThumbFormat": _STR,
        "ThumbDownloadFlag": _INT,
    },
    "TIMRelayElem": {
        "Title": _STR,
        "MsgNum": _INT,
        "CompatibleText": _STR,
        "AbstractList": _LIST,
        "MsgList": _LIST,
        "JsonMsgKey": _STR,
    },
}
_REQUIRED: dict[str, tuple[tuple[str, ...], ...]] = {
    # each inner tuple: one of these names must be present
    "TIMTextElem": (("Text",),),
    "TIMLocationElem": (("Latitude",), ("Longitude",)),
    "TIMFaceElem": (("Index",),),
    "TIMCustomElem": (),
    "TIMSoundElem": (("Url", "URL"), ("UUID",), ("Download_Flag",)),
    "TIMImageElem": (("UUID",), ("ImageInfoArray",)),
    "TIMFileElem": (("Url", "URL"), ("UUID",), ("Download_Flag",)),
    "TIMVideoFileElem": (
        ("VideoUrl",),
        ("VideoUUID",),
        ("ThumbUrl",),
        ("ThumbUUID",),
        ("ThumbWidth",),
        ("ThumbHeight",),
        ("VideoDownloadFlag",),
        ("ThumbDownloadFlag",),
    ),
    "TIMRelayElem": (("MsgNum",),),
}
_IMAGE_INFO = {"Type": _INT, "Size": _INT, "Width": _INT, "Height": _INT, "URL": _STR, "Url": _STR}

MSG_TYPES = frozenset(_FIELDS)


def _is(value: Any, kind: str) -> bool:
    if kind == _STR:
        return isinstance(value, str)
    if kind == _INT:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == _NUM:
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, list)


def validate_body(body: Any, *, code: int, not_array_code: int) -> None:
    """Raise ApiError(code) unless `body` is a well-formed, non-empty MsgBody array."""
    if not isinstance(body, list):
        raise ApiError(not_array_code, "MsgBody must be an array of message elements")
    if not body:
        raise ApiError(code, "MsgBody must hold at least one message element")
    custom = 0
    for n, element in enumerate(body):
        where = f"MsgBody[{n}]"
        if not isinstance(element, dict):
            raise ApiError(code, f"{where} must be an object with MsgType and MsgContent")
        msg_type = element.get("MsgType")
        if not isinstance(msg_type, str) or msg_type not in _FIELDS:
            raise ApiError(code, f"{where}.MsgType {msg_type!r} is not a message element type")
        content = element.get("MsgContent")
        if not isinstance(content, dict):
            raise ApiError(code, f"{where}.MsgContent must be an object")
        fields = _FIELDS[msg_type]
        for name, value in content.items():
            kind = fields.get(name)
            if kind is not None and not _is(value, kind):
                raise ApiError(code, f"{where}.MsgContent.{name} must be a{'n' if kind[0] in 'ai' else ''} {kind}")
        for options in _REQUIRED[msg_type]:
            if not any(name in content for name in options):
                raise ApiError(code, f"{where}.MsgContent.{options[0]} is required for {msg_type}")
        if msg_type == "TIMCustomElem":
            custom += 1
            if custom > 1:
                raise ApiError(code, "a message may hold at most one TIMCustomElem")
        elif msg_type == "TIMImageElem":
            _check_image_infos(content["ImageInfoArray"], where, code)
        elif msg_type == "TIMRelayElem":
            _check_string_list(content.get("AbstractList", []), f"{where}.MsgContent.AbstractList", code)


def _check_image_infos(infos: list, where: str, code: int) -> None:
    if not infos:
        raise ApiError(code, f"{where}.MsgContent.ImageInfoArray must hold at least one image")
    for n, info in enumerate(infos):
        if not isinstance(info, dict):
            raise ApiError(code, f"{where}.MsgContent.ImageInfoArray[{n}] must be an object")
        for name, value in info.items():
            kind = _IMAGE_INFO.get(name)
            if kind is not None and not _is(value, kind):
                raise ApiError(code, f"{where}.MsgContent.ImageInfoArray[{n}].{name} must be a {kind}")
        if "URL" not in info and "Url" not in info:
            raise ApiError(code, f"{where}.MsgContent.ImageInfoArray[{n}].URL is required")
        if info.get("Type", 1) not in (1, 2, 3):
            raise ApiError(code, f"{where}.MsgContent.ImageInfoArray[{n}].Type must be 1, 2 or 3")


def _check_string_list(items: list, where: str, code: int) -> None:
    if not all(isinstance(item, str) for item in items):
        raise ApiError(code, f"{where} must be an array of strings")


def packet_size(body_json: bytes, cloud_data: str | None) -> int:
    """The size DECISIONS 1 limits: compact MsgBody JSON plus CloudCustomData, in bytes."""
    return len(body_json) + (len(cloud_data.encode()) if cloud_data else 0)
