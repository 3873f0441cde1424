"""One retention run over both stores: the assistant's database and the tracker store."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Optional

from bot.cases.model import ASSISTANT, audit
from bot.db import Database
from bot.evidence import store as evidence
from bot.retention import purge
from bot.retention.conversations import ENDPOINTS, NoTrackerStore, purge_conversations
from bot.retention.conversations import tracker_store_url as configured_tracker_store
from bot.retention.policy import RetentionPolicy
from bot.timestamps import utc

logger = logging.getLogger(__name__)


@dataclass
class RetentionReport:
    """How many of each were deleted (or, in a dry run, would be): counts only."""

    dry_run: bool
    counts: dict[str, int] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)  # stores that could not be purged

    def lines(self) -> list[str]:
        verb = "would delete" if self.dry_run else "deleted"
        out = [f"{verb} {count} {name}" for name, count in self.counts.items()]
        out += [f"not purged: {reason}" for reason in self.skipped]
        return out

    def detail(self) -> str:
        """For the audit entry: keys and numbers only."""
        return ",".join(f"{name.replace(' ', '_')}={count}" for name, count in self.counts.items())


def run_retention(
    database: Database,
    now: Optional[datetime] = None,
    policy: Optional[RetentionPolicy] = None,
    dry_run: bool = False,
    tracker_store_url: Optional[str] = None,
    endpoints: Path = ENDPOINTS,
) -> RetentionReport:
    """Deletes everything past retention at `now` (default: the clock). Blocking: servers
    call it on a worker thread (bot.retention.schedule)."""
    now = utc(now)
    policy = policy or RetentionPolicy.from_environment()
    report = RetentionReport(dry_run)
    with database.session() as session:
        report.counts["closed cases"] = purge.purge_cases(session, now, policy, dry_run)
        report.counts["closed handoffs"] = purge.purge_handoffs(session, now, policy, dry_run)
        held_before = policy.files_held_before(now)
        report.counts["files not used"] = evidence.purge_held(session, held_before, dry_run)
        report.counts["delivery ids"] = purge.purge_deliveries(session, now, policy, dry_run)
        report.counts["receipt attempts"] = purge.purge_receipt_attempts(session, now, dry_run)
        if not dry_run:
            audit(session, ASSISTANT, "retention.run", now, None, report.detail()[:200])
    try:
        url = tracker_store_url or configured_tracker_store(endpoints)
        conversations, events = purge_conversations(url, now, policy.conversation_days, dry_run)
        report.counts["conversations"] = conversations
        report.counts["conversation events"] = events
    except NoTrackerStore as error:
        report.skipped.append(str(error))
    logger.info("retention %s: %s", "dry run" if dry_run else "run", report.detail())
    return report
