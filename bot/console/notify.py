"""Telling advisors about handoffs by e-mail, with no content: only that one waits, and a
link to it in the console.

- A new handoff: its advisor, or the advisors of its pool (those who see it in their
  inbox), each at their console account's address.
- Once a week, the coordinators' digest of legal deadlines (bot.console.digest).
- A handoff nobody has claimed within `VM_ESCALATION_WORKING_DAYS` working days (Monday
  to Friday, in the advisor's time zone, or the post's for a pool): the coordinating
  advisor (the directory's `coordinating` advisor with an account, else
  VM_COORDINATOR_EMAIL).

The console process runs `Notifier.run_once` every half minute. Each handoff is marked
(`notified_at`, `escalated_at`) by one conditional UPDATE before its mail goes out, so
several console processes never send it twice. Without SMTP_HOST no mail is sent and
nothing is marked."""

from __future__ import annotations

import asyncio
import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from typing import Optional
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import runtime
from bot.console import desk
from bot.console.accounts import ConsoleAccount
from bot.console.digest import SUBJECT as DIGEST_SUBJECT
from bot.console.digest import due_digest
from bot.directory.records import Directory
from bot.handoffs.store import Handoff
from bot.settings import Settings, settings

log = logging.getLogger(__name__)

INTERVAL_SECONDS = 30.0
SUBJECT_NEW = "Veilig Melden: a conversation was handed to you / een gesprek is aan u overgedragen"
SUBJECT_ESCALATED = (
    "Veilig Melden: a handoff waits unclaimed / een overdracht wacht nog op een vertrouwenspersoon"
)


@dataclass(frozen=True)
class Mail:
    to: tuple[str, ...]
    subject: str
    body: str


