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
