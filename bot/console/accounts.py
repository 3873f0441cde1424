"""Console accounts: advisor (linked to a directory record), coordinator or admin.

Passwords are hashed with argon2id (argon2-cffi); every account also has a TOTP second
factor (RFC 6238, pyotp), whose secret is encrypted at rest. A code is accepted once: the
time step last used is kept, so a code seen over someone's shoulder cannot be replayed.
Five failed logins lock the account for 15 minutes (`LoginPolicy`). Accounts are made from
the CLI (`python -m bot.cli accounts add`), which prints a one-time password that must be
changed at the first login; there is never a default password."""

from __future__ import annotations

import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Optional

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Boolean, CheckConstraint, Column, Integer, String, func, select
from sqlalchemy.orm import Session

from bot.db import Base
from bot.encryption import EncryptedText
from bot.timestamps import UtcDateTime

ROLES = ("advisor", "coordinator", "admin")
ISSUER = "Veilig Melden"
MIN_PASSWORD_LENGTH = 12
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,189}\.[^@\s]{2,}")

_hasher = PasswordHasher()
# Verified when the e-mail is unknown, so a wrong address takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class AccountError(ValueError):
    """A request about accounts that cannot be done; the message says why, and `key`
    names the console's text for it (data/console), when there is one."""

    def __init__(self, message: str, key: Optional[str] = None, detail: str = "") -> None:
        super().__init__(message)
        self.key = key
        self.detail = detail  # what the console's text names (an advisor id, ...)


@dataclass(frozen=True)
class LoginPolicy:
    max_failures: int = 5
    lockout: timedelta = timedelta(minutes=15)


class ConsoleAccount(Base):
    __tablename__ = "console_accounts"
    __table_args__ = (CheckConstraint("role IN ('advisor', 'coordinator', 'admin')", name="role"),)

    id = Column(String(36), primary_key=True)
    email = Column(String(254), nullable=False, unique=True)
    role = Column(String(16), nullable=False)
    advisor_id = Column(String(64), nullable=True)
    password_hash = Column(String(200), nullable=False)
    must_change_password = Column(Boolean, nullable=False)
    totp_secret = Column(EncryptedText, nullable=False)
    last_totp_step = Column(Integer, nullable=True)
    failed_logins = Column(Integer, nullable=False)
    locked_until = Column(UtcDateTime, nullable=True)
    disabled = Column(Boolean, nullable=False)
    created_at = Column(UtcDateTime, nullable=False)

    def record(self) -> Account:
        return Account(
            id=self.id,
            email=self.email,
            role=self.role,
            advisor_id=self.advisor_id,
            must_change_password=bool(self.must_change_password),
            disabled=bool(self.disabled),
            locked_until=self.locked_until,
        )


@dataclass(frozen=True)
class Account:
    id: str
    email: str
    role: str
    advisor_id: Optional[str]
    must_change_password: bool
    disabled: bool
    locked_until: Optional[datetime] = None


@dataclass(frozen=True)
class Enrolment:
    """What `accounts add` and the resets print once: never stored in the clear."""

    account: Account
    password: Optional[str]
    totp_uri: Optional[str]


def normalized_email(email: str) -> str:
    email = email.strip().lower()
    if not _EMAIL.fullmatch(email):
        raise AccountError("not an e-mail address")
    return email


def one_time_password() -> str:
    return secrets.token_urlsafe(15)  # 20 characters


def totp_uri(email: str, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def check_new_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            f"a password has at least {MIN_PASSWORD_LENGTH} characters", "password_too_short"
        )


def _row(session: Session, email: str) -> ConsoleAccount:
    row = session.execute(
        select(ConsoleAccount).where(ConsoleAccount.email == normalized_email(email))
    ).scalar_one_or_none()
    if row is None:
        raise AccountError("no such account")
    return row


def add_account(
    session: Session,
    email: str,
    role: str,
    advisor_id: Optional[str] = None,
    now: Optional[datetime] = None,
) -> Enrolment:
    if role not in ROLES:
        raise AccountError(f"the role is one of {', '.join(ROLES)}")
    if (role == "advisor") != bool(advisor_id):
        raise AccountError("an advisor account, and only one, is linked to an advisor (--advisor)")
    email = normalized_email(email)
    taken = session.execute(
        select(func.count()).select_from(ConsoleAccount).where(ConsoleAccount.email == email)
    ).scalar_one()
    if taken:
        raise AccountError("an account with this e-mail exists")
    password, secret = one_time_password(), pyotp.random_base32()
    row = ConsoleAccount(
        id=str(uuid.uuid4()),
        email=email,
        role=role,
        advisor_id=advisor_id,
        password_hash=_hasher.hash(password),
        must_change_password=True,
        totp_secret=secret,
        last_totp_step=None,
        failed_logins=0,
        locked_until=None,
        disabled=False,
        created_at=now or datetime.now(timezone.utc),
    )
    session.add(row)
    session.flush()
    return Enrolment(row.record(), password, totp_uri(email, secret))


def list_accounts(session: Session) -> list[Account]:
    rows = session.execute(select(ConsoleAccount).order_by(ConsoleAccount.email)).scalars()
    return [row.record() for row in rows]


def count_admins(session: Session) -> int:
    query = select(func.count()).select_from(ConsoleAccount)
    query = query.where(ConsoleAccount.role == "admin", ConsoleAccount.disabled.is_(False))
    return int(session.execute(query).scalar_one())


