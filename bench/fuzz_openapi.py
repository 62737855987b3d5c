"""A bounded schemathesis fuzz run over Confab's own OpenAPI document (/openapi.json).

    python bench/fuzz_openapi.py [--seconds 60] [--max-examples N] [--mode all] [--seed S] [--json out.json]
    python bench/fuzz_openapi.py --url http://127.0.0.1:8080 --sdkappid N --key K [--admin administrator]

Without --url the script starts a Confab server itself (in this process, on a temporary SQLite
database, one app with its rate limits off) and also watches the server's log: a traceback logged by
the "confab" (or "uvicorn.error") logger is a failure. With --url it fuzzes a running server and can
only judge the replies; that app should have its rate limits off (`rate_limits={"*": 0}`), and be a
scratch app: the run imports accounts fuzz_user_0..11 and writes whatever the cases write.

Every call carries the admin's sdkappid/identifier/usersig. Per operation, in its share of --seconds:
1. probes: each HOSTILE value below in each top-level field of a valid body (and as a list element,
   and as MsgBody's MsgType and Text), once;
2. schemathesis's coverage cases (boundary values of the schema), each distinct body once;
3. hypothesis-generated cases, positive (valid for the schema) and negative (breaking it), until the
   share is spent or --max-examples were sent. Account-named string fields are often swapped for
   accounts imported beforehand, and the untyped MsgBody often shaped as message elements, so cases
   get past the first checks.

What is a failure (the protocol promises HTTP 200 + a JSON envelope for everything):
- schemathesis's not_a_server_error, status_code_conformance (only 200 is documented) and
  content_type_conformance checks; the other built-in checks assume REST status codes and are not run;
- a reply that is not a JSON object with ActionStatus/ErrorCode/ErrorInfo/RequestId;
- an ErrorInfo starting with "internal server error" (how RestEnvelope.dispatch answers a fault);
- an ERROR record (a traceback) logged while the call ran.
Distinct failures are kept per (operation, exception type and place) and their bodies are shrunk by
replaying simpler JSON. The summary lists each one; the exit status is 1 when any was found (2 when
only the harness itself failed somewhere, e.g. an operation schemathesis could not generate for).
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import re
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import schemathesis
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, status_code_conformance

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from confab import usersig  # noqa: E402

ENVELOPE_FIELDS = ("ActionStatus", "ErrorCode", "ErrorInfo", "RequestId")
INTERNAL_PREFIX = "internal server error"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance]
POOL = [f"fuzz_user_{i}" for i in range(12)]
MSG_TYPES = ["TIMTextElem", "TIMCustomElem", "TIMFaceElem", "TIMLocationElem", "TIMImageElem", "TIMRelayElem"]
MODES = {
    "positive": [GenerationMode.POSITIVE],
    "negative": [GenerationMode.NEGATIVE],
    "all": [GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
}
_ACCOUNT_KEY = re.compile(r"(Account|UserID|Accounts)$")
_RAW: dict[str, bytes] = {}  # sentinel string -> the raw JSON text sent in its place


def _raw(name: str, text: bytes) -> str:
    """A value json.dumps cannot make (invalid UTF-8, nesting deeper than Python recurses): spliced in."""
    sentinel = f"\u0001raw:{name}\u0001"
    _RAW[sentinel] = text
    return sentinel


def encode_body(body: Any) -> bytes:
    data = json.dumps(body).encode()
    for sentinel, raw in _RAW.items():
        data = data.replace(json.dumps(sentinel).encode(), raw)
    return data


# The probes phase puts each of these in each field of a valid body, once.
HOSTILE: list[tuple[str, Any]] = [
    ("2**64", 2**64),
    ("-2**63-1", -(2**63) - 1),
    ("a string with U+0000", "nul\u0000nul"),
    ("a string of invalid UTF-8", _raw("invalid-utf8", b'"\xff\xfe\xc3("')),
    ("[]", []),
    ("{}", {}),
    ("arrays nested 3,000 deep", _raw("deep-3000", b"[" * 3_000 + b"]" * 3_000)),
    # objects: msgspec skips an unknown field's value recursively too (60 KB, under 64 KiB of one read)
    ("objects nested 10,000 deep", _raw("deep-10000", b'{"a":' * 10_000 + b"1" + b"}" * 10_000)),
    # bodies inside the server's max_body_bytes (1 MiB), which must be answered like any other
    ("a 100 KB string", _raw("100KB", b'"' + b"x" * 100_000 + b'"')),
    ("a 900 KB string", _raw("900KB", b'"' + b"x" * 900_000 + b'"')),
]


class ErrorLog(logging.Handler):
    """Collects ERROR records of the in-process server's loggers (thread-safe)."""

    LOGGERS = ("confab", "uvicorn.error")

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []
        self._lock = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        with self._lock:
            self.records.append(record)

    def take(self) -> list[logging.LogRecord]:
        """The records logged since the last take (calls are sequential, so they belong to the last call)."""
        with self._lock:
            taken, self.records = self.records, []
            return taken

    def install(self) -> ErrorLog:
        for name in self.LOGGERS:
            logging.getLogger(name).addHandler(self)
        return self

    def remove(self) -> None:
        for name in self.LOGGERS:
            logging.getLogger(name).removeHandler(self)


