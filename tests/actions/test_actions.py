"""Custom actions on trackers built by hand (Rasa's test stories do not run them)."""

from __future__ import annotations

import datetime as dt

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from actions.answer import ActionAnswer, consecutive_fallbacks
from actions.replies import ActionHandleReply
from actions.runtime import seasons, services
from actions.smalltalk import ActionOutOfScope
from bot.answers import SERVING_ASN_INTRO, SUGGESTION_PROMPT
from bot.dates import today
from bot.lookup import look_up
from tests.support.actions import responses, run, tracker


def test_answer_sends_the_faq_answer_and_asks_for_feedback():
    messages, events = run(ActionAnswer(), tracker("min lupa pw sscasn gmn", "question"))
    assert responses(messages) == ["text", "utter_ask_helpful"]
    assert "helpdesk-sscasn.bkn.go.id" in messages[0]["text"]
    assert SlotSet("awaiting", "feedback") in events
    assert SlotSet("last_faq_id", "lupa_password") in events


def test_no_answer_offers_escalation():
    messages, events = run(ActionAnswer(), tracker("resep kue lapis legit", "question"))
    assert responses(messages) == ["utter_no_answer", "utter_offer_escalation"]
    assert SlotSet("awaiting", "escalation") in events


def test_first_fallback_asks_to_rephrase_and_second_escalates():
    unclear = {
        "event": "user",
        "text": "zzz qqq",
        "parse_data": {"intent": {"name": "nlu_fallback"}},
    }
    first = tracker("zzz qqq", "nlu_fallback", events=[unclear])
    assert consecutive_fallbacks(first) == 1
    assert responses(run(ActionAnswer(), first)[0]) == ["utter_rephrase"]
    second = tracker("zzz qqq", "nlu_fallback", events=[unclear, unclear])
    assert responses(run(ActionAnswer(), second)[0])[-1] == "utter_offer_escalation"


def test_nik_warning_comes_first_and_the_truncation_note_follows():
    messages, _ = run(
        ActionAnswer(),
        tracker(
            "nik saya [NIK] tidak valid",
            "question",
            metadata={"nik_redacted": True, "truncated": True},
        ),
    )
    assert responses(messages)[:2] == ["utter_nik_warning", "utter_truncated"]
    assert messages[1]["max_chars"] == "2.000"


@pytest.mark.parametrize(
    ("awaiting", "intent", "expected", "next_awaiting"),
    [
        ("feedback", "feedback_helpful", ["utter_glad"], None),
        ("feedback", "affirm", ["utter_glad"], None),
        (
            "feedback",
            "feedback_unhelpful",
            ["utter_unhelpful", "utter_offer_escalation"],
            "escalation",
        ),
        ("feedback", "deny", ["utter_unhelpful", "utter_offer_escalation"], "escalation"),
        ("escalation", "affirm", ["utter_intake_accepted"], None),
        ("escalation", "deny", ["utter_escalation_declined"], None),
        (None, "affirm", ["utter_anything_else"], None),
        (None, "feedback_unhelpful", ["utter_unhelpful", "utter_offer_escalation"], "escalation"),
    ],
)
def test_replies_are_read_against_what_the_bot_asked(awaiting, intent, expected, next_awaiting):
    messages, events = run(ActionHandleReply(), tracker("ya", intent, {"awaiting": awaiting}))
    assert responses(messages) == expected
    assert SlotSet("awaiting", next_awaiting) in events


def test_out_of_scope_points_civil_service_topics_to_the_right_channel():
    messages, _ = run(ActionOutOfScope(), tracker("gimana cara urus pensiun pns", "out_of_scope"))
    assert "pensiun PNS" in messages[0]["text"]
    messages, _ = run(ActionOutOfScope(), tracker("siapa juara liga inggris", "out_of_scope"))
    assert responses(messages) == ["utter_out_of_scope"]


def test_a_serving_civil_servants_matter_gets_the_entry_naming_its_channel():
    messages, events = run(
        ActionAnswer(), tracker("mau tanya berkas usul pensiun pns saya apa aja", "out_of_scope")
    )
    reply = messages[0]["text"]
    assert reply.startswith(SERVING_ASN_INTRO) and "lapor.go.id" in reply
    assert SlotSet("last_faq_id", "pensiun_pns") in events
    messages, _ = run(ActionAnswer(), tracker("siapa juara liga inggris", "out_of_scope"))
    assert responses(messages) == ["utter_out_of_scope"]


