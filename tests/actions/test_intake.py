"""The intake form's triggers and validation, on trackers built by hand."""

from __future__ import annotations

import asyncio

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answer import ActionAnswer
from actions.handover import ActionRequestHuman
from actions.intake import NO_REGISTRATION, ActionAskCaseTopic, ValidateCaseForm, new_case
from actions.replies import ActionHandleReply
from bot.answers import COMPLAINT_SUGGESTION_PROMPT
from bot.inbound import prepare_inbound
from tests.support.actions import responses, run, tracker

DOMAIN = {
    "forms": {
        "case_form": {"required_slots": ["case_description", "case_topic", "registration_number"]}
    },
    "slots": {
        name: {"type": "text", "mappings": [{"type": "custom"}]}
        for name in ("case_description", "case_topic", "registration_number", "case_kind")
    },
}


def form_tracker(
    text: str,
    intent: str,
    requested: str,
    slots: dict | None = None,
    entities: list | None = None,
    channel: str = "rest",
    metadata: dict | None = None,
) -> Tracker:
    """A tracker with the intake form active, asking for ``requested``."""
    return tracker(
        text,
        intent,
        {"requested_slot": requested, **(slots or {})},
        metadata,
        entities,
        channel=channel,
        active_loop="case_form",
    )


def validate(tracker_: Tracker) -> tuple[list[dict], list]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ValidateCaseForm().run(dispatcher, tracker_, DOMAIN))
    return dispatcher.messages, events


def slot_value(events: list, name: str):
    values = [e["value"] for e in events if e.get("event") == "slot" and e.get("name") == name]
    assert values, f"{name} was not set"
    return values[-1]


def test_a_complaint_without_answer_opens_the_form_with_its_text_as_description():
    text = "ac ruangan tes mati, panas sekali, saya tidak konsentrasi"
    messages, events = run(ActionAnswer(), tracker(text, "complaint"))
    assert responses(messages) == ["utter_intake_complaint"]
    assert SlotSet("case_description", text) in events
    assert SlotSet("case_kind", "complaint") in events
    assert events[-1] == FollowupAction("case_form")


def test_a_complaint_the_knowledge_base_answers_gets_self_help_first():
    messages, events = run(
        ActionAnswer(), tracker("gagal upload ijazah padahal ukuran 600 kb", "complaint")
    )
    assert responses(messages) == ["text", "utter_ask_helpful"]
    assert FollowupAction("case_form") not in events


def test_a_complaint_near_some_entries_offers_them_before_filing():
    text = "petugas di lokasi tes kemarin kasar sekali sama peserta"
    messages, events = run(ActionAnswer(), tracker(text, "complaint"))
    assert messages[0]["text"] == COMPLAINT_SUGGESTION_PROMPT
    last = messages[0]["buttons"][-1]
    assert (last["title"], last["payload"]) == ("Tidak, catat pengaduan saya", "/affirm")
    assert SlotSet("case_kind", "complaint") in events  # "/affirm" files it as a complaint
    assert SlotSet("case_description", text) in events
    assert FollowupAction("case_form") not in events


def test_a_request_for_a_human_asks_for_the_description():
    messages, events = run(ActionRequestHuman(), tracker("mau bicara sama admin", "human"))
    assert responses(messages) == ["utter_intake_human"]
    assert SlotSet("case_description", None) in events
    assert SlotSet("case_kind", "human_request") in events
    assert events[-1] == FollowupAction("case_form")


def test_public_channels_are_never_asked_for_a_registration_number():
    public = tracker("mau bicara sama admin", "human", channel="twitter")
    _, events = run(ActionRequestHuman(), public)
    assert SlotSet("registration_number", NO_REGISTRATION) in events


def test_accepting_the_offer_opens_the_form_with_the_pending_description():
    slots = {
        "awaiting": "escalation",
        "case_kind": "unanswered_question",
        "case_description": "apakah lulusan paket C boleh daftar sekolah kedinasan",
    }
    _, events = run(ActionHandleReply(), tracker("ya", "affirm", slots))
    assert SlotSet("case_description", slots["case_description"]) in events
    assert events[-1] == FollowupAction("case_form")


@pytest.mark.parametrize(
    ("text", "accepted"),
    [("akun", False), ("tolong", False), ("upload ijazah gagal terus padahal 600kb", True)],
)
def test_a_description_needs_a_few_words(text, accepted):
    messages, events = validate(form_tracker(text, "complaint", "case_description"))
    assert slot_value(events, "case_description") == (text if accepted else None)
    assert ("utter_description_too_short" in responses(messages)) is not accepted


def test_no_at_the_first_question_cancels_the_intake():
    messages, events = validate(form_tracker("batal", "deny", "case_description"))
    assert responses(messages) == ["utter_case_cancelled"]
    assert ActiveLoop(None) in events