@dataclass
class Observation:
    """What one call showed: the problems found and the key that identifies the defect."""

    problems: list[str]
    key: tuple[str, ...]
    exception: str = ""  # the logged exception's last line
    where: str = ""  # innermost frame of the logged traceback


@dataclass
class Failure:
    operation: str
    method: str  # as sent: coverage cases also try other methods than POST
    path: str
    key: tuple[str, ...]
    problems: list[str]
    exception: str
    where: str
    body: bytes
    reply: str
    mode: str
    seen: int = 1
    shrunk: bool = False
    doc: Any = None  # the body as a JSON value with raw splices (probes); None: parse `body`
    probe: str = ""  # what the probe put where

    def as_dict(self) -> dict[str, Any]:
        return {
            "operation": self.operation,
            "method": self.method,
            "problems": self.problems,
            "exception": self.exception,
            "where": self.where,
            "body": _show(self.body, self.doc),
            "reply": self.reply,
            "mode": self.mode,
            "seen": self.seen,
            "shrunk": self.shrunk,
            "probe": self.probe,
        }


@dataclass
class FuzzReport:
    base_url: str
    seed: int | None = None
    seconds: float = 0.0
    operations: int = 0
    examples: int = 0
    per_operation: dict[str, int] = field(default_factory=dict)
    failures: dict[tuple[str, ...], Failure] = field(default_factory=dict)
    harness_errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures and not self.harness_errors

    def summary(self) -> str:
        lines = [
            f"schemathesis {schemathesis.__version__} against {self.base_url}: {self.operations} operations, "
            f"{self.examples} examples in {self.seconds:.1f} s "
            f"(fewest for one operation: {min(self.per_operation.values(), default=0)}; seed {self.seed})",
        ]
        if not self.failures:
            lines.append("no failures")
        else:
            lines.append(f"{len(self.failures)} distinct failures:")
        for n, f in enumerate(sorted(self.failures.values(), key=lambda f: (f.operation, f.key)), 1):
            sent = "" if f.method == "POST" else f", sent as {f.method}"
            lines.append(f"[{n}] {f.operation}  ({f.mode}{sent}, seen {f.seen}x{', shrunk' if f.shrunk else ''})")
            if f.probe:
                lines.append(f"    probe:     {f.probe}")
            lines.append(f"    problems:  {'; '.join(f.problems)}")
            if f.exception:
                lines.append(f"    exception: {f.exception}  at {f.where}")
            lines.append(f"    body:      {_clip(_show(f.body, f.doc), 600)}")
            lines.append(f"    reply:     {_clip(f.reply, 400)}")
        causes: dict[tuple[str, ...], list[Failure]] = {}
        for f in self.failures.values():
            causes.setdefault(f.key[1:], []).append(f)
        if causes:
            lines.append(f"{len(causes)} distinct causes (the same fault behind several operations):")
        for group in sorted(causes.values(), key=len, reverse=True):
            first = group[0]
            what = f"{first.exception} at {first.where}" if first.exception else "; ".join(first.problems)
            ops = ", ".join(sorted({f.operation.rsplit("/v4/", 1)[-1] for f in group}))
            lines.append(f"  - {_clip(what, 300)}: {len(group)} failures in {ops}")
        for err in self.harness_errors:
            lines.append(f"harness error: {err}")
        return "\n".join(lines)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} chars)"


