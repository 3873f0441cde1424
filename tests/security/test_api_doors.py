"""Attacks on the doors of issue 11: the Rasa HTTP API without its token, the action server
without its secret, compressed and oversized bodies, and error bodies that echo the request.

The action server's app is attacked in-process (fast); one real action-server process checks
what only a process shows (the address it listens on, its memory under a deflate bomb). The
Rasa API needs the trained model: those tests are marked e2e and run with tests/e2e."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
import time
import uuid
import zlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
from sanic import Sanic

from bot.servers import actions as action_server
from bot.servers import launch
from tests.support.servers import Servers, free_port
from tests.support.tracker import build_tracker, real_domain

SECRET = "test-secret-" + "x" * 20
MARKER = "Zebracorn-7731"  # stands for anything a user wrote; must never come back or be logged
BOMB = zlib.compress(b"\0" * (400 * 1024 * 1024), 9)  # 400 MB of zeros: about 400 KB on the wire


def forged_handoff(sender: str = "rest:victim") -> dict[str, Any]:
    """The call the Rasa server makes when a user agreed to a handoff: with the secret it
    stores a handoff (the control below), so a forged one must never get that far."""
    tracker = build_tracker(
        f"yes {MARKER}", "affirm", slots={"handoff_consent": True, "language": "en"}, sender=sender
    )
    return {
        "next_action": "action_create_handoff",
        "sender_id": tracker.sender_id,
        "tracker": tracker.current_state(),
        "domain": real_domain(),
        "version": "3.6.2",
    }


def stored(state_dir: Path) -> dict[str, int]:
    database = state_dir / "veilig-melden.db"
    if not database.exists():
        return {"handoffs": 0, "cases": 0}
    with sqlite3.connect(database) as connection:
        return {
            table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("handoffs", "cases")
        }


def bearer(secret: str = SECRET) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


# --- the action server's app, in-process -------------------------------------------------


@pytest.fixture(scope="module")
def app() -> Sanic:
    Sanic.test_mode = True  # one app per module, but Sanic refuses a second app of a name
    return action_server.create_app(SECRET)


def call(app: Sanic, method: str, path: str, **kwargs: Any) -> httpx.Response:
    async def go() -> httpx.Response:
        await app._startup()  # what serving does first (routers); Sanic 21.12 has no public one
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://actions") as client:
            return await client.request(method, path, **kwargs)

    return asyncio.run(go())


@pytest.fixture()
def state_dir() -> Path:
    return Path(os.environ["VM_STATE_DIR"])


@pytest.mark.parametrize(
    "headers, params",
    [
        ({}, {}),
        (bearer("wrong-" + SECRET), {}),
        (bearer(SECRET[:-1]), {}),
        ({"Authorization": SECRET}, {}),  # no scheme
        ({"Authorization": f"Basic {SECRET}"}, {}),
        ({}, {"token": SECRET}),  # the API's way, not the action server's
        ({"X-Action-Secret": SECRET}, {}),
    ],
    ids=["none", "wrong", "truncated", "no-scheme", "basic", "query", "other-header"],
)
def test_a_forged_action_call_is_refused_and_stores_nothing(
    app: Sanic, state_dir: Path, headers: dict[str, str], params: dict[str, str]
):
    before = stored(state_dir)
    reply = call(app, "POST", "/webhook", json=forged_handoff(), headers=headers, params=params)
    assert reply.status_code in (401, 403)
    assert MARKER not in reply.text and "victim" not in reply.text
    assert stored(state_dir) == before
    assert call(app, "GET", "/actions", headers=headers, params=params).status_code in (401, 403)


def test_the_same_call_with_the_secret_does_store_a_handoff(app: Sanic, state_dir: Path):
    # The control: the refusals above are what stopped the handoff, not a broken call.
    before = stored(state_dir)
    reply = call(app, "POST", "/webhook", json=forged_handoff(), headers=bearer())
    assert reply.status_code == 200, reply.text
    assert stored(state_dir)["handoffs"] == before["handoffs"] + 1


def test_a_body_that_is_no_json_is_refused_without_quoting_it(app: Sanic, state_dir: Path):
    before = stored(state_dir)
    body = b'{"next_action": "action_create_handoff", "tracker": ' + MARKER.encode()
    headers = {**bearer(), "Content-Type": "application/json"}
    reply = call(app, "POST", "/webhook", content=body, headers=headers)
    assert reply.status_code == 400
    assert MARKER not in reply.text
    assert stored(state_dir) == before


def test_health_is_open_and_tells_nothing(app: Sanic):
    reply = call(app, "GET", "/health")
    assert (reply.status_code, reply.json()) == (200, {"status": "ok"})
    assert call(app, "POST", "/health").status_code in (401, 403, 405)


@pytest.mark.parametrize("encoding", ["deflate", "gzip", "br", "DEFLATE", "identity, deflate"])
def test_a_compressed_body_is_refused_without_being_read(app: Sanic, encoding: str):
    headers = {**bearer(), "Content-Encoding": encoding, "Content-Type": "application/json"}
    assert call(app, "POST", "/webhook", content=BOMB, headers=headers).status_code == 415
    # Without the secret the caller learns even less.
    del headers["Authorization"]
    assert call(app, "POST", "/webhook", content=BOMB, headers=headers).status_code == 401


def test_an_oversized_or_unsized_body_is_refused(app: Sanic):
    big = b'{"next_action": "x", "x": "' + b"a" * action_server.MAX_BODY_BYTES + b'"}'
    assert call(app, "POST", "/webhook", content=big, headers=bearer()).status_code == 413

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: chunked, size unknown
        yield b'{"next_action": '
        yield b'"action_start_report"}'

    assert call(app, "POST", "/webhook", content=chunks(), headers=bearer()).status_code == 411


def test_a_failing_action_answers_500_without_the_request_and_logs_only_its_type(
    app: Sanic, caplog: pytest.LogCaptureFixture
):
    broken = forged_handoff(sender=f"rest:{MARKER}")
    # Not a mapping: the action fails reading the message's language (actions/base.py).
    broken["tracker"]["latest_message"] = MARKER
    reply = call(app, "POST", "/webhook", json=broken, headers=bearer())
    assert reply.status_code == 500
    assert MARKER not in reply.text and "tracker" not in reply.text
    assert reply.json() == {"error": "the action failed"}
    assert MARKER not in caplog.text
    assert any("action server:" in record.getMessage() for record in caplog.records)
    # Bad JSON: a short 400, the body not echoed either.
    bad = call(app, "POST", "/webhook", content=f'{{"{MARKER}": ', headers=bearer())
    assert bad.status_code == 400 and MARKER not in bad.text


# --- the launcher ---------------------------------------------------------------------------


def test_each_server_gets_only_its_secret_and_no_command_line_shows_one(tmp_path: Path):
    plan = launch.plan(
        model=tmp_path / "model.tar.gz",
        endpoints=tmp_path / "endpoints.yml",
        rasa_port=1,
        actions_port=2,
        env={"VM_STATE_DIR": str(tmp_path / "state"), "VM_API_TOKEN": ""},
    )
    token, secret = plan.api_token.value, plan.actions.env["VM_ACTION_SECRET"]
    assert len(token) >= 32 and len(secret) >= 32 and token != secret
    for path in (tmp_path / "state" / "api.token", tmp_path / "state" / "action.secret"):
        assert path.stat().st_mode & 0o777 == 0o600
    assert plan.api_token.source == str(tmp_path / "state" / "api.token")
    assert token not in repr(plan.api_token)
    assert "VM_API_TOKEN" not in plan.actions.env
    assert plan.rasa.env["VM_API_TOKEN"] == token
    assert plan.rasa.env["VM_ACTION_SECRET"] == secret
    for server in plan.servers:  # `ps` shows command lines to every user of the machine
        assert not any(token in part or secret in part for part in server.command)
    assert "--auth-token" not in plan.rasa.command
    assert int(plan.rasa.env["SANIC_REQUEST_MAX_SIZE"]) == launch.RASA_MAX_BODY_BYTES
    # The same state folder gives the same secrets (both servers, every restart).
    again = launch.plan(
        model=tmp_path, endpoints=tmp_path, rasa_port=1, actions_port=2,
        env={"VM_STATE_DIR": str(tmp_path / "state"), "VM_API_TOKEN": ""},
    )  # fmt: skip
    assert (again.api_token.value, again.actions.env["VM_ACTION_SECRET"]) == (token, secret)
    configured = launch.plan(
        model=tmp_path, endpoints=tmp_path, rasa_port=1, actions_port=2,
        env={"VM_STATE_DIR": str(tmp_path / "state"), "VM_API_TOKEN": "from-the-operator"},
    )  # fmt: skip
    assert configured.api_token.value == "from-the-operator"
    assert configured.api_token.source == "from VM_API_TOKEN"


def test_the_rasa_body_limit_is_the_largest_channel_limit_not_sanics_100_mb():
    from channels.rest import MAX_MESSAGE_CHARACTERS
    from channels.telegram import TelegramInput
    from channels.twilio import TwilioInput
    from channels.webchat.transport import MAX_PACKET_BYTES

    rest_worst_case = MAX_MESSAGE_CHARACTERS * 12  # every character a \\uXXXX pair
    largest = max(
        rest_worst_case, TelegramInput.max_body_bytes, TwilioInput.max_body_bytes, MAX_PACKET_BYTES
    )
    assert largest <= launch.RASA_MAX_BODY_BYTES <= 2 * largest


def test_endpoints_send_the_secret_and_refuse_to_load_without_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from rasa.shared.exceptions import RasaException
    from rasa.utils.endpoints import read_endpoint_config

    file = tmp_path / "endpoints.yml"
    file.write_text(launch.endpoints_yaml("http://127.0.0.1:1234/webhook", tmp_path / "c.db"))
    monkeypatch.setenv("VM_ACTION_SECRET", SECRET)
    endpoint = read_endpoint_config(str(file), "action_endpoint")
    assert endpoint.url == "http://127.0.0.1:1234/webhook"
    assert endpoint.headers == {"Authorization": f"Bearer {SECRET}"}
    monkeypatch.delenv("VM_ACTION_SECRET")
    with pytest.raises(RasaException):  # fails closed: never calls the action server bare
        read_endpoint_config(str(file), "action_endpoint")


# --- one real action-server process -------------------------------------------------------


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def _other_local_addresses() -> list[str]:
    """This machine's own IPv4 addresses other than loopback, from the kernel's routing
    table (/proc/net/fib_trie: an address line, then "/32 host LOCAL"); none in some
    sandboxes."""
    lines = Path("/proc/net/fib_trie").read_text().splitlines()
    local = {
        previous.split()[-1]
        for previous, line in zip(lines, lines[1:], strict=False)
        if "/32 host LOCAL" in line
    }
    return sorted(address for address in local if not address.startswith("127."))


def _listening_addresses(port: int) -> set[str]:
    """Local addresses with a socket listening on `port` (from /proc/net/tcp, state 0A)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.rsplit(":", 1)
            if state == "0A" and int(hex_port, 16) == port:
                found.add(address)
    return found