def test_without_a_sure_answer_the_likely_entries_are_offered_as_buttons():
    text = "tes kesehatan"
    lookup = look_up(text, services.knowledge_base.current(), seasons.current(), today())
    assert lookup.match is None and lookup.suggestions  # the premise of this test
    messages, events = run(ActionAnswer(), tracker(text, "question"))
    assert messages[0]["text"] == SUGGESTION_PROMPT
    payloads = [button["payload"] for button in messages[0]["buttons"]]
    expected = [f'/question{{"faq_choice": "{m.entry.id}"}}' for m in lookup.suggestions]
    assert payloads == [*expected, "/affirm"]  # the last one: a person instead
    assert SlotSet("awaiting", "escalation") in events
    assert SlotSet("case_description", text) in events
    # On X the buttons would not show: no suggestions there.
    public, _ = run(ActionAnswer(), tracker(text, "question", channel="twitter"))
    assert SUGGESTION_PROMPT not in [message.get("text") for message in public]


def test_a_suggestion_clicked_is_answered_and_a_forged_one_is_not():
    def clicked(entry_id: str) -> Tracker:
        payload = f'/question{{"faq_choice": "{entry_id}"}}'
        entity = [{"entity": "faq_choice", "value": entry_id}]
        return tracker(payload, "question", entities=entity)

    messages, events = run(ActionAnswer(), clicked("lupa_password"))
    assert "helpdesk-sscasn" in messages[0]["text"]
    assert SlotSet("last_faq_id", "lupa_password") in events
    messages, events = run(ActionAnswer(), clicked("no_such_entry"))
    assert SlotSet("last_faq_id", "no_such_entry") not in events
    assert messages  # an honest reply, not a crash


def test_an_unsure_out_of_scope_reading_is_answered_when_the_kb_is_sure():
    text = "min lupa password akun sscasn gimana resetnya"
    messages, events = run(ActionAnswer(), tracker(text, "out_of_scope", confidence=0.5))
    assert "helpdesk-sscasn" in messages[0]["text"]
    assert SlotSet("last_faq_id", "lupa_password") in events
    messages, _ = run(ActionAnswer(), tracker(text, "out_of_scope", confidence=0.95))
    assert responses(messages) == ["utter_out_of_scope"]


def test_on_x_the_answer_is_the_short_variant():
    public = tracker("min lupa pw sscasn gmn", "question", channel="twitter")
    messages, _ = run(ActionAnswer(), public)
    private, _ = run(ActionAnswer(), tracker("min lupa pw sscasn gmn", "question"))
    assert len(messages[0]["text"]) <= 280 < len(private[0]["text"])


def lookup_rows(ledger_url: str) -> list:
    from sqlalchemy import create_engine, text

    engine = create_engine(ledger_url)
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT faq_id, text, conversation_id, confidence, outcome, feedback, channel"
                " FROM kb_lookups ORDER BY id"
            )
        ).all()
    engine.dispose()
    return rows


def test_lookups_are_recorded_with_their_outcome(ledger_url):
    run(ActionAnswer(), tracker("min lupa pw sscasn gmn", "question"))
    run(ActionAnswer(), tracker("resep kue lapis legit 3201234567890123", "question"))
    run(ActionAnswer(), tracker("tes kesehatan", "question"))  # entries offered as buttons
    run(ActionAnswer(), tracker("tes kesehatan", "question", channel="twitter"))  # none on X
    run(ActionAnswer(), tracker("halo", "greeting"))  # not a question: not counted
    sure, nothing, offered, public = lookup_rows(ledger_url)
    assert (sure.faq_id, sure.outcome, sure.conversation_id) == (
        "lupa_password",
        "answered",
        "applicant",
    )
    assert sure.confidence >= 0.9
    assert nothing.faq_id is None and nothing.outcome == "unanswered"
    assert "[NIK]" in nothing.text and "3201234567890123" not in nothing.text
    assert nothing.confidence is None
    assert (offered.faq_id, offered.outcome) == (None, "low_confidence")
    assert 0.3 <= offered.confidence < 0.8  # the best entry offered
    assert (public.outcome, public.channel, public.confidence) == ("unanswered", "twitter", None)


