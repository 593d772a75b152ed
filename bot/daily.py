"""The daily jobs (`sscn daily`, started by `make run`): FAQ suggestions, the privacy purge.

A job runs once per local day, at or after ``SSCN_DAILY_AT`` (02:00 by default), or
as soon as the runner starts when that day's run was missed (a laptop switched off
at night). The day is claimed in the ledger database (row ``daily:<job>`` of
``channel_cursors``) by a conditional UPDATE, so several runners (a cluster) run a
job once; a job that fails gives its claim back and is tried again on the next round.
A runner killed in the middle of a job leaves the day claimed: the job runs again
the next day (both jobs catch up on everything older, so nothing is lost).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from bot.ledger.models import ChannelCursor

if TYPE_CHECKING:
    from bot.services import Services

logger = logging.getLogger(__name__)

POLL_SECONDS = 60.0
NEVER = ""  # a claim row's value before the first run (sorts before every date)


@dataclass(frozen=True)
class DailyJob:
    """A named job; ``run(now)`` does one day's work and returns a one-line summary."""

    name: str
    run: Callable[[dt.datetime], str]


@dataclass(frozen=True)
class JobRun:
    job: str
    ok: bool
    summary: str


class DailyRunner:
    """Runs each job once per local day of ``zone``, at or after ``at``."""

    def __init__(
        self,
        sessions: sessionmaker,
        jobs: Sequence[DailyJob],
        at: dt.time,
        zone: dt.tzinfo,
    ) -> None:
        self.sessions = sessions
        self.jobs = tuple(jobs)
        self.at = at
        self.zone = zone

    def run_due(self, now: dt.datetime | None = None) -> list[JobRun]:
        """Run every job whose day has come and that no runner has run today."""
        now = now or dt.datetime.now(dt.timezone.utc)
        local = now.astimezone(self.zone)
        # Before today's hour only yesterday's run can be missing.
        before_hour = local.time() < self.at
        day = local.date() - dt.timedelta(days=1) if before_hour else local.date()
        runs = []
        for job in self.jobs:
            previous = self._claim(job.name, day)
            if previous is None:
                continue
            try:
                summary = job.run(now)
            except Exception as error:  # one failing job must not stop the others
                logger.exception("Daily job %s failed; it is tried again later", job.name)
                self._give_back(job.name, day, previous)
                runs.append(JobRun(job.name, False, f"{type(error).__name__}: {error}"))
                continue
            logger.info("Daily job %s: %s", job.name, summary)
            runs.append(JobRun(job.name, True, summary))
        return runs

    def forever(self, stop: threading.Event, poll_seconds: float = POLL_SECONDS) -> None:
        """Run due jobs every ``poll_seconds`` until ``stop`` is set; a database that
        is down is logged and tried again on the next round."""
        while not stop.is_set():
            try:
                self.run_due()
            except Exception:
                logger.exception("Daily jobs could not be checked; trying again later")
            stop.wait(poll_seconds)

    def last_runs(self) -> dict[str, str]:
        """Each job's last claimed day (ISO date), for operators."""
        names = [self._key(job.name) for job in self.jobs]
        with self.sessions() as session:
            rows = session.execute(
                select(ChannelCursor.name, ChannelCursor.value).where(ChannelCursor.name.in_(names))
            ).all()
        return {name.removeprefix("daily:"): value for name, value in rows}

    @staticmethod
    def _key(job: str) -> str:
        return f"daily:{job}"

    def _claim(self, job: str, day: dt.date) -> str | None:
        """The day's claim for ``job``: the previous value when this runner got it,
        None when the job already ran for ``day`` (here or in another runner)."""
        key, wanted, now = self._key(job), day.isoformat(), dt.datetime.now(dt.timezone.utc)
        try:
            with self.sessions() as session, session.begin():
                session.execute(insert(ChannelCursor).values(name=key, value=NEVER, updated_at=now))
        except IntegrityError:
            pass  # the row exists already
        with self.sessions() as session, session.begin():
            previous = session.execute(
                select(ChannelCursor.value).where(ChannelCursor.name == key)
            ).scalar_one()
            claimed = session.execute(
                update(ChannelCursor)
                .where(ChannelCursor.name == key, ChannelCursor.value == previous)
                .where(ChannelCursor.value < wanted)
                .values(value=wanted, updated_at=now)
            ).rowcount
        return previous if claimed else None

    def _give_back(self, job: str, day: dt.date, previous: str) -> None:
        try:
            with self.sessions() as session, session.begin():
                session.execute(
                    update(ChannelCursor)
                    .where(ChannelCursor.name == self._key(job))
                    .where(ChannelCursor.value == day.isoformat())
                    .values(value=previous, updated_at=dt.datetime.now(dt.timezone.utc))
                )
        except Exception:
            logger.exception("Claim of daily job %s not given back; it runs tomorrow", job)


def standard_jobs(services: Services) -> list[DailyJob]:
    """The jobs `make run` schedules: FAQ suggestions of the last 7 days, then the
    privacy purge (what is past its retention, bot/retention.py)."""
    from bot.kb.suggestions import refresh_daily
    from bot.retention import purge

    def suggestions(now: dt.datetime) -> str:
        found = refresh_daily(services, now.astimezone(services.settings.timezone).date())
        return f"{len(found)} open suggestions, {sum(s.size for s in found)} questions"

    def privacy_purge(now: dt.datetime) -> str:
        return purge(services, now).summary()

    return [DailyJob("suggestions", suggestions), DailyJob("privacy_purge", privacy_purge)]


def runner_for(services: Services) -> DailyRunner:
    """The runner of the standard jobs at ``SSCN_DAILY_AT`` in ``SSCN_TIMEZONE``."""
    settings = services.settings
    return DailyRunner(
        services.sessions, standard_jobs(services), settings.daily_at, settings.timezone
    )
