"""The daily runner: once per local day, after its hour, missed days caught up, one
runner per day across instances, a failing job retried; SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading
from zoneinfo import ZoneInfo

from bot.daily import DailyJob, DailyRunner
from bot.ledger.db import make_engine, make_sessionmaker

WIB = ZoneInfo("Asia/Jakarta")


def wib(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=WIB)


class Recorder:
    def __init__(self, fail_times: int = 0) -> None:
        self.calls: list[dt.datetime] = []
        self.fail_times = fail_times
        self.lock = threading.Lock()

    def __call__(self, now: dt.datetime) -> str:
        with self.lock:
            self.calls.append(now)
            if self.fail_times:
                self.fail_times -= 1
                raise RuntimeError("database busy")
        return f"run {len(self.calls)}"


def runner(sessions, *jobs: DailyJob) -> DailyRunner:
    return DailyRunner(sessions, jobs, dt.time(2, 0), WIB)


def test_a_job_runs_once_per_day_after_its_hour(sessions):
    job = Recorder()
    daily = runner(sessions, DailyJob("suggestions", job))
    assert [run.summary for run in daily.run_due(wib(3, 2, 5))] == ["run 1"]
    assert daily.run_due(wib(3, 9)) == []  # same day
    assert daily.run_due(wib(4, 1, 59)) == []  # next day, before 02:00
    assert [run.job for run in daily.run_due(wib(4, 2, 0))] == ["suggestions"]
    assert len(job.calls) == 2
    assert daily.last_runs() == {"suggestions": "2026-12-04"}


def test_a_missed_day_runs_as_soon_as_the_runner_starts(sessions):
    job = Recorder()
    daily = runner(sessions, DailyJob("purge", job))
    daily.run_due(wib(1, 3))
    # The machine was off for two days and starts at 01:00, before the hour:
    # yesterday's run is missing, so it runs now; today's comes after 02:00.
    assert len(daily.run_due(wib(4, 1))) == 1
    assert daily.run_due(wib(4, 1, 30)) == []
    assert len(daily.run_due(wib(4, 2, 1))) == 1
    assert len(job.calls) == 3


def test_two_runners_run_a_day_once(sessions):
    job = Recorder()
    first = runner(sessions, DailyJob("purge", job))
    second = runner(sessions, DailyJob("purge", job))
    barrier = threading.Barrier(2)

    def go(daily: DailyRunner) -> None:
        barrier.wait()
        daily.run_due(wib(5, 2, 30))

    threads = [threading.Thread(target=go, args=(daily,)) for daily in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(job.calls) == 1


def test_a_failing_job_is_retried_and_does_not_stop_the_others(sessions):
    flaky, steady = Recorder(fail_times=1), Recorder()
    daily = runner(sessions, DailyJob("suggestions", flaky), DailyJob("purge", steady))
    runs = daily.run_due(wib(6, 3))
    assert [(run.job, run.ok) for run in runs] == [("suggestions", False), ("purge", True)]
    assert "database busy" in runs[0].summary
    runs = daily.run_due(wib(6, 3, 1))
    assert [(run.job, run.ok) for run in runs] == [("suggestions", True)]
    assert (len(flaky.calls), len(steady.calls)) == (2, 1)


def test_forever_stops_when_asked(sessions):
    job = Recorder()
    daily = runner(sessions, DailyJob("purge", job))
    stop = threading.Event()
    thread = threading.Thread(target=daily.forever, args=(stop, 0.05))
    thread.start()
    stop.set()
    thread.join(timeout=5)
    assert not thread.is_alive()
    assert len(job.calls) <= 1


def test_sscn_daily_once_runs_suggestions_and_purge_then_nothing_is_due(
    tmp_path, monkeypatch, capsys
):
    from bot.cli import main
    from bot.ledger.lookups import record_lookup
    from tests.support.kb import default_kb

    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    monkeypatch.setenv("SSCN_DATABASE_URL", url)
    monkeypatch.setenv("SSCN_KB_DIR", str(default_kb(tmp_path / "kb")))
    monkeypatch.setenv("SSCN_DAILY_AT", "00:00")
    monkeypatch.setenv("SSCN_TRACKER_DB", str(tmp_path / "tracker.db"))
    monkeypatch.setenv("SSCN_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("SSCN_OUTBOX_DIR", str(tmp_path / "outbox"))
    assert main(["db", "upgrade"]) == 0
    engine = make_engine(url)
    for text in ("cara ganti foto profil sscasn", "gmn ganti foto profil sscasn min"):
        record_lookup(make_sessionmaker(engine), "telegram", None, text, conversation_id="t:1")
    engine.dispose()
    capsys.readouterr()
    assert main(["daily", "--once"]) == 0
    out = capsys.readouterr().out
    assert "suggestions: ok: 1 open suggestions, 2 questions" in out
    assert "privacy_purge: ok: " in out
    assert main(["daily", "--once"]) == 0
    assert "nothing due" in capsys.readouterr().out