@pytest.fixture(scope="module")
def action_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    work = tmp_path_factory.mktemp("action-server")
    port = free_port()
    plan = launch.plan(
        model=work / "unused",
        endpoints=work / "unused",
        rasa_port=free_port(),
        actions_port=port,
        env={"VM_STATE_DIR": str(work / "state"), "VM_ACTION_SECRET": SECRET},
    )
    log = (work / "actions.log").open("w")
    process = subprocess.Popen(
        plan.actions.command, cwd=launch.PROJECT_ROOT, env=plan.actions.env, stdout=log,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, (work / "actions.log").read_text()[-2000:]
            try:
                if requests.get(f"http://127.0.0.1:{port}/health", timeout=1).ok:
                    break
            except requests.RequestException:
                pass
            assert time.monotonic() < deadline, "the action server did not start"
            time.sleep(0.5)
        yield f"http://127.0.0.1:{port}", process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def test_the_action_server_listens_on_loopback_only(action_process: tuple[str, int]):
    url, _ = action_process
    port = int(url.rsplit(":", 1)[1])
    assert _listening_addresses(port) == {"0100007F"}  # 127.0.0.1, and nothing else
    for address in _other_local_addresses():
        with pytest.raises(requests.ConnectionError):
            requests.get(f"http://{address}:{port}/health", timeout=3)


def test_a_deflate_bomb_is_refused_and_never_inflated(action_process: tuple[str, int]):
    url, pid = action_process
    before = _rss_kib(pid)
    for headers in (bearer(), {}):
        for _ in range(3):
            reply = requests.post(
                f"{url}/webhook",
                data=BOMB,
                headers={**headers, "Content-Encoding": "deflate"},
                timeout=30,
            )
            assert reply.status_code in (415, 401)
            assert reply.status_code == (415 if headers else 401)
    # rasa_sdk inflated it: 267 MB to 901 MB (issue 11). A few MB of noise is allowed.
    assert _rss_kib(pid) - before < 8 * 1024


def test_a_body_over_the_limit_is_refused_by_the_real_server(action_process: tuple[str, int]):
    url, _ = action_process
    big = b"{" + b" " * (action_server.MAX_BODY_BYTES + 10) + b"}"
    reply = requests.post(f"{url}/webhook", data=big, headers=bearer(), timeout=30)
    assert reply.status_code == 413
    assert requests.get(f"{url}/health", timeout=5).status_code == 200


# --- the Rasa HTTP API (needs the trained model) ------------------------------------------


API_CALLS = [
    ("GET", "/status", None),
    ("GET", "/conversations/someone/tracker", None),
    ("GET", "/conversations/someone/story", None),
    ("POST", "/conversations/someone/trigger_intent", {"name": "greet"}),
    ("POST", "/conversations/someone/messages", {"text": "hi", "sender": "user"}),
    ("POST", "/conversations/someone/tracker/events", {"event": "slot", "name": "language"}),
    ("POST", "/model/parse", {"text": "hola"}),
    ("PUT", "/model", {"model_file": "/nonexistent/model.tar.gz"}),
    ("DELETE", "/model", None),
    ("GET", "/domain", None),
]


@pytest.mark.e2e
@pytest.mark.parametrize("method, path, body", API_CALLS, ids=[f"{m} {p}" for m, p, _ in API_CALLS])
def test_the_api_refuses_every_call_without_the_token(
    servers: Servers, method: str, path: str, body: object
):
    attempts = [
        {},
        {"params": {"token": "wrong"}},
        {"params": {"token": servers.api_token[:-1]}},
        {"headers": {"Authorization": f"Bearer {servers.api_token}"}},  # not how Rasa takes it
    ]
    for attempt in attempts:
        reply = requests.request(method, f"{servers.url}{path}", json=body, timeout=30, **attempt)  # type: ignore[arg-type]
        assert reply.status_code in (401, 403), (attempt.keys(), reply.status_code)
    # The model is still there and answers: nothing above replaced or removed it.
    assert servers.api("POST", "/model/parse", json={"text": "hola"}).status_code == 200


@pytest.mark.e2e
def test_the_api_works_with_the_token(servers: Servers):
    assert servers.api("GET", "/status").status_code == 200
    parse = servers.api("POST", "/model/parse", json={"text": "hola, necesito ayuda"})
    assert parse.status_code == 200 and parse.json()["intent"]["name"]
    me = f"security-{uuid.uuid4().hex[:8]}"
    servers.say(me, "hello")
    assert servers.tracker(me)["events"]
    trigger = servers.api(
        "POST", f"/conversations/{servers.sender_id(me)}/trigger_intent", json={"name": "greet"}
    )
    assert trigger.status_code == 200
    # A bad model path with the token is refused for what it is, not for want of a token.
    bad = servers.api("PUT", "/model", json={"model_file": "/nonexistent/model.tar.gz"})
    assert bad.status_code not in (401, 403)
    assert servers.api("POST", "/model/parse", json={"text": "hola"}).status_code == 200


@pytest.mark.e2e
def test_neither_secret_reaches_a_log_and_the_api_listens_on_loopback(servers: Servers):
    servers.api("GET", "/status")
    text = servers.log_text()
    assert servers.api_token not in text and servers.action_secret not in text
    port = int(servers.url.rsplit(":", 1)[1])
    assert _listening_addresses(port) == {"0100007F"}


@pytest.mark.e2e
def test_a_long_report_conversation_fits_the_action_servers_limit_with_room(servers: Servers):
    # Arabic: every character becomes a 6-byte \\uXXXX escape in the JSON Rasa posts.
    me = f"security-{uuid.uuid4().hex[:8]}"
    servers.say(me, "أريد تقديم بلاغ")
    story = ("زميلي يضايقني كل يوم في المكتب " * 700)[:20_000]
    servers.say(me, story)
    servers.say(me, story[:5_000])
    path = f"/conversations/{servers.sender_id(me)}/tracker"
    tracker = servers.api("GET", path, include_events="ALL").json()
    assert story[:200] in json.dumps(tracker, ensure_ascii=False)  # the story is in it
    body = len(json.dumps({"tracker": tracker, "domain": real_domain()}).encode())
    print(f"\naction call for a 20,000-character report conversation: {body:,} bytes")
    assert body * 10 < action_server.MAX_BODY_BYTES  # ample room for longer conversations


@pytest.mark.e2e
def test_the_rasa_server_refuses_a_body_over_its_limit_before_any_channel(servers: Servers):
    big = b"{" + b" " * launch.RASA_MAX_BODY_BYTES + b"}"
    for path in ("/webhooks/telegram/webhook", "/webhooks/rest/webhook", "/model/parse"):
        assert requests.post(f"{servers.url}{path}", data=big, timeout=30).status_code == 413
    assert servers.api("GET", "/status").status_code == 200
