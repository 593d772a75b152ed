"""Retention purge on SQLite and PostgreSQL (ledger and tracker store): what is past its
retention is anonymised, what is just younger stays, the reports' totals are equal."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt

import pytest
from cryptography.fernet import Fernet
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import EventVerbosity
from sqlalchemy import and_, event, select

from bot.config import Settings
from bot.ledger import anonymise
from bot.ledger.migrate import upgrade
from bot.ledger.models import Message, PrivacyAudit
from bot.reports.figures import Period, build_report
from bot.retention import RetentionPolicy, kept_conversations, purge
from bot.services import Services
from tests.support.applicants import (
    Applicant,
    Clock,
    Dataset,
    leaks,
    migrated_world,
    totals,
)

NOW = dt.datetime(2026, 11, 30, 3, 0, tzinfo=dt.timezone.utc)
DAY = dt.timedelta(days=1)
MINUTE = dt.timedelta(minutes=1)
WORK = dt.timedelta(hours=10)  # Dataset.worked: from the first step to resolving
EVERYTHING = Period(dt.date(2024, 1, 1), dt.date(2026, 11, 30))


def person(channel: str, number: int, name: str, phrase: str) -> Applicant:
    platform = f"{number:032x}" if channel == "webchat" else str(7_700_000 + number)
    nik = f"31750{number:011d}"
    return Applicant(channel, platform, name, nik, f"08129{number:07d}",
                     f"{name.split()[0].lower()}@contoh.id", phrase)  # fmt: skip


PEOPLE = {
    # case closed 730 days + 1 hour ago: purged
    "anton": person("telegram", 11, "Anton Wijaya", "kartu ujian tercetak buram"),
    # case closed 730 days - 1 hour ago: kept, with its conversation
    "eka": person("telegram", 12, "Eka Pratiwi", "nilai SKD belum tampil"),
    # case open for 800 days: kept, with its conversation
    "gita": person("webchat", 13, "Gita Maharani", "lokasi tes dipindah mendadak"),
    # no case, wrote 90 days + 1 minute ago: messages and transcript purged
    "hadi": person("twitter", 14, "Hadi Kusuma", "akun terkunci sejak kemarin"),
    # no case, wrote 90 days - 1 minute ago: kept
    "indah": person("twitter", 15, "Indah Permata", "surat lamaran ditolak sistem"),
    # no case, wrote 180 days + 1 minute ago: its questions purged too
    "joko": person("webchat", 16, "Joko Susilo", "ijazah luar negeri disetarakan"),
}


@pytest.fixture(params=["sqlite", "postgresql"])
def world(request, tmp_path, monkeypatch):
    postgres_url = (
        request.getfixturevalue("postgres_url") if request.param == "postgresql" else None
    )
    with migrated_world(postgres_url, tmp_path, monkeypatch, NOW) as world:
        yield world


def at(data: Dataset, moment: dt.datetime) -> None:
    data.clock.now = moment


def filled(data: Dataset) -> dict[str, Applicant]:
    """Each applicant's conversation (and case) at its moment; the clock back at NOW."""
    people = {name: dataclasses.replace(who, tickets=[]) for name, who in PEOPLE.items()}
    closed = NOW - 730 * DAY
    hour = dt.timedelta(hours=1)
    for name, resolved_at in (("anton", closed - hour), ("eka", closed + hour)):
        who = people[name]
        at(data, resolved_at - WORK - 5 * MINUTE)
        data.conversation(who)
        at(data, resolved_at - WORK)
        data.worked(data.case(who), who, resolve=True)
    at(data, NOW - 800 * DAY)
    data.conversation(people["gita"])
    data.worked(data.case(people["gita"], "unggah_dokumen"), people["gita"], resolve=False)
    for name, moment in (
        ("hadi", NOW - 90 * DAY - MINUTE),
        ("indah", NOW - 90 * DAY + MINUTE),
        ("joko", NOW - 180 * DAY - MINUTE),
    ):
        at(data, moment)
        data.conversation(people[name])
    at(data, NOW)
    return people