def _show(body: bytes, doc: Any = None) -> str:
    """A body for people: JSON without \\u escapes where it parses, raw splices named <like this>."""
    if doc is not None:
        text = json.dumps(doc, ensure_ascii=False)
        for sentinel in _RAW:
            text = text.replace(json.dumps(sentinel, ensure_ascii=False), f"<{sentinel.strip(chr(1))[4:]}>")
        return text
    try:
        return json.dumps(json.loads(body), ensure_ascii=False)
    except (ValueError, UnicodeError, RecursionError):
        return _clip(body.decode("utf-8", "backslashreplace"), 2000)


def _short_path(path: str) -> str:
    for marker in ("/confab/", "/site-packages/"):
        if marker in path:
            return path[path.rindex(marker) + 1 :]
    return path


def _exception_of(record: logging.LogRecord) -> tuple[str, str]:
    """(last line of the exception, where) of a logged record.

    Where: the innermost frame in confab's own code (the code to fix), and the frame that raised when
    that is elsewhere (a library).
    """
    if not record.exc_info or record.exc_info[1] is None:
        return record.getMessage().splitlines()[-1] if record.getMessage() else record.levelname, record.name
    exc_type, exc, tb = record.exc_info
    last = traceback.format_exception_only(exc_type, exc)[-1].strip().splitlines()[0]  # not SQLAlchemy's [SQL: ...]
    frames = traceback.extract_tb(tb)
    if not frames:
        return last, record.name
    ours = [f for f in frames if "/confab/" in f.filename and "/site-packages/" not in f.filename]
    ours = [f for f in ours if "/confab/store/" not in f.filename] or ours  # the caller, not the store wrapper
    inner = frames[-1]
    where = f"{_short_path(inner.filename)}:{inner.lineno} in {inner.name}"
    if ours and ours[-1] is not inner:
        mine = ours[-1]
        where = f"{_short_path(mine.filename)}:{mine.lineno} in {mine.name} (raised in {where})"
    return last, where


def judge(
    status: int, content_type: str, text: str, records: list[logging.LogRecord], method: str = "POST"
) -> Observation:
    """Confab's own check of one reply (and of what the server logged meanwhile).

    An OPTIONS request is a CORS preflight: an empty 200 is its right answer.
    """
    problems: list[str] = []
    key: list[str] = []
    exception = where = ""
    if records:
        exception, where = _exception_of(records[0])
        problems.append(f"server logged {records[0].levelname} {records[0].getMessage()[:120]!r}")
        key = ["logged", exception.split(":", 1)[0], where]
    if status != 200:
        problems.append(f"HTTP {status}")
    if method == "OPTIONS":
        if problems and not key:
            key = ["reply", *sorted(problems)]
        return Observation(problems, tuple(key), exception, where)
    doc: Any = None
    if "json" not in content_type:
        problems.append(f"content type {content_type or 'missing'}")
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError):
        problems.append("reply is not JSON")
    if doc is not None:
        if not isinstance(doc, dict):
            problems.append("reply is not a JSON object")
        else:
            missing = [name for name in ENVELOPE_FIELDS if name not in doc]
            if missing:
                problems.append(f"envelope lacks {', '.join(missing)}")
            info = doc.get("ErrorInfo")
            if isinstance(info, str) and info.startswith(INTERNAL_PREFIX):
                problems.append(f"internal server error (ErrorCode {doc.get('ErrorCode')})")
                if not key:
                    key = ["internal", str(doc.get("ErrorCode"))]
    if problems and not key:
        key = ["reply", *sorted(p for p in problems)]
    return Observation(problems, tuple(key), exception, where)


