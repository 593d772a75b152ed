"""FAQ suggestions grouped from the lookups, on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import func, select, text, update

from bot.kb.schema import ID_PATTERN
from bot.kb.store import KnowledgeBaseStore
from bot.kb.suggestions import SuggestionBook, SuggestionError, refresh_daily, tidy_title
from bot.ledger.calendar import WIB
from bot.ledger.lookups import record_lookup
from bot.ledger.models import KbLookup, KbSuggestion, KbSuggestionMember
from tests.support.kb import NEGATIVES, default_kb

DAY = dt.date(2026, 11, 30)
NIK = "3201234567890123"
PHOTO = [
    ("gmn cara ganti foto profil sscasn min", "telegram", "unanswered"),
    ("cara ganti foto profil sscasn", "webchat", "unanswered"),
    ("gimana caranya ubah foto profil di sscasn", "telegram", "low_confidence"),
    ("ganti poto profil sscasn", "twitter", "unanswered"),
    ("foto profil sscasn mau diganti gmn", "telegram", "unanswered"),
]
FORMATION = [
    ("formasi guru pppk 2024 kapan dibuka", "webchat", "unanswered"),
    ("kpn formasi guru pppk 2024 dibuka min", "telegram", "unanswered"),
]
PASSWORD = [
    ("lupa password sscasn gimana ya", "webchat", "low_confidence"),
    ("saya lupa pw akun sscasn", "telegram", "low_confidence"),
]


@pytest.fixture(scope="module")
def knowledge_base(tmp_path_factory):
    store = KnowledgeBaseStore(default_kb(tmp_path_factory.mktemp("kb")), lambda: NEGATIVES)
    store.current()  # fitted once for the module
    return store


@pytest.fixture
def book(sessions, knowledge_base):
    return SuggestionBook(sessions, knowledge_base)


def ask(sessions, question, channel="telegram", outcome="unanswered", day=DAY, hour=3, **extra):
    at = dt.datetime.combine(day, dt.time(hour), WIB)
    faq_id = extra.pop("faq_id", None)
    record_lookup(
        sessions, channel, faq_id, question, at, conversation_id=f"{channel}:1", outcome=outcome
    )
    if "feedback" in extra:
        with sessions() as session, session.begin():
            latest = session.scalars(select(func.max(KbLookup.id))).one()
            session.execute(
                update(KbLookup).where(KbLookup.id == latest).values(feedback=extra["feedback"])
            )


def ask_all(sessions, *batches):
    for batch in batches:
        for question, channel, outcome in batch:
            ask(sessions, question, channel, outcome)


def by_example(suggestions, word):
    (found,) = [s for s in suggestions if any(word in q for q in s.questions)]
    return found


def test_slang_variants_group_together_and_unrelated_questions_do_not(sessions, book):
    ask_all(sessions, PHOTO, FORMATION)
    ask(sessions, "resep rendang padang")  # asked once: below the minimum
    ask(sessions, "jadwal daftar cpns 2019 kapan", outcome="answered", faq_id="jadwal_cpns_2019")
    suggestions = book.refresh(DAY, DAY)
    assert [s.size for s in suggestions] == [5, 2]  # largest first
    photo, formation = suggestions
    assert set(photo.questions) == {q for q, _, _ in PHOTO}
    assert set(formation.questions) == {q for q, _, _ in FORMATION}
    assert not any("rendang" in q or "2019" in q for s in suggestions for q in s.questions)
    assert photo.channels == {"telegram": 3, "twitter": 1, "webchat": 1}
    assert photo.reasons == {"unanswered": 4, "low_confidence": 1}
    assert photo.first_day == photo.last_day == DAY and photo.state == "open"


def test_unhelpful_answers_count_as_their_own_reason(sessions, book):
    ask_all(sessions, FORMATION)
    ask(sessions, "formasi guru pppk 2024 dibuka kapan", outcome="answered", faq_id="batas_usia")
    ask(sessions, "formasi guru pppk 2024 dibuka kapan", outcome="answered", faq_id="batas_usia")
    with sessions() as session, session.begin():
        session.execute(
            update(KbLookup).where(KbLookup.faq_id == "batas_usia").values(feedback="unhelpful")
        )
    (formation,) = book.refresh(DAY, DAY)
    assert formation.reasons == {"unanswered": 2, "unhelpful": 2}
    assert formation.size == 4


def test_examples_are_at_most_five_distinct_and_never_show_a_nik(sessions, book):
    variants = [
        f"nik {NIK} tidak terdaftar di dukcapil",
        "nik saya tidak terdaftar di dukcapil",
        "nik ga terdaftar dukcapil gmn",
        "nik tidak terdaftar di dukcapil min",
        "kenapa nik tidak terdaftar dukcapil",
        "nik sy tdk terdaftar di dukcapil",
        "nik belum terdaftar di dukcapil",
    ]
    for question in variants:
        ask(sessions, question)
    with sessions() as session, session.begin():  # a row stored before the gate redacted
        session.add(
            KbLookup(
                at=dt.datetime.combine(DAY, dt.time(5), WIB),
                channel="webchat",
                text=f"dukcapil bilang nik {NIK} tidak terdaftar",
                outcome="unanswered",
            )
        )
    (suggestion,) = book.refresh(DAY, DAY)
    assert suggestion.size == 8
    assert len(suggestion.examples) == 5 == len(set(suggestion.examples))
    shown = [*suggestion.examples, *suggestion.questions, *suggestion.proposed_phrasings]
    assert not any(NIK in each for each in shown)
    assert any("[NIK]" in each for each in suggestion.questions)
    assert set(suggestion.examples) <= set(suggestion.questions)


def test_nearest_entries_come_with_the_retrievers_scores(sessions, book):
    ask_all(sessions, PASSWORD, PHOTO)
    suggestions = book.refresh(DAY, DAY)
    password = by_example(suggestions, "lupa")
    assert password.nearest and password.nearest[0].entry_id == "lupa_password"
    assert password.nearest[0].title == "Lupa kata sandi akun SSCASN"
    scores = [near.score for near in password.nearest]
    assert scores == sorted(scores, reverse=True) and all(0 < s <= 1 for s in scores)
    assert len(password.nearest) <= 3


def test_proposals_are_valid_unique_ids_titles_and_phrasings(sessions, book, knowledge_base):
    ask_all(sessions, PHOTO, FORMATION, PASSWORD)
    ask_all(sessions, [("lupa password akun sscasn", "webchat", "unanswered")] * 2)
    suggestions = book.refresh(DAY, DAY)
    existing = {entry.id for entry in knowledge_base.current().entries}
    ids = [s.proposed_id for s in suggestions]
    assert all(ID_PATTERN.match(i) for i in ids) and len(set(ids)) == len(ids)
    assert not set(ids) & existing
    photo = by_example(suggestions, "foto")
    assert "foto" in photo.proposed_id and "profil" in photo.proposed_id
    assert photo.proposed_title[0].isupper() and photo.proposed_title.endswith("?")
    assert not photo.proposed_title.lower().endswith("min?")
    assert 3 <= len(photo.proposed_phrasings) <= 10
    assert len(set(photo.proposed_phrasings)) == len(photo.proposed_phrasings)
    assert set(photo.proposed_phrasings) <= set(photo.questions)
    assert photo.proposed_phrasings[0] == photo.examples[0]  # the most typical first


def test_a_group_of_one_wording_proposes_it_and_its_standard_spelling(sessions, book):
    ask_all(sessions, [("gmn cetak kartu ujian skd", "telegram", "unanswered")] * 3)
    (suggestion,) = book.refresh(DAY, DAY)
    assert suggestion.examples == ("gmn cetak kartu ujian skd",) == suggestion.questions
    assert suggestion.proposed_phrasings == (
        "gmn cetak kartu ujian skd",
        "bagaimana cetak kartu ujian skd",
    )


def test_dismissed_questions_are_not_suggested_again(sessions, book):
    ask_all(sessions, PHOTO, FORMATION)
    photo = by_example(book.refresh(DAY, DAY), "foto")
    dismissed = book.dismiss(photo.id, "humas1")
    assert (dismissed.state, dismissed.decided_by, dismissed.entry_id) == (
        "dismissed",
        "humas1",
        None,
    )
    assert dismissed.decided_at is not None
    # The same questions again (one spelt differently, same normalised text):
    ask(sessions, "Cara ganti foto profil SSCASN!!", day=DAY + dt.timedelta(days=1))
    ask(sessions, "ganti poto profil sscasn", day=DAY + dt.timedelta(days=1))
    suggestions = book.refresh(DAY, DAY + dt.timedelta(days=1))
    assert [s.size for s in suggestions] == [2]
    assert not any("foto" in q or "poto" in q for s in suggestions for q in s.questions)
    assert book.get(photo.id).state == "dismissed"  # decided ones are kept


def test_approve_and_merge_record_the_actor_and_the_entry(sessions, book):
    ask_all(sessions, PHOTO, PASSWORD)
    suggestions = book.refresh(DAY, DAY)
    photo, password = by_example(suggestions, "foto"), by_example(suggestions, "lupa")
    approved = book.approve(photo.id, "ganti_foto_profil", "humas1")
    assert (approved.state, approved.decided_by, approved.entry_id) == (
        "approved",
        "humas1",
        "ganti_foto_profil",
    )
    with pytest.raises(SuggestionError, match="tidak ada"):
        book.merge(password.id, "entri_yang_tidak_ada", "humas2")
    merged = book.merge(password.id, "lupa_password", "humas2")
    assert (merged.state, merged.decided_by, merged.entry_id) == (
        "merged",
        "humas2",
        "lupa_password",
    )
    assert book.open() == []
    with pytest.raises(SuggestionError, match="sudah diputuskan oleh humas1"):
        book.dismiss(photo.id, "humas2")
    assert book.get(photo.id).state == "approved"
    # An approved entry's id is taken: no new proposal gets it.
    ask_all(sessions, [("ganti_foto_profil formasi", "webchat", "unanswered")] * 2)
    assert all(s.proposed_id != "ganti_foto_profil" for s in book.refresh(DAY, DAY))


def test_a_double_click_decides_once(sessions, book):
    ask_all(sessions, PHOTO)
    (photo,) = book.refresh(DAY, DAY)
    outcomes = []

    def click(actor):
        try:
            outcomes.append(book.dismiss(photo.id, actor).decided_by)
        except SuggestionError as error:
            outcomes.append(str(error))

    threads = [threading.Thread(target=click, args=(f"humas{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [o for o in outcomes if o.startswith("humas")]
    assert len(winners) == 1 and book.get(photo.id).decided_by == winners[0]
    assert sum("sudah diputuskan" in o for o in outcomes) == 3


@pytest.mark.parametrize("bad", [0, -1, 10**12, "1", None, True])
def test_forged_ids_and_bad_input_give_clear_errors(sessions, book, bad):
    assert book.get(bad) is None
    with pytest.raises(SuggestionError):
        book.dismiss(bad, "humas1")


def test_bad_entry_ids_actors_and_periods_are_refused(sessions, book):
    ask_all(sessions, FORMATION)
    (suggestion,) = book.refresh(DAY, DAY)
    for entry_id in ("", "Foto Profil", "1abc", "a" * 65, "x"):
        with pytest.raises(SuggestionError, match="Id entri"):
            book.approve(suggestion.id, entry_id, "humas1")
    with pytest.raises(SuggestionError, match="petugas"):
        book.dismiss(suggestion.id, "  ")
    with pytest.raises(SuggestionError, match="Periode"):
        book.refresh(DAY, DAY - dt.timedelta(days=1))
    with pytest.raises(SuggestionError, match="Periode"):
        book.refresh(DAY, dt.date.max)  # the end of time
    with pytest.raises(SuggestionError, match="Periode"):
        book.refresh(dt.date.min, DAY)
    assert book.get(suggestion.id).state == "open"


def test_refresh_twice_is_idempotent(sessions, book):
    ask_all(sessions, PHOTO, FORMATION, PASSWORD)
    first = book.refresh(DAY, DAY)
    assert book.refresh(DAY, DAY) == first
    assert book.open() == first
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(KbSuggestion)) == len(first)


def test_refreshes_running_at_once_leave_one_set(sessions, book):
    ask_all(sessions, PHOTO, FORMATION, PASSWORD)
    results, errors = [], []

    def run():
        try:
            results.append(book.refresh(DAY, DAY))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    final = book.open()
    assert sorted(s.size for s in final) == [2, 2, 5]
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(KbSuggestion)) == 3
        assert session.scalar(select(func.count()).select_from(KbSuggestionMember)) == 9


def test_the_period_is_whole_days_in_jakarta(sessions, book):
    ask_all(sessions, FORMATION)
    ask(sessions, "formasi guru pppk 2024 dibuka kapan", day=DAY - dt.timedelta(days=1), hour=23)
    ask(sessions, "formasi guru pppk 2024 dibuka kapan", day=DAY + dt.timedelta(days=1), hour=0)
    (suggestion,) = book.refresh(DAY, DAY)
    assert suggestion.size == 2
    (wider,) = book.refresh(DAY - dt.timedelta(days=1), DAY + dt.timedelta(days=1))
    assert wider.size == 4 and wider.id == suggestion.id  # the same group keeps its id
    assert (wider.first_day, wider.last_day) == (
        DAY - dt.timedelta(days=1),
        DAY + dt.timedelta(days=1),
    )


def test_erased_and_purged_texts_disappear_from_the_suggestion(sessions, book):
    ask_all(sessions, PHOTO)
    (photo,) = book.refresh(DAY, DAY)
    erased = "ganti poto profil sscasn"
    with sessions() as session, session.begin():
        session.execute(update(KbLookup).where(KbLookup.text == erased).values(text=None))
        session.execute(text("DELETE FROM kb_lookups WHERE channel = 'webchat'"))  # purge
    after = book.get(photo.id)
    assert erased not in after.questions and erased not in after.examples
    assert "cara ganti foto profil sscasn" not in after.questions
    assert len(after.questions) == 3 and erased not in after.proposed_phrasings
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(KbSuggestionMember)) == 4
    # Every text gone: the suggestion still loads, titled after its proposed id.
    with sessions() as session, session.begin():
        session.execute(update(KbLookup).values(text=None))
    bare = book.get(photo.id)
    assert bare.examples == () and bare.proposed_title.startswith("Saran ")


def test_refresh_daily_covers_the_last_seven_days(sessions, book):
    ask_all(sessions, FORMATION)
    ask(sessions, "formasi guru pppk 2024 dibuka kapan", day=DAY - dt.timedelta(days=6))
    ask(sessions, "formasi guru pppk 2024 dibuka kapan", day=DAY - dt.timedelta(days=7))

    class Services:
        suggestions = book

    (suggestion,) = refresh_daily(Services(), DAY)
    assert suggestion.size == 3


def test_titles_are_tidied():
    assert tidy_title("halo min  cara ganti foto profil sscasn min??") == (
        "Cara ganti foto profil sscasn?"
    )
    assert tidy_title("kapan pengumuman skd.") == "Kapan pengumuman skd?"
    assert tidy_title("gmn cr ganti pw sscasn, min") == "Bagaimana cr ganti password sscasn?"
    assert tidy_title("PPPK guru 2024 kpn dibuka") == "PPPK guru 2024 kapan dibuka?"
    assert len(tidy_title("kata " * 100)) <= 120