def secrets_left(services, who: Applicant) -> set[str]:
    found = set(leaks(services.engine, services.cipher, who.secrets))
    return found | set(leaks(services.tracker_events.engine, services.cipher, who.secrets))


def held(who: Applicant) -> set[str]:
    """What the stores hold of ``who``: the NIK only on a case (the gate redacts it)."""
    return set(who.secrets) - (set() if who.tickets else {who.nik})


def test_what_is_past_its_retention_goes_and_the_totals_stay(world):
    services, _store, data = world
    people = filled(data)
    for who in people.values():
        assert secrets_left(services, who) == held(who)
    before = build_report(services.ledger, services.sessions, EVERYTHING)
    planned = purge(services, NOW, dry_run=True)
    assert secrets_left(services, people["anton"]) == held(people["anton"])  # dry run

    result = purge(services, NOW)

    assert result.counts == planned.counts
    for name in ("anton", "joko"):
        assert secrets_left(services, people[name]) == set(), name
    # Hadi's questions are younger than their retention: only they are left of him.
    hadi = people["hadi"]
    assert {
        place
        for places in leaks(services.engine, services.cipher, hadi.secrets).values()
        for place in places
    } == {"kb_lookups.text", "kb_lookups.conversation_id"}
    assert not leaks(services.tracker_events.engine, services.cipher, hadi.secrets)
    for name in ("eka", "gita", "indah"):
        assert secrets_left(services, people[name]) == held(people[name]), name
    assert totals(build_report(services.ledger, services.sessions, EVERYTHING)) == totals(before)
    anton, eka = (services.ledger.get(people[n].tickets[0]) for n in ("anton", "eka"))
    assert anton.summary == anonymise.MARKER and anton.csat_rating == 4
    assert anton.conversation_id == services.pseudonyms.of(people["anton"].conversation)
    assert eka.display_name == "Eka Pratiwi"
    with services.sessions() as session:
        texts = set(session.execute(select(Message.text)).scalars())
        audits = session.execute(select(PrivacyAudit)).scalars().all()
    assert anonymise.MARKER in texts
    assert result.counts["messages"] == 6  # Anton, Hadi, Joko: 2 each
    assert result.counts["cases"] == 1
    assert result.counts["kb_lookups"] == 8  # older than 180 days, kept cases or not
    assert [(a.action, a.actor, a.subject_hash) for a in audits] == [("purge", "retensi", None)]

    again = purge(services, NOW)  # idempotent, and nothing to audit
    assert again.total == 0
    with services.sessions() as session:
        assert len(session.execute(select(PrivacyAudit)).scalars().all()) == 1


def test_rasa_keeps_working_on_what_the_purge_left(world):
    services, store, data = world
    people = filled(data)
    lina = dataclasses.replace(PEOPLE["indah"], platform_id="7799", name="Lina Marlina")
    at(data, NOW - 100 * DAY)
    data.conversation(lina)
    at(data, NOW - DAY)
    data.conversation(lina, new_session=True)  # still talking: the old session goes
    current = asyncio.run(store.retrieve(lina.conversation)).current_state(EventVerbosity.ALL)
    indah = asyncio.run(store.retrieve_full_tracker(people["indah"].conversation))

    purge(services, NOW)

    assert asyncio.run(store.retrieve(people["hadi"].conversation)) is None
    tracker = asyncio.run(store.get_or_create_tracker(people["hadi"].conversation))
    tracker.update(UserUttered("halo lagi"))
    asyncio.run(store.save(tracker))
    again = asyncio.run(store.retrieve(people["hadi"].conversation))
    assert [e.text for e in again.events if isinstance(e, UserUttered)] == ["halo lagi"]
    after = asyncio.run(store.retrieve(lina.conversation)).current_state(EventVerbosity.ALL)
    assert after == current
    full = asyncio.run(store.retrieve_full_tracker(lina.conversation))
    assert len([e for e in full.events if isinstance(e, UserUttered)]) == 1
    kept = asyncio.run(store.retrieve_full_tracker(people["indah"].conversation))
    assert kept.current_state(EventVerbosity.ALL) == indah.current_state(EventVerbosity.ALL)