def working_days_later(moment: datetime, zone: str, days: int) -> datetime:
    """The same local time `days` working days (Monday to Friday) later; from a weekend,
    counting starts on Monday."""
    local = moment.astimezone(ZoneInfo(zone))
    while local.weekday() >= 5:
        local = (local + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    added = 0
    while added < days:
        local += timedelta(days=1)
        if local.weekday() < 5:
            added += 1
    return local.astimezone(timezone.utc)


def _zone(row: Handoff, directory: Directory) -> str:
    advisor = directory.advisor(row.advisor_id) if row.advisor_id else None
    if advisor is not None and advisor.time_zone:
        return advisor.time_zone
    post = directory.post(row.post_code)
    return post.time_zone if post is not None else "Europe/Amsterdam"


def recipients(session: Session, row: Handoff, directory: Directory) -> tuple[str, ...]:
    """The addresses of the advisor accounts that see this handoff in their inbox."""
    found = []
    query = select(ConsoleAccount).where(
        ConsoleAccount.role == "advisor", ConsoleAccount.disabled.is_(False)
    )
    for account in session.execute(query).scalars():
        record = account.record()
        if desk.visible_handoff(session, record, directory, row.id) is not None:
            found.append(account.email)
    return tuple(sorted(found))


def coordinator_addresses(
    session: Session, directory: Directory, values: Settings
) -> tuple[str, ...]:
    coordinating = {a.id for a in directory.active_advisors() if a.kind == "coordinating"}
    query = select(ConsoleAccount.email).where(
        ConsoleAccount.advisor_id.in_(coordinating), ConsoleAccount.disabled.is_(False)
    )
    found = tuple(sorted(session.execute(query).scalars()))
    if found:
        return found
    return (values.coordinator_email,) if values.coordinator_email else ()


def _body(link: str, escalated: bool) -> str:
    if escalated:
        english = "A handoff has waited a working day without an advisor taking it up."
        dutch = "Een overdracht wacht al een werkdag zonder dat een vertrouwenspersoon hem oppakt."
    else:
        english = "A conversation has been handed over to you, or to the advisors of your post."
        dutch = "Er is een gesprek aan u overgedragen, of aan de vertrouwenspersonen van uw post."
    return (
        f"{english}\nOpen it in the console (log in first): {link}\n\n"
        f"{dutch}\nOpen het in de console (eerst inloggen): {link}\n\n"
        "This mail holds no content of the conversation. / Deze mail bevat niets uit het gesprek.\n"
    )


def _claim_mark(session: Session, handoff_id: str, column: str, now: datetime) -> bool:
    """Marks the handoff as told; False when another process did already."""
    field = getattr(Handoff, column)
    result = session.execute(
        update(Handoff)
        .where(Handoff.id == handoff_id, field.is_(None))
        .values({column: now})
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)


def due_mails(
    session: Session, directory: Directory, values: Settings, now: datetime
) -> list[Mail]:
    """The mails to send now; their handoffs are marked in this same transaction."""
    mails: list[Mail] = []
    base = values.console_url
    fresh = select(Handoff).where(Handoff.status == "new", Handoff.notified_at.is_(None))
    for row in session.execute(fresh).scalars().all():
        to = recipients(session, row, directory)
        if _claim_mark(session, row.id, "notified_at", now) and to:
            mails.append(Mail(to, SUBJECT_NEW, _body(f"{base}/handoffs/{row.id}", False)))
    waiting = select(Handoff).where(Handoff.status == "new", Handoff.escalated_at.is_(None))
    for row in session.execute(waiting).scalars().all():
        due = working_days_later(
            row.created_at, _zone(row, directory), values.escalation_working_days
        )
        if due > now:
            continue
        to = coordinator_addresses(session, directory, values)
        if _claim_mark(session, row.id, "escalated_at", now) and to:
            mails.append(Mail(to, SUBJECT_ESCALATED, _body(f"{base}/handoffs/{row.id}", True)))
    return mails


def send_mail(mail: Mail, values: Settings) -> None:
    """Blocking (smtplib): called on a worker thread."""
    host = values.smtp("host")
    assert host
    message = EmailMessage()
    message["From"] = values.smtp("from") or f"veilig-melden@{host}"
    message["To"] = ", ".join(mail.to)
    message["Subject"] = mail.subject
    message.set_content(mail.body)
    with smtplib.SMTP(host, int(values.smtp("port") or 587), timeout=30) as smtp:
        if (values.smtp("starttls") or "on").lower() in ("1", "on", "true", "yes"):
            smtp.starttls()
        user = values.smtp("user")
        if user:
            smtp.login(user, values.smtp("password") or "")
        smtp.send_message(message)


class Notifier:
    def __init__(self, values: Optional[Settings] = None) -> None:
        self.values = values or settings()

    @property
    def enabled(self) -> bool:
        return bool(self.values.smtp("host"))

    async def run_once(self, now: Optional[datetime] = None) -> int:
        """Sends what is due; returns how many mails went out."""
        if not self.enabled:
            return 0
        now = now or datetime.now(timezone.utc)
        directory = await runtime.directory_service().current()
        mails = await runtime.database().run(lambda s: due_mails(s, directory, self.values, now))
        try:
            weekly = await runtime.database().run(
                lambda s: due_digest(s, self.values.console_url, now)
            )
        except IntegrityError:
            weekly = None  # another console process sends this week's digest
        if weekly is not None:
            mails.append(Mail(weekly[0], DIGEST_SUBJECT, weekly[1]))
        sent = 0
        for mail in mails:
            try:
                await asyncio.to_thread(send_mail, mail, self.values)
                sent += 1
            except (OSError, smtplib.SMTPException) as error:
                log.error("A notification mail was not sent (%s).", type(error).__name__)
        return sent

    async def run_forever(self) -> None:
        if not self.enabled:
            log.info("Notifications are off: SMTP_HOST is not set.")
            return
        while True:
            try:
                await self.run_once()
            except Exception as error:  # noqa: BLE001 - keep going; the next round retries
                log.error("Notifications failed this round (%s).", type(error).__name__)
            await asyncio.sleep(INTERVAL_SECONDS)
