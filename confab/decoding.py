"""From bytes to a request model: the one decode path of every entry point (REST bodies, gateway frames).

msgspec does most of the work; what it lets through, or fails on in ways that are not ValidationErrors,
is handled here once instead of in each handler:
- JSON nested past the decoder's depth raises RecursionError; invalid UTF-8 raises UnicodeDecodeError:
  both are "not JSON" (`MalformedJson`), answered with the API's JSON code;
- U+0000 in any string (keys included) is refused as a ValidationError naming its field: PostgreSQL's
  text cannot hold it, and SQLite must answer the same;
- integers beyond 64 bits would reach SQL: request models declare `Int64` (or a narrower bound), and
  `unbounded_ints` lets the endpoint tables refuse a model with a bare `int` at import.
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

import msgspec

INT64_MIN = -(1 << 63)
INT64_MAX = (1 << 63) - 1

Int64 = Annotated[int, msgspec.Meta(ge=INT64_MIN, le=INT64_MAX)]

T = TypeVar("T")


class MalformedJson(Exception):
    """The input is not JSON this server reads (syntax, encoding, nesting)."""


def decode(decoder: msgspec.json.Decoder[T], data: bytes | str) -> T:
    """Decode `data` with `decoder`: MalformedJson or msgspec.ValidationError on bad input, nothing else."""
    try:
        value = decoder.decode(data)
    except msgspec.ValidationError:
        raise
    except msgspec.DecodeError as err:
        raise MalformedJson(str(err)) from None
    except UnicodeDecodeError:
        raise MalformedJson("the input is not valid UTF-8") from None
    except RecursionError:
        raise MalformedJson("JSON nested too deeply") from None
    suspect = "\\u0000" in data if isinstance(data, str) else b"\\u0000" in data  # cheap; rarely true
    if suspect:
        where = _nul_path(value, "")
        if where is not None:
            raise msgspec.ValidationError(f"Strings may not contain U+0000 - at `${where}`")
    return value


def _nul_path(value: Any, path: str) -> str | None:
    """Where in a decoded value a string holds U+0000 ('.Field[2].Key'), or None."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, msgspec.Struct):
        items: Any = ((name, getattr(value, name)) for name in value.__struct_fields__)
    elif isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list | tuple):
        for n, item in enumerate(value):
            found = _nul_path(item, f"{path}[{n}]")
            if found is not None:
                return found
        return None
    else:
        return None
    for key, item in items:
        if isinstance(key, str) and "\x00" in key:
            return f"{path}.{key.replace(chr(0), '?')}"
        found = _nul_path(item, f"{path}.{key}")
        if found is not None:
            return found
    return None


def require_bounded_ints(model: type, where: str) -> None:
    """Refuse (TypeError, at declaration) a request model whose integers are not bounded within 64 bits:
    a bare int would let 100-digit numbers reach SQL."""
    unbounded = unbounded_ints(model)
    if unbounded:
        raise TypeError(f"{where}: declare {', '.join(unbounded)} as decoding.Int64")


def unbounded_ints(model: type) -> list[str]:
    """Fields of `model` (recursively) whose integers are not bounded within 64 bits."""
    found: list[str] = []
    _walk(msgspec.inspect.type_info(model), model.__name__, found, set())
    return found


def _walk(info: msgspec.inspect.Type, where: str, found: list[str], seen: set[type]) -> None:
    mi = msgspec.inspect
    if isinstance(info, mi.IntType):
        low = info.ge if info.ge is not None else (info.gt + 1 if info.gt is not None else None)
        high = info.le if info.le is not None else (info.lt - 1 if info.lt is not None else None)
        if low is None or high is None or low < INT64_MIN or high > INT64_MAX:
            found.append(where)
    elif isinstance(info, mi.StructType):
        if info.cls in seen:
            return
        seen.add(info.cls)
        for f in info.fields:
            _walk(f.type, f"{where}.{f.name}", found, seen)
    elif isinstance(info, mi.UnionType):
        for member in info.types:
            _walk(member, where, found, seen)
    elif isinstance(info, mi.ListType | mi.SetType | mi.FrozenSetType | mi.VarTupleType):
        _walk(info.item_type, f"{where}[]", found, seen)
    elif isinstance(info, mi.DictType):
        _walk(info.key_type, f"{where}{{key}}", found, seen)
        _walk(info.value_type, f"{where}{{}}", found, seen)
    elif isinstance(info, mi.TupleType):
        for member in info.item_types:
            _walk(member, f"{where}()", found, seen)
