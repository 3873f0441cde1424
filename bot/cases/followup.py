"""Follow-up with a receipt: the check in three steps, and adding information."""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional, Union

from sqlalchemy import (
    select,
)
from sqlalchemy.orm import Session

from bot.cases import lockout, receipts
from bot.cases.intake import (
    MAX_DESCRIPTION_CHARS,
    clean_text,
    reporter_time,
)
from bot.cases.model import (
    COORDINATOR,
    FOLLOW_UP_VALIDITY,
    REPORTER,
    Case,
    CaseMessage,
    audit,
    get_case,
)
from bot.cases.views import InformationAdded, MessageView, Refused, StatusView
from bot.encryption import EncryptionKeyError, text_cipher
from bot.security.redaction import SEALED_PREFIX, is_sealed

logger = logging.getLogger(__name__)

# How long the code typed at the first question of a status check stays usable for the second.
SEALED_CODE_VALIDITY = timedelta(minutes=30)


def _follow_up_signature(key: bytes, case_id: int, expires: int, sender: Optional[str]) -> str:
    message = f"follow-up:{case_id}:{expires}:{sender or ''}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def follow_up_token(key: bytes, case_id: int, now: datetime, sender: Optional[str]) -> str:
    """Lets this sender add to this case for a while without typing the passphrase again,
    so the passphrase need not be kept anywhere between two messages."""
    expires = int((now + FOLLOW_UP_VALIDITY).timestamp())
    return f"{case_id}.{expires}.{_follow_up_signature(key, case_id, expires, sender)}"


def read_follow_up_token(
    key: bytes, token: object, now: datetime, sender: Optional[str]
) -> Optional[int]:
    """The case id in a valid, unexpired token for this sender, else None."""
    try:
        case_text, expires_text, signature = str(token).split(".")
        case_id, expires = int(case_text), int(expires_text)
    except ValueError:
        return None
    expected = _follow_up_signature(key, case_id, expires, sender)
    if not hmac.compare_digest(expected, signature) or now.timestamp() > expires:
        return None
    return case_id


def seal_code(code: str, key: bytes) -> str:
    """What the status check keeps of the code between its two questions: the code's
    look-up digest, encrypted and valid for SEALED_CODE_VALIDITY. The conversation store
    keeps this token, never the code (bot/security/redaction.py)."""
    return SEALED_PREFIX + text_cipher().encrypt_dated(receipts.code_digest(code, key))


def open_sealed_code(token: str, now: float) -> Optional[str]:
    """The digest in a token from `seal_code`, or None when it is stale or forged."""
    try:
        return text_cipher().decrypt_recent(
            token.removeprefix(SEALED_PREFIX), int(SEALED_CODE_VALIDITY.total_seconds()), now
        )
    except (EncryptionKeyError, UnicodeError, ValueError):
        return None


@dataclass(frozen=True)
class ReceiptCheck:
    """A check in progress: what was typed, read into what the store looks for."""

    digest: Optional[str]
    subjects: tuple[str, ...]
    sender_reference: Optional[str]

    @classmethod
    def of(cls, code_text: object, sender_reference: Optional[str], key: bytes) -> ReceiptCheck:
        """`code_text` is the code as typed, or the token `seal_code` made of it."""
        if is_sealed(code_text):
            digest = open_sealed_code(str(code_text), time.time())
        else:
            code = receipts.parse_code(code_text) if isinstance(code_text, str) else None
            digest = receipts.code_digest(code, key) if code else None
        subjects = []
        if digest:
            subjects.append(lockout.code_subject(digest))
        if sender_reference:
            subjects.append(lockout.sender_subject(sender_reference))
        return cls(digest, tuple(subjects), sender_reference)


@dataclass(frozen=True)
class StoredReceipt:
    case_id: Optional[int]
    passphrase_hash: Optional[str]
    locked_until: Optional[datetime]
    reservation: lockout.Reservation = lockout.Reservation(False)