@pytest.mark.parametrize(
    ("intent", "feedback"),
    [("feedback_unhelpful", "unhelpful"), ("deny", "unhelpful"), ("affirm", "helpful")],
)
def test_was_it_helpful_marks_the_latest_lookup(ledger_url, intent, feedback):
    run(ActionAnswer(), tracker("resep kue lapis legit", "question"))
    run(ActionAnswer(), tracker("min lupa pw sscasn gmn", "question"))
    context = {"last_faq_id": "lupa_password", "awaiting": "feedback"}
    run(ActionHandleReply(), tracker("ya", intent, slots=context))
    earlier, latest = lookup_rows(ledger_url)
    assert (earlier.feedback, latest.feedback) == (None, feedback)


def test_feedback_without_a_lookup_changes_nothing_and_answers(ledger_url):
    messages, _ = run(
        ActionHandleReply(), tracker("tidak membantu", "feedback_unhelpful", slots={})
    )
    assert responses(messages) == ["utter_unhelpful", "utter_offer_escalation"]
    assert lookup_rows(ledger_url) == []


@pytest.fixture
def december_2026(monkeypatch):
    monkeypatch.setattr("actions.answer.today", lambda: dt.date(2026, 12, 1))


def slot(events: list, name: str):
    values = [event["value"] for event in events if event.get("name") == name]
    return values[-1] if values else None


def test_a_pppk_question_never_gets_the_cpns_age_limits(december_2026):
    messages, events = run(ActionAnswer(), tracker("berapa batas usia pppk guru", "question"))
    assert slot(events, "last_faq_id") != "batas_usia"
    if slot(events, "last_faq_id") is None:  # no PPPK entry yet: say so, offer a person
        assert "PPPK" in messages[0]["text"] and "sscasn.bkn.go.id" in messages[0]["text"]
        assert responses(messages)[-1] == "utter_offer_escalation"
    assert slot(events, "last_program") == "pppk"


@pytest.mark.parametrize("text", ["kapan pendaftaran cpns 2026 dibuka?", "jadwal CPNS 2026"])
def test_an_unannounced_season_is_said_to_be_unannounced(december_2026, text):
    messages, events = run(ActionAnswer(), tracker(text, "question"))
    answer = messages[0]["text"]
    assert "belum diumumkan" in answer and "sscasn.bkn.go.id" in answer
    assert slot(events, "last_faq_id") not in ("jadwal_cpns_2019", "jadwal_cpns_2024")
    assert "Catatan: informasi ini untuk musim seleksi yang sudah lewat" not in answer


def test_a_follow_up_read_as_out_of_scope_is_answered_in_context(december_2026):
    context = {"last_faq_id": "lupa_password", "awaiting": "feedback"}
    messages, events = run(
        ActionAnswer(), tracker("gimana cara resetnya", "out_of_scope", slots=context)
    )
    assert responses(messages) == ["text", "utter_ask_helpful"]
    assert slot(events, "last_faq_id") == "lupa_password"


def test_out_of_scope_without_context_stays_out_of_scope():
    messages, _ = run(ActionAnswer(), tracker("rekomendasi film horor dong", "out_of_scope"))
    assert responses(messages) == ["utter_out_of_scope"]
    messages, _ = run(
        ActionAnswer(),
        tracker("siapa juara liga inggris", "out_of_scope", slots={"last_faq_id": "batas_usia"}),
    )
    assert responses(messages) == ["utter_out_of_scope"]


def test_kalau_pppk_after_the_cpns_age_limits_moves_to_pppk(december_2026):
    context = {"last_faq_id": "batas_usia", "last_program": "cpns"}
    messages, events = run(ActionAnswer(), tracker("kalau PPPK?", "question", slots=context))
    assert slot(events, "last_faq_id") == "pppk_syarat_usia"
    assert slot(events, "last_program") == "pppk"


def test_a_follow_up_read_as_yes_is_answered_not_thanked(december_2026):
    context = {"last_faq_id": "lupa_password", "awaiting": "feedback"}
    messages, events = run(
        ActionHandleReply(), tracker("cara resetnya gimana", "affirm", slots=context)
    )
    assert responses(messages) == ["text", "utter_ask_helpful"]
    assert slot(events, "last_faq_id") == "lupa_password"
    plain_yes, _ = run(ActionHandleReply(), tracker("iya", "affirm", slots=context))
    assert responses(plain_yes) == ["utter_glad"]
    unhelpful, _ = run(
        ActionHandleReply(), tracker("maksudnya gimana", "feedback_unhelpful", slots=context)
    )
    assert responses(unhelpful) == ["utter_unhelpful", "utter_offer_escalation"]