def test_topic_from_a_button_from_yes_and_from_free_text():
    slots = {"case_description": "upload ijazah gagal terus padahal 600kb"}
    button = [{"entity": "case_topic", "value": "penipuan"}]
    _, events = validate(form_tracker("/affirm", "affirm", "case_topic", slots, button))
    assert slot_value(events, "case_topic") == "penipuan"
    _, events = validate(form_tracker("ya betul", "affirm", "case_topic", slots))
    assert slot_value(events, "case_topic") == "unggah_dokumen"
    _, events = validate(
        form_tracker("ada yg minta uang katanya bisa lulus", "complaint", "case_topic", slots)
    )
    assert slot_value(events, "case_topic") == "penipuan"
    bogus = [{"entity": "case_topic", "value": "not_a_topic"}]
    _, events = validate(form_tracker("/affirm", "affirm", "case_topic", slots, bogus))
    assert slot_value(events, "case_topic") is None


def test_topic_question_proposes_a_topic_and_lists_all_after_a_no():
    slots = {"case_description": "upload ijazah gagal terus padahal 600kb"}
    dispatcher = CollectingDispatcher()
    asyncio.run(
        ActionAskCaseTopic().run(dispatcher, form_tracker("", "complaint", None, slots), DOMAIN)
    )
    first = dispatcher.messages[0]
    assert first["response"] == "utter_ask_case_topic"
    assert first["buttons"][0]["payload"] == '/affirm{"case_topic":"unggah_dokumen"}'
    assert len(first["buttons"]) == 4
    dispatcher = CollectingDispatcher()
    asyncio.run(
        ActionAskCaseTopic().run(
            dispatcher, form_tracker("bukan", "deny", "case_topic", slots), DOMAIN
        )
    )
    assert dispatcher.messages[0]["response"] == "utter_ask_case_topic_all"
    assert len(dispatcher.messages[0]["buttons"]) == 13
    assert all(len(b["payload"].encode()) <= 64 for b in dispatcher.messages[0]["buttons"])


@pytest.mark.parametrize(
    ("text", "intent", "metadata", "value", "message"),
    [
        ("lewati", "deny", {}, NO_REGISTRATION, None),
        ("belum punya", "deny", {}, NO_REGISTRATION, None),
        ("2019-12345678", "status_check", {}, "2019-12345678", None),
        ("12345", "out_of_scope", {}, None, "utter_registration_invalid"),
        ("[NIK]", "deny", {"nik_redacted": True}, None, "utter_registration_not_nik"),
    ],
)
def test_registration_number(text, intent, metadata, value, message):
    messages, events = validate(
        form_tracker(text, intent, "registration_number", metadata=metadata)
    )
    assert slot_value(events, "registration_number") == value
    if message:
        assert message in responses(messages)


def intake_events(description_message: str, metadata: dict) -> list[dict]:
    """The applicant's messages of an intake: the description, then the last answer."""
    return [
        {"event": "user", "text": "halo", "metadata": prepare_inbound("a@b.id").metadata()},
        {"event": "user", "text": description_message, "metadata": metadata},
        {"event": "user", "text": "-", "metadata": {}},
    ]


def test_the_filing_takes_the_contacts_the_gate_sealed_from_the_description():
    inbound = prepare_inbound("email verifikasi tidak masuk ke budi@example.com, hp 081234567890")
    assert inbound.text == "email verifikasi tidak masuk ke [EMAIL], hp [TELEPON]"
    slots = {
        "case_description": inbound.text,
        "case_topic": "login_password",
        "registration_number": NO_REGISTRATION,
        "case_kind": "complaint",
    }
    events = intake_events(inbound.text, inbound.metadata())
    case = new_case(tracker("-", "deny", slots, events=events))
    assert case.description == inbound.text
    assert case.contact == "budi@example.com, 081234567890"
    assert case.registration_number is None
    assert (case.channel, case.channel_user, case.conversation_id) == (
        "rest",
        "applicant",
        "applicant",
    )


def test_a_filing_without_sealed_contacts_has_no_contact():
    slots = {"case_description": "kartu ujian saya tidak bisa dicetak", "case_kind": "complaint"}
    events = intake_events(slots["case_description"], {"sscn_contacts": "forged"})
    assert new_case(tracker("-", "deny", slots, events=events)).contact is None


def test_a_spaced_nik_as_registration_number_is_redacted_before_the_form_and_refused():
    inbound = prepare_inbound("3174 - 0123 - 4567 - 8921")
    messages, events = validate(
        form_tracker(
            inbound.text, "out_of_scope", "registration_number", metadata=inbound.metadata()
        )
    )
    assert slot_value(events, "registration_number") is None
    assert "utter_registration_not_nik" in responses(messages)