def disable_account(session: Session, email: str) -> Account:
    row = _row(session, email)
    row.disabled = True
    session.flush()
    return row.record()


def reset_password(session: Session, email: str) -> Enrolment:
    """A new one-time password; the account is unlocked and must change it at login."""
    row = _row(session, email)
    password = one_time_password()
    row.password_hash = _hasher.hash(password)
    row.must_change_password = True
    row.failed_logins = 0
    row.locked_until = None
    session.flush()
    return Enrolment(row.record(), password, None)


def reset_second_factor(session: Session, email: str) -> Enrolment:
    """A new TOTP secret (a lost phone); the old authenticator stops working."""
    row = _row(session, email)
    secret = pyotp.random_base32()
    row.totp_secret = secret
    row.last_totp_step = None
    session.flush()
    return Enrolment(row.record(), None, totp_uri(row.email, secret))


def change_password(session: Session, account_id: str, current: str, new: str) -> Account:
    row = session.get(ConsoleAccount, account_id)
    if row is None or row.disabled:
        raise AccountError("no such account")
    if not _verify(row.password_hash, current):
        raise AccountError("the current password is wrong", "password_wrong")
    check_new_password(new)
    if new == current:
        raise AccountError("the new password is the same as the old one", "password_same")
    row.password_hash = _hasher.hash(new)
    row.must_change_password = False
    session.flush()
    return row.record()


def linked_to(session: Session, advisor_id: str) -> list[Account]:
    """The accounts linked to a directory advisor."""
    query = select(ConsoleAccount).where(ConsoleAccount.advisor_id == advisor_id)
    return [row.record() for row in session.execute(query.order_by(ConsoleAccount.email))
            .scalars()]  # fmt: skip


def link_advisor(session: Session, email: str, advisor_id: str) -> Optional[Account]:
    """Links an existing advisor account to a directory advisor (the caller checks that the
    advisor exists). An account is linked to one advisor: one linked elsewhere is refused
    until it is unlinked there. None: it was linked to this advisor already."""
    try:
        row = _row(session, email)
    except AccountError as error:
        raise AccountError(str(error), "link_unknown") from None
    if row.role != "advisor":
        raise AccountError(f"a {row.role} account is not linked to an advisor", "link_not_advisor")
    if row.advisor_id == advisor_id:
        return None
    if row.advisor_id:
        raise AccountError(f"linked to advisor {row.advisor_id}", "link_elsewhere", row.advisor_id)
    row.advisor_id = advisor_id
    session.flush()
    return row.record()


def unlink_advisor(session: Session, account_id: str, advisor_id: str) -> Optional[Account]:
    """The account no longer acts for the advisor (its inbox is empty until it is linked
    again). None: it was not linked to this advisor."""
    row = session.get(ConsoleAccount, account_id)
    if row is None or row.advisor_id != advisor_id:
        return None
    row.advisor_id = None
    session.flush()
    return row.record()


# --- logging in ----------------------------------------------------------------------------


@dataclass(frozen=True)
class LoginResult:
    account: Optional[Account]  # None: refused
    locked: bool = False


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _totp_step(secret: str, code: str, now: datetime) -> Optional[int]:
    """The time step the code belongs to (this one or a neighbour, for clock drift)."""
    code = re.sub(r"\s", "", code)
    if not re.fullmatch(r"\d{6}", code):
        return None
    totp = pyotp.TOTP(secret)
    step = int(now.timestamp()) // totp.interval
    for candidate in (step, step - 1, step + 1):
        if secrets.compare_digest(totp.at(candidate * totp.interval), code):
            return candidate
    return None


def log_in(
    session: Session,
    email: str,
    password: str,
    code: str,
    now: Optional[datetime] = None,
    policy: LoginPolicy = LoginPolicy(),
) -> LoginResult:
    """Checks e-mail, password and TOTP code together (the answer never says which was
    wrong). Counts failures, locks at the threshold; a locked account is refused even with
    the right answers until the lock ends."""
    now = now or datetime.now(timezone.utc)
    try:
        row = _row(session, email)
    except AccountError:
        _verify(_DUMMY_HASH, password)
        return LoginResult(None)
    if row.locked_until is not None and row.locked_until > now:
        return LoginResult(None, locked=True)
    password_ok = _verify(row.password_hash, password)
    step = _totp_step(row.totp_secret, code, now) if password_ok else None
    replayed = step is not None and row.last_totp_step is not None and step <= row.last_totp_step
    if row.disabled or step is None or replayed:
        row.failed_logins = (row.failed_logins or 0) + 1
        locked = row.failed_logins >= policy.max_failures
        if locked:
            row.locked_until = now + policy.lockout
            row.failed_logins = 0
        session.flush()
        return LoginResult(None, locked=locked)
    row.failed_logins = 0
    row.locked_until = None
    row.last_totp_step = step
    if _hasher.check_needs_rehash(row.password_hash):
        row.password_hash = _hasher.hash(password)
    session.flush()
    return LoginResult(row.record())


def get_account(session: Session, account_id: str) -> Optional[Account]:
    row = session.get(ConsoleAccount, account_id)
    return row.record() if row is not None else None


def totp_secret_of(session: Session, email: str) -> str:
    """The TOTP secret, for the tests' authenticator and nothing else."""
    return str(_row(session, email).totp_secret)
