"""``sscn classify`` looks questions up as the bot does: program and season count."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.classify import IntentGuess, MessageClassifier
from bot.services import Services


@pytest.fixture(scope="module")
def classifier() -> MessageClassifier:
    services = Services()
    return MessageClassifier(
        lambda _text: [IntentGuess("question", 0.9)],
        services.knowledge_base,
        services.topics,
        services.seasons,
        clock=lambda: dt.date(2026, 12, 1),
    )


def test_a_named_program_gets_its_own_entry(classifier):
    assert classifier.classify("berapa batas usia pppk guru").faq_id == "pppk_syarat_usia"


def test_an_unannounced_season_gets_no_old_schedule(classifier):
    # casn_2025_2026 says the 2026 schedule is not announced yet, and where it will be.
    faq_id = classifier.classify("kapan pendaftaran cpns 2026 dibuka?").faq_id
    assert faq_id in (None, "casn_2025_2026")


def test_another_programs_entry_is_not_given(classifier):
    # materi_skd is the CPNS exam; unscoped retrieval used to answer PPPK with it.
    assert classifier.classify("materi tes pppk apa aja").faq_id != "materi_skd"


def out_of_scope_at(confidence: float) -> MessageClassifier:
    services = Services()
    return MessageClassifier(
        lambda _text: [IntentGuess("out_of_scope", confidence)],
        services.knowledge_base,
        services.topics,
        services.seasons,
    )


def test_an_unsure_out_of_scope_reading_the_kb_answers_is_a_question():
    text = "min lupa password akun sscasn gimana resetnya"
    unsure = out_of_scope_at(0.5).classify(text)
    assert (unsure.kind, unsure.faq_id) == ("question", "lupa_password")
    sure = out_of_scope_at(0.95).classify(text)
    assert (sure.kind, sure.faq_id) == ("out_of_scope", None)


def test_a_serving_civil_servant_gets_the_pointer_entry_as_faq_id():
    result = out_of_scope_at(0.95).classify("berkas usul pensiun pns apa saja ya")
    assert (result.kind, result.faq_id) == ("out_of_scope", "pensiun_pns")
    unsure = out_of_scope_at(0.5).classify("berkas usul pensiun pns apa saja ya")
    assert (unsure.kind, unsure.faq_id) == ("out_of_scope", "pensiun_pns")  # still not recruitment
