"""A fake Telegram Bot API (https://api.telegram.org/bot<token>/<method>): the real
paths, form-encoded or JSON parameters (python-telegram-bot sends forms with JSON-encoded
fields), Telegram's {"ok": ..., "result": ...} envelope, its error codes and its limits
(4,096 characters of text, 64 bytes of callback data).

Files users send (`add_file`) are found as Telegram's: getFile gives a file's path, and
the file is downloaded from /file/bot<token>/<path>; both are recorded."""

from __future__ import annotations

import itertools
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any, Optional
from urllib.parse import parse_qs

from tests.support.fakes.http_fake import FakeServer, Raw, wait_until

MAX_TEXT = 4096
MAX_CALLBACK_DATA_BYTES = 64


@dataclass
class SentText:
    chat_id: int
    text: str
    keyboard: list[list[dict[str, Any]]] = field(default_factory=list)

    @property
    def buttons(self) -> list[dict[str, Any]]:
        return [button for row in self.keyboard for button in row]


@dataclass
class StoredFile:
    data: bytes
    path: str
    failures: int = 0  # server errors to answer to its download before serving it


class FakeTelegramApi(FakeServer):
    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token
        self.sent: list[SentText] = []
        self.answered_callbacks: list[str] = []
        self.refused: list[dict[str, Any]] = []
        self.blocked_chats: set[int] = set()
        self._message_ids = itertools.count(1)
        self.files: dict[str, StoredFile] = {}  # file_id -> file
        self.get_file_calls: list[str] = []  # file_ids
        self.downloads: list[str] = []  # file paths, whatever the answer

    def add_file(self, data: bytes, folder: str = "photos", failures: int = 0) -> dict[str, Any]:
        """A file a user sent: what Telegram puts in the message (file_id, file_size, ...)."""
        file_id = "AgAC" + secrets.token_hex(12)
        path = f"{folder}/file_{len(self.files)}"
        with self.locked():
            self.files[file_id] = StoredFile(data, path, failures)
        return {"file_id": file_id, "file_unique_id": file_id[-8:], "file_size": len(data)}

    def was_downloaded(self, file_id: str) -> bool:
        with self.locked():
            return self.files[file_id].path in self.downloads

    def _get_file(self, parameters: dict[str, Any]) -> tuple[int, Any]:
        file_id = str(parameters.get("file_id") or "")
        with self.locked():
            self.get_file_calls.append(file_id)
            stored = self.files.get(file_id)
        if stored is None:
            return self._error(400, "Bad Request: invalid file_id")
        return 200, {
            "ok": True,
            "result": {
                "file_id": file_id,
                "file_unique_id": file_id[-8:],
                "file_size": len(stored.data),
                "file_path": stored.path,
            },
        }

    def _download(self, path: str) -> tuple[int, Any]:
        with self.locked():
            self.downloads.append(path)
            stored = next((f for f in self.files.values() if f.path == path), None)
            if stored is not None and stored.failures > 0:
                stored.failures -= 1
                return 502, Raw(b"Bad Gateway", "text/plain")
        if stored is None:
            return 404, Raw(b"Not Found", "text/plain")
        return 200, Raw(stored.data)

    @property
    def base_url(self) -> str:
        """What python-telegram-bot's `base_url` expects: the token is appended."""
        return f"{self.url}/bot"

    def _error(self, code: int, description: str) -> tuple[int, Any]:
        error = {"ok": False, "error_code": code, "description": description}
        with self.locked():
            self.refused.append(error)
        return code, error

    @staticmethod
    def _parameters(headers: Any, body: bytes) -> Optional[dict[str, Any]]:
        media_type = (headers.get("Content-Type") or "").split(";")[0].strip()
        if not body:
            return {}
        if media_type == "application/json":
            data = json.loads(body)
            return data if isinstance(data, dict) else None
        if media_type == "application/x-www-form-urlencoded":
            form = parse_qs(body.decode("utf-8"), keep_blank_values=True)
            return {k: v[0] for k, v in form.items()}
        return None

    def handle(self, method: str, path: str, headers: Any, body: bytes) -> tuple[int, Any]:
        files = f"/file/bot{self.token}/"
        if method == "GET" and path.startswith(files):
            return self._download(path[len(files) :])
        prefix = f"/bot{self.token}/"
        if not path.startswith(prefix):
            return self._error(401, "Unauthorized")
        api_method = path[len(prefix) :]
        parameters = self._parameters(headers, body)
        if parameters is None:
            return self._error(400, "Bad Request: unsupported request body")
        if api_method == "getMe":
            return 200, {"ok": True, "result": self._bot_user()}
        if api_method == "sendMessage":
            return self._send_message(parameters)
        if api_method == "getFile":
            return self._get_file(parameters)
        if api_method == "answerCallbackQuery":
            if not parameters.get("callback_query_id"):
                return self._error(400, "Bad Request: query is too old or query ID is invalid")
            with self.locked():
                self.answered_callbacks.append(str(parameters["callback_query_id"]))
            return 200, {"ok": True, "result": True}
        return self._error(404, "Not Found")

    def _send_message(self, parameters: dict[str, Any]) -> tuple[int, Any]:
        try:
            chat_id = int(parameters.get("chat_id"))
        except (TypeError, ValueError):
            return self._error(400, "Bad Request: chat not found")
        text = parameters.get("text") or ""
        if not str(text).strip():
            return self._error(400, "Bad Request: message text is empty")
        if len(str(text).encode("utf-16-le")) // 2 > MAX_TEXT:
            return self._error(400, "Bad Request: message is too long")
        if chat_id in self.blocked_chats:
            return self._error(403, "Forbidden: bot was blocked by the user")
        markup = parameters.get("reply_markup")
        if isinstance(markup, str):
            markup = json.loads(markup)
        keyboard = (markup or {}).get("inline_keyboard") or []
        for row in keyboard:
            for button in row:
                data = button.get("callback_data", "")
                if not button.get("text") or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA_BYTES:
                    return self._error(400, "Bad Request: BUTTON_DATA_INVALID")
        with self.locked():
            self.sent.append(SentText(chat_id=chat_id, text=str(text), keyboard=keyboard))
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "Test"},
            "from": self._bot_user(),
            "text": text,
        }
        if keyboard:
            message["reply_markup"] = {"inline_keyboard": keyboard}
        return 200, {"ok": True, "result": message}

    @staticmethod
    def _bot_user() -> dict[str, Any]:
        return {"id": 4242, "is_bot": True, "first_name": "Veilig Melden", "username": "vm_bot"}

    def texts_to(self, chat_id: int) -> list[SentText]:
        with self.locked():
            return [m for m in self.sent if m.chat_id == chat_id]

    def wait_for(self, chat_id: int, count: int, timeout: float = 30.0) -> list[SentText]:
        wait_until(lambda: len(self.texts_to(chat_id)) >= count, timeout)
        return self.texts_to(chat_id)