def _reporter_at(session: Session, case_id: int, now: datetime) -> datetime:
    contact = session.execute(select(Case.contact).where(Case.id == case_id)).scalar()
    return reporter_time(contact, now)


def find_receipt(
    session: Session, check: ReceiptCheck, now: datetime, policy: lockout.LockoutPolicy
) -> StoredReceipt:
    """Step 1 of a check: the case behind the code, and the try reserved against the code and
    the sender (bot/cases/lockout.py), or the lock that refuses it."""
    reservation = lockout.reserve(session, check.subjects, now, policy)
    row = (
        session.execute(
            select(Case.id, Case.passphrase_hash).where(Case.code_digest == check.digest)
        ).first()
        if check.digest
        else None
    )
    until = None if reservation.granted else reservation.locked_until
    return StoredReceipt(row[0] if row else None, row[1] if row else None, until, reservation)


def verify(stored: StoredReceipt, passphrase: object) -> bool:
    """Step 2 (no database): scrypt, the same work whether or not the code exists."""
    typed = passphrase if isinstance(passphrase, str) else ""
    if stored.passphrase_hash is None:
        receipts.spend_verification_time(typed)
        return False
    return receipts.verify_passphrase(typed, stored.passphrase_hash)


def conclude_check(
    session: Session,
    check: ReceiptCheck,
    stored: StoredReceipt,
    verified: bool,
    now: datetime,
    lookup_key: bytes,
    policy: lockout.LockoutPolicy,
) -> Union[StatusView, Refused]:
    """Step 3 (writes): settles the try, and on success shows the case and marks the
    coordinator's messages as read."""
    if stored.locked_until is not None:
        if stored.case_id is not None:
            at = _reporter_at(session, stored.case_id, now)
            audit(session, REPORTER, "status.refused", at, stored.case_id, "locked")
        return Refused("locked", stored.locked_until)
    cleared = lockout.code_subject(check.digest) if check.digest else None
    until = lockout.settle(session, stored.reservation, verified, now, policy, cleared)
    if not verified:
        if until is not None:
            logger.warning("receipt checks locked until %s after wrong tries", f"{until:%H:%M}")
        if stored.case_id is not None:
            outcome = "locked" if until else "invalid"
            at = _reporter_at(session, stored.case_id, now)
            audit(session, REPORTER, "status.refused", at, stored.case_id, outcome)
        return Refused("locked", until) if until else Refused("invalid")
    assert check.digest is not None
    # A passphrase verifies only against a stored hash, and the hash is stored with its case.
    assert stored.case_id is not None
    case = get_case(session, stored.case_id)
    seen_at = reporter_time(case.contact, now)
    views = []
    for message in case.messages:
        if message.author != COORDINATOR:
            continue
        views.append(
            MessageView(message.sent_at, message.body, message.read_by_reporter_at is None)
        )
        if message.read_by_reporter_at is None:
            message.read_by_reporter_at = seen_at
    new = sum(view.new for view in views)
    audit(session, REPORTER, "status.checked", seen_at, case.id, f"new_messages={new}")
    return StatusView(
        status=case.status,
        received_at=case.received_at,
        next_deadline=case.next_deadline(now),
        messages=tuple(views),
        language=case.language,
        follow_up=follow_up_token(lookup_key, case.id, now, check.sender_reference),
    )


def add_reporter_message(
    session: Session,
    token: object,
    text: object,
    sender_reference: Optional[str],
    now: datetime,
    lookup_key: bytes,
) -> Union[InformationAdded, Refused]:
    body = clean_text(text, "information", MAX_DESCRIPTION_CHARS)
    case_id = read_follow_up_token(lookup_key, token, now, sender_reference)
    case = session.get(Case, case_id) if case_id is not None else None
    if case is None:
        return Refused("expired")
    sent_at = reporter_time(case.contact, now)
    session.add(CaseMessage(case_id=case.id, author=REPORTER, body=body, sent_at=sent_at))
    audit(session, REPORTER, "message.added", sent_at, case.id)
    return InformationAdded(now, case.id, case.contact == "anonymous")