def test_a_purge_cut_short_is_finished_by_the_next(world):
    services, _store, data = world
    filled(data)
    expected = purge(services, NOW, dry_run=True).counts["messages"]
    updates = []

    def fail_third(conn, clause, *args):
        if str(clause).startswith("UPDATE messages"):
            updates.append(clause)
            if len(updates) == 3:
                raise RuntimeError("database went away")

    cutoffs = RetentionPolicy(90, 730, 180).cutoffs(NOW)
    condition = and_(  # what the purge selects
        Message.at < cutoffs.transcripts,
        Message.conversation_id.not_in(kept_conversations(cutoffs)),
    )
    event.listen(services.engine, "before_execute", fail_third)
    try:
        with pytest.raises(RuntimeError):
            anonymise.messages(services.sessions, services.pseudonyms, condition, batch=2)
    finally:
        event.remove(services.engine, "before_execute", fail_third)
    with services.sessions() as session:
        done = session.execute(select(Message).where(Message.text == anonymise.MARKER)).all()
    assert len(done) == 4  # the first two batches (one update each) were committed
    assert purge(services, NOW).counts["messages"] == expected - 4


def test_retention_must_be_at_least_a_day():
    with pytest.raises(ValueError, match="at least 1 day"):
        RetentionPolicy(0, 730, 180)


def test_the_command_line_purges_and_counts_in_a_dry_run(tmp_path, monkeypatch, capsys):
    from bot.cli import main
    from channels.tracker_store import SQLTrackerStore
    from tests.support.applicants import DOMAIN

    env = {
        "SSCN_DATABASE_URL": f"sqlite:///{tmp_path / 'ledger.db'}",
        "SSCN_LEDGER_KEY": Fernet.generate_key().decode(),
        "SSCN_TRACKER_DB": str(tmp_path / "tracker.db"),  # endpoints.yml: SQLite
        "SSCN_VAR_DIR": str(tmp_path),
        "SSCN_RETAIN_TRANSCRIPT_DAYS": "30",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    upgrade(env["SSCN_DATABASE_URL"])
    services = Services(Settings.from_env())
    store = SQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=env["SSCN_TRACKER_DB"])
    data = Dataset(services, store, Clock(dt.datetime.now(dt.timezone.utc) - 31 * DAY))
    hadi = dataclasses.replace(PEOPLE["hadi"], tickets=[])
    data.conversation(hadi)

    assert main(["privacy", "purge", "--dry-run"]) == 0
    planned = dict(line.split() for line in capsys.readouterr().out.splitlines())
    assert planned["messages"] == "2" and int(planned["tracker_events"]) > 0
    assert leaks(store.engine, services.cipher, (hadi.name,))  # nothing changed yet
    assert main(["privacy", "purge"]) == 0
    done = dict(line.split() for line in capsys.readouterr().out.splitlines())

    assert done == planned
    assert not leaks(store.engine, services.cipher, hadi.secrets)
    monkeypatch.setenv("SSCN_RETAIN_TRANSCRIPT_DAYS", "0")
    assert main(["privacy", "purge"]) == 1
    assert "at least 1 day" in capsys.readouterr().err
    store.engine.dispose()
    services.engine.dispose()


def test_rejected_outbox_filings_go_after_the_transcript_retention(tmp_path):
    import os

    from bot.ledger.outbox import Outbox
    from bot.retention import purge_rejected

    outbox = Outbox(tmp_path / "outbox", None)
    outbox.rejected_dir.mkdir(parents=True)
    old, young = outbox.rejected_dir / "old.json", outbox.rejected_dir / "young.json"
    for path, age in ((old, 91 * DAY), (young, 89 * DAY)):
        path.write_text("{}")
        moment = (NOW - age).timestamp()
        os.utime(path, (moment, moment))
    cutoff = NOW - 90 * DAY
    assert purge_rejected(outbox, cutoff, dry_run=True) == 1 and old.exists()
    assert purge_rejected(outbox, cutoff) == 1
    assert not old.exists() and young.exists()