class Fuzzer:
    def __init__(
        self,
        base_url: str,
        sdkappid: int,
        key: str,
        admin: str,
        errors: ErrorLog | None = None,
        timeout: float = 15.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.query = {
            "sdkappid": sdkappid,
            "identifier": admin,
            "usersig": usersig.generate(sdkappid, key, admin),
            "random": random.getrandbits(32),
            "contenttype": "json",
        }
        self.errors = errors
        self.timeout = timeout
        self.session = requests.Session()
        self.report = FuzzReport(self.base_url)
        self._last: tuple[str, str, str, bytes, str] | None = None  # the last call: label, method, path, body, mode

    # -- one call ---------------------------------------------------------------------------------

    def _records(self) -> list[logging.LogRecord]:
        return self.errors.take() if self.errors else []

    def send(self, path: str, body: bytes, method: str = "POST") -> tuple[Observation, str]:
        """Send a raw body to an operation (replays and shrinking) and judge the reply."""
        self._stragglers()
        try:
            resp = self.session.request(
                method,
                self.base_url + path,
                params=self.query,
                data=body,
                headers={"Content-Type": "application/json"},
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            return Observation([f"transport error {type(exc).__name__}"], ("transport", type(exc).__name__)), ""
        obs = judge(resp.status_code, resp.headers.get("content-type", ""), resp.text, self._records(), method)
        return obs, f"{resp.status_code} {resp.text}"

    def exercise(self, case: schemathesis.Case, label: str, mode: str) -> None:
        self._stragglers()
        try:
            response = case.call(base_url=self.base_url, session=self.session, timeout=self.timeout)
        except requests.RequestException as exc:
            body = _case_body(case)
            obs = Observation([f"transport error {type(exc).__name__}: {exc}"], ("transport", type(exc).__name__))
            self._record(label, case.method.upper(), case.path, obs, body, "", mode)
            return
        sent = response.request.body or b""
        sent = sent.encode() if isinstance(sent, str) else sent
        method = response.request.method or "POST"
        self._last = (label, method, case.path, sent, mode)
        content_type = (response.headers.get("content-type") or [""])[0]
        obs = judge(response.status_code, content_type, response.text, self._records(), method)
        try:
            case.validate_response(response, checks=CHECKS)
        except AssertionError as group:  # schemathesis raises a FailureGroup (an AssertionError)
            for failure in getattr(group, "exceptions", [group]):
                title = getattr(failure, "title", None) or str(failure).splitlines()[0]
                obs.problems.append(f"schemathesis: {title}")
            if not obs.key:
                obs.key = ("check", *sorted(obs.problems))
        if obs.problems:
            self._record(label, method, case.path, obs, sent, f"{response.status_code} {response.text}", mode)

    def _record(
        self,
        label: str,
        method: str,
        path: str,
        obs: Observation,
        body: bytes,
        reply: str,
        mode: str,
        doc: Any = None,
        probe: str = "",
    ) -> None:
        key = (label, *obs.key)
        known = self.report.failures.get(key)
        if known is None:
            self.report.failures[key] = Failure(
                label,
                method,
                path,
                key,
                obs.problems,
                obs.exception,
                obs.where,
                body,
                reply,
                mode,
                doc=doc,
                probe=probe,
            )
            return
        known.seen += 1
        if mode not in known.mode.split("+"):
            known.mode += f"+{mode}"
        if len(body) < len(known.body):  # keep the smallest body seen
            known.body, known.reply, known.problems, known.doc, known.probe = body, reply, obs.problems, doc, probe

    def _stragglers(self) -> None:
        """Records logged between calls (after a reply went out): pinned on the call before, marked so."""
        for record in self._records():
            exception, where = _exception_of(record)
            label, method, path, body, mode = self._last or ("(before any call)", "POST", "", b"", "")
            obs = Observation(
                [f"server logged {record.levelname} after the reply: {record.getMessage()[:120]!r}"],
                ("logged after the reply", exception.split(":", 1)[0], where),
                exception,
                where,
            )
            self._record(label, method, path, obs, body, "", mode)

    # -- the run --------------------------------------------------------------------------------

    def prepare(self) -> None:
        """Import the account pool the cases draw account fields from."""
        obs, reply = self.send("/v4/im_open_login_svc/multiaccount_import", json.dumps({"Accounts": POOL}).encode())
        if obs.problems or '"ActionStatus":"OK"' not in reply.replace(" ", ""):
            raise RuntimeError(f"could not import the fuzz accounts: {reply[:300]}")

    def load_schema(self, extra_fields: bool = False) -> Any:
        """The server's /openapi.json as a schemathesis schema.

        Unless `extra_fields`, object schemas get `additionalProperties: false`: the server ignores
        unknown fields, and generating random ones costs most of the generation time (negative cases
        still add some, as a violation).
        """
        resp = self.session.get(self.base_url + "/openapi.json", timeout=self.timeout)
        resp.raise_for_status()
        doc = resp.json()
        if not extra_fields:
            for component in doc.get("components", {}).get("schemas", {}).values():
                if component.get("type") == "object" and "additionalProperties" not in component:
                    component["additionalProperties"] = False
        return schemathesis.openapi.from_dict(doc, config=schemathesis.Config())

    def run(
        self,
        seconds: float = 60.0,
        max_examples: int | None = None,
        mode: str = "all",
        seed: int | None = None,
        include: str | None = None,
        shrink_calls: int = 300,
        coverage: bool = True,
        extra_fields: bool = False,
        probes: bool = True,
    ) -> FuzzReport:
        """Probe and fuzz every operation.

        `seconds` is split evenly over the operations (what one leaves unused goes to the next); in an
        operation's share the probes run first (a fixed set), then the coverage cases (at most half of
        what is left), then generated cases. Shrinking the failures comes after, `shrink_calls` each.
        """
        started = time.monotonic()
        self.prepare()
        schema = self.load_schema(extra_fields)
        operations = []
        for result in schema.get_all_operations():
            try:
                operations.append(result.ok())
            except Exception as exc:
                self.report.harness_errors.append(f"operation not loadable: {exc}")
        if include:
            operations = [op for op in operations if re.search(include, op.label)]
        self.report.operations = len(operations)
        if seed is None:
            seed = random.randrange(1 << 31)  # said in the summary: --seed replays the same cases
        self.report.seed = seed
        modes = MODES[mode]
        per_mode = None if max_examples is None else max(1, -(-max_examples // len(modes)))
        deadline_all = started + seconds
        for n, op in enumerate(operations):
            op_deadline = time.monotonic() + max(0.1, (deadline_all - time.monotonic()) / (len(operations) - n))
            count = 0
            if probes:
                count += self._probes(schema, op)
            if coverage:
                # schemathesis's coverage cases (boundary values, each once) get up to half the share
                half = time.monotonic() + (op_deadline - time.monotonic()) / 2
                count += self._coverage(schema, op, modes, half)
            for m, gen_mode in enumerate(modes):
                budget = max(0.05, (op_deadline - time.monotonic()) / (len(modes) - m))
                count += self._fuzz_operation(op, gen_mode, budget, per_mode, seed)
            self.report.per_operation[op.label] = count
            self.report.examples += count
        for failure in self.report.failures.values():
            self.shrink(failure, shrink_calls)
        time.sleep(0.2)
        self._stragglers()
        self.report.seconds = time.monotonic() - started
        return self.report

    def _probes(self, schema: Any, op: Any) -> int:
        """Each HOSTILE value in each top-level field of a valid body (and as a list's element), once."""
        base = _valid_body(schema, op)
        if not isinstance(base, dict):
            return 0
        done = 0
        for probe, doc in _probe_bodies(base):
            obs, reply = self.send(op.path, encode_body(doc))
            done += 1
            if obs.problems:
                self._record(op.label, "POST", op.path, obs, encode_body(doc), reply, "probe", doc=doc, probe=probe)
        return done

    def _coverage(self, schema: Any, op: Any, modes: list[GenerationMode], stop_at: float) -> int:
        """Send each distinct body of schemathesis's coverage cases once (the query is always the admin's)."""
        sent: set[str] = set()
        done = 0
        rnd = random.Random(op.label)
        try:
            cases = schema.iter_coverage_cases(
                op, generation_modes=modes, generation_config=schema.config.generation_for(operation=op)
            )
            for case in cases:
                if time.monotonic() > stop_at:
                    break
                variants = [case.body]
                if isinstance(case.body, (dict, list)):
                    variants.append(_steer(case.body, rnd))
                for body in variants:
                    ident = json.dumps([case.method, body], sort_keys=True, default=repr)
                    if ident in sent:
                        continue
                    sent.add(ident)
                    case.query = dict(self.query)
                    case.body = body
                    done += 1
                    self.exercise(case, op.label, "coverage")
        except Exception as exc:
            self.report.harness_errors.append(f"{op.label} (coverage): {type(exc).__name__}: {exc}"[:500])
        return done

    def _fuzz_operation(
        self, op: Any, gen_mode: GenerationMode, budget: float, limit: int | None, seed: int | None
    ) -> int:
        mode = gen_mode.value
        stop_at = time.monotonic() + budget
        done = 0
        timed_out = False
        strategy = st.tuples(op.as_strategy(generation_mode=gen_mode, query=dict(self.query)), st.randoms())

        @settings(
            max_examples=limit or 1_000_000,
            deadline=None,
            database=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
            verbosity=Verbosity.quiet,
            print_blob=False,
        )
        @given(strategy)
        def fuzz(drawn: tuple[schemathesis.Case, random.Random]) -> None:
            nonlocal done, timed_out
            if time.monotonic() > stop_at:
                timed_out = True
                raise _TimeUp
            case, rnd = drawn
            if isinstance(case.body, (dict, list)) and rnd.random() < 0.75:
                case.body = _steer(case.body, rnd)
            done += 1
            self.exercise(case, op.label, mode)

        if seed is not None:
            fuzz = hypothesis_seed(seed)(fuzz)
        try:
            fuzz()
        except Exception as exc:
            # Hypothesis replays the "failing" last example once; schemathesis's adaptive strategies may
            # then draw differently (FlakyStrategyDefinition). After our own stop, that is no news.
            if timed_out:
                return done
            # anything else is a harness problem, not a server defect: say so and go on
            self.report.harness_errors.append(f"{op.label} ({mode}): {type(exc).__name__}: {exc}"[:500])
        return done

    # -- shrinking ----------------------------------------------------------------------------------

    def shrink(self, failure: Failure, max_calls: int) -> None:
        """Replay simpler JSON bodies; keep the simplest that still shows the same defect."""
        path = failure.path
        if max_calls <= 0 or failure.key[1] in ("transport", "logged after the reply"):
            return
        if failure.doc is not None:
            current = failure.doc
        else:
            try:
                current = json.loads(failure.body)
            except (ValueError, UnicodeError):
                return
        target = failure.key[1:]
        calls = 0
        last_reply = failure.reply
        improved = True
        while improved and calls < max_calls:
            improved = False
            for candidate in _simpler(current):
                if calls >= max_calls:
                    break
                calls += 1
                obs, reply = self.send(path, encode_body(candidate), failure.method)
                if obs.key == target:
                    current, last_reply, improved = candidate, reply, True
                    break
        body = encode_body(current)
        if body != failure.body:
            failure.body, failure.reply, failure.shrunk = body, last_reply, True
            if failure.doc is not None:
                failure.doc = current


class _TimeUp(Exception):
    """This operation's share of the time is spent."""


def _case_body(case: schemathesis.Case) -> bytes:
    try:
        return json.dumps(case.body).encode()
    except (TypeError, ValueError):
        return repr(case.body).encode()


def _steer(value: Any, rnd: random.Random, key: str = "") -> Any:
    """Nudge a generated body past the first checks, keeping its types (so negative cases stay negative).

    String values of account-named fields often become pool accounts; an untyped MsgBody (the schema
    says nothing of its shape) often becomes a list of message elements built from what was drawn.
    """
    if key == "MsgBody" and rnd.random() < 0.6:
        content = value if isinstance(value, dict) else {"Text": value, "Data": value, "Index": value}
        msg_type = rnd.choice([*MSG_TYPES, value])
        return [{"MsgType": msg_type, "MsgContent": content}]
    account = bool(_ACCOUNT_KEY.search(key))
    if isinstance(value, dict):
        return {k: _steer(v, rnd, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_steer(v, rnd, key) for v in value]
    if account and isinstance(value, str) and rnd.random() < 0.8:
        return rnd.choice(POOL)
    return value


def _valid_body(schema: Any, op: Any) -> Any:
    """A body the operation should accept: schemathesis's first positive coverage case, with pool accounts
    in every account field and one text element as MsgBody."""
    try:
        cases = schema.iter_coverage_cases(
            op, generation_modes=[GenerationMode.POSITIVE], generation_config=schema.config.generation_for(operation=op)
        )
        body = next((c.body for c in cases if isinstance(c.body, dict)), None)
    except Exception:
        body = None
    if body is None:
        return None
    accounts = iter(POOL * 4)

    def fill(value: Any, key: str) -> Any:
        if key == "MsgBody":
            return [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "probe"}}]
        if isinstance(value, dict):
            return {k: fill(v, k) for k, v in value.items()}
        if _ACCOUNT_KEY.search(key) and (isinstance(value, str) or (isinstance(value, list) and not value)):
            return [next(accounts)] if isinstance(value, list) else next(accounts)
        if isinstance(value, list):
            return [fill(v, key) for v in value]
        return value

    return fill(body, "")


def _probe_bodies(base: dict[str, Any]) -> Any:
    yield "a valid body", base
    for key, current in base.items():
        for what, value in HOSTILE:
            yield f"{key} = {what}", {**base, key: value}
            if isinstance(current, list) or current is None:
                yield f"{key} = [{what}]", {**base, key: [value]}
        if key == "MsgBody":
            for what, value in HOSTILE:
                yield f"MsgBody[0].MsgType = {what}", {**base, key: [{"MsgType": value, "MsgContent": {"Text": "x"}}]}
                text = [{"MsgType": "TIMTextElem", "MsgContent": {"Text": value}}]
                yield f"MsgBody[0].MsgContent.Text = {what}", {**base, key: text}


_INT_STEPS = [1, 2**31 - 1, 2**31, 2**32, 2**53, 2**63 - 1, 2**63, 2**63 + 1, 2**64]


def _simpler(value: Any) -> Any:
    """Simpler variants of a JSON value, the most aggressive first."""
    if isinstance(value, dict):
        keys = list(value)
        if len(keys) > 1:
            half = len(keys) // 2
            yield {k: value[k] for k in keys[:half]}
            yield {k: value[k] for k in keys[half:]}
        for k in keys:
            yield {kk: vv for kk, vv in value.items() if kk != k}
        for k in keys:
            for variant in _simpler(value[k]):
                yield {**value, k: variant}
    elif isinstance(value, list):
        if len(value) > 1:
            half = len(value) // 2
            yield value[:half]
            yield value[half:]
        for i in range(len(value)):
            yield value[:i] + value[i + 1 :]
        for i, item in enumerate(value):
            for variant in _simpler(item):
                yield [*value[:i], variant, *value[i + 1 :]]
    elif isinstance(value, str):
        if value in _RAW:
            return
        if value:
            yield ""
        if len(value) > 1:
            yield value[: len(value) // 2]
            yield value[len(value) // 2 :]
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int):
        if value != 0:
            yield 0
        for step in _INT_STEPS:  # the usual limits first, smallest first: the shrunk value names the limit
            if step < abs(value):
                yield step if value > 0 else -step
        if abs(value) > 1:
            yield value // 2 if value > 0 else -((-value) // 2)
    elif isinstance(value, float):
        if value != 0:
            yield 0
            yield int(value) if abs(value) < 1e300 else 0


def start_local_server(database_url: str | None = None) -> tuple[Any, Any, ErrorLog, tempfile.TemporaryDirectory]:
    """A Confab server in this process (on a temporary SQLite database unless told another), and an app
    with no rate limits."""
    from confab.config import Settings
    from confab.domain.apps import AppSettings
    from tests.support import ServerHandle

    tmp = tempfile.TemporaryDirectory(prefix="confab-fuzz-")
    errors = ErrorLog().install()
    url = database_url or f"sqlite+aiosqlite:///{Path(tmp.name) / 'confab.db'}"
    backend = "postgresql" if url.startswith("postgresql") else "sqlite"
    handle = ServerHandle(Settings(database_url=url), backend).start()
    app = handle.create_app(settings=AppSettings(rate_limits={"*": 0}))
    return handle, app, errors, tmp


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="fuzz a running server (else one is started here)")
    parser.add_argument("--sdkappid", type=int)
    parser.add_argument("--key")
    parser.add_argument("--admin", default="administrator")
    parser.add_argument(
        "--database-url",
        help="for the server started here (default: a temporary SQLite file); e.g. postgresql+asyncpg://...",
    )
    parser.add_argument("--seconds", type=float, default=60.0, help="fuzzing time, split over operations")
    parser.add_argument("--max-examples", type=int, help="at most this many cases per operation")
    parser.add_argument("--mode", choices=sorted(MODES), default="all")
    parser.add_argument("--seed", type=int)
    parser.add_argument("--include", help="only operations whose label ('POST /v4/...') matches this regex")
    parser.add_argument("--shrink-calls", type=int, default=300, help="replays allowed to shrink each failure")
    parser.add_argument("--no-coverage", action="store_true", help="skip schemathesis's coverage cases")
    parser.add_argument("--no-probes", action="store_true", help="skip the fixed hostile-value probes")
    parser.add_argument(
        "--extra-fields",
        action="store_true",
        help="also generate undeclared body fields (slower; ignored by the server)",
    )
    parser.add_argument("--json", type=Path, help="also write the report here as JSON")
    args = parser.parse_args(argv)

    handle = tmp = errors = None
    if args.url:
        if args.sdkappid is None or not args.key:
            parser.error("--url needs --sdkappid and --key")
        fuzzer = Fuzzer(args.url, args.sdkappid, args.key, args.admin)
    else:
        handle, app, errors, tmp = start_local_server(args.database_url)
        fuzzer = Fuzzer(handle.base_url, app.sdkappid, app.key, app.admins[0], errors)
    try:
        report = fuzzer.run(
            args.seconds,
            args.max_examples,
            args.mode,
            args.seed,
            args.include,
            args.shrink_calls,
            coverage=not args.no_coverage,
            probes=not args.no_probes,
            extra_fields=args.extra_fields,
        )
    finally:
        if handle is not None:
            handle.stop()
        if errors is not None:
            errors.remove()
        if tmp is not None:
            tmp.cleanup()
    print(report.summary())
    if args.json:
        doc = {
            "schemathesis": schemathesis.__version__,
            "operations": report.operations,
            "examples": report.examples,
            "seconds": round(report.seconds, 1),
            "per_operation": report.per_operation,
            "failures": [f.as_dict() for f in report.failures.values()],
            "harness_errors": report.harness_errors,
        }
        args.json.write_text(json.dumps(doc, indent=2, ensure_ascii=False))
    if report.failures:
        return 1
    return 2 if report.harness_errors else 0


if __name__ == "__main__":
    sys.exit(main())
