"""Escalation: start the intake form, validate what the applicant writes, file the case."""

from __future__ import annotations

import asyncio
import hashlib
import re
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import latest_intent, shared_nik
from actions.runtime import desk, services
from bot.dates import format_date_id
from bot.inbound import sealed_contacts
from bot.intake import PUBLIC_CHANNELS, Receipt
from bot.ledger.service import CASE_KINDS, SLA_WORKING_DAYS, NewCase
from bot.privacy import NIK_PLACEHOLDER, redact_personal_data
from bot.topics import load_topics

FORM = "case_form"
FORM_SLOTS = ("case_kind", "case_description", "case_topic", "registration_number")
MIN_DESCRIPTION_WORDS = 4
SUMMARY_CHARS = 140
NO_REGISTRATION = "-"  # the applicant has no registration number (or skipped it)
SKIP_WORDS = re.compile(
    r"^\s*(-|lewat(i|in)?|skip|tidak ada|tdk ada|gak ada|ga ada|nggak ada|belum( punya| ada)?)\W*$",
    re.IGNORECASE,
)
REGISTRATION_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9\-/]{5,29}$")


def channel_of(tracker: Tracker) -> str:
    return tracker.get_latest_input_channel() or "rest"


def is_description(text: str | None) -> bool:
    """A few words at least: enough for an agent to start."""
    return bool(text) and len(re.findall(r"\w+", text)) >= MIN_DESCRIPTION_WORDS


def start_intake(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    kind: str,
    lead_response: str | None,
    description: str | None = None,
) -> list[EventType]:
    """Open the intake form; a good ``description`` is used instead of asking for one."""
    if lead_response:
        dispatcher.utter_message(response=lead_response)
    events: list[EventType] = [
        SlotSet("awaiting", None),
        SlotSet("last_faq_id", None),
        SlotSet("case_kind", kind if kind in CASE_KINDS else "unanswered_question"),
        SlotSet("case_description", description if is_description(description) else None),
        SlotSet("case_topic", None),
        # Public channels never ask for personal details such as a registration number.
        SlotSet(
            "registration_number",
            NO_REGISTRATION if channel_of(tracker) in PUBLIC_CHANNELS else None,
        ),
    ]
    return [*events, FollowupAction(FORM)]


def offer_escalation(
    dispatcher: CollectingDispatcher, kind: str, description: str | None
) -> list[EventType]:
    """Ask whether the case should go to a human; the reply decides."""
    dispatcher.utter_message(response="utter_offer_escalation")
    return awaiting_escalation(kind, description)


def awaiting_escalation(kind: str, description: str | None) -> list[EventType]:
    """The slots that make a "yes" file ``description`` as a case of ``kind``."""
    return [
        SlotSet("awaiting", "escalation"),
        SlotSet("last_faq_id", None),
        SlotSet("case_kind", kind),
        SlotSet("case_description", description),
    ]


def clear_form_slots() -> list[EventType]:
    return [SlotSet(slot, None) for slot in FORM_SLOTS]


def topic_buttons(description: str, show_all: bool) -> tuple[str, list[dict[str, str]]]:
    """The proposed topic first, then alternatives (all topics after a "no")."""
    topics = load_topics()
    ranked = services.topics.ranked(description)
    chosen = list(topics) if show_all else [*ranked[:3], "lainnya"]
    buttons = [
        {
            "title": short_label(topics[topic].label),
            "payload": f'/affirm{{"case_topic":"{topic}"}}',
        }
        for topic in dict.fromkeys(chosen)
    ]
    return short_label(topics[ranked[0]].label), buttons


def short_label(label: str) -> str:
    return label.split(" (")[0]


class ValidateCaseForm(FormValidationAction):
    """Extracts and checks the intake answers; "tidak" at the first question cancels."""

    def name(self) -> str:
        return "validate_case_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        requested = tracker.get_slot("requested_slot")
        if shared_nik(tracker) and tracker.latest_message.get("text"):
            dispatcher.utter_message(response="utter_nik_warning")
        if requested == "case_description" and latest_intent(tracker) == "deny":
            dispatcher.utter_message(response="utter_case_cancelled")
            return [*clear_form_slots(), SlotSet("requested_slot", None), ActiveLoop(None)]
        return await super().run(dispatcher, tracker, domain)

    def _answer_to(self, tracker: Tracker, slot: str) -> str | None:
        if tracker.get_slot("requested_slot") != slot:
            return None
        return (tracker.latest_message.get("text") or "").strip()

    async def extract_case_description(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = self._answer_to(tracker, "case_description")
        return {} if text is None else {"case_description": text}

    def validate_case_description(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is None:  # cleared when the intake started: nothing to check
            return {"case_description": None}
        if isinstance(value, str) and is_description(value):
            return {"case_description": value}
        dispatcher.utter_message(response="utter_description_too_short")
        return {"case_description": None}

    async def extract_case_topic(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = self._answer_to(tracker, "case_topic")
        if text is None:
            return {}
        chosen = next(tracker.get_latest_entity_values("case_topic"), None)
        if chosen:
            return {"case_topic": chosen}
        intent = latest_intent(tracker)
        if intent == "deny":
            return {"case_topic": None}  # the question is asked again, with every topic
        basis = tracker.get_slot("case_description") if intent == "affirm" else text
        return {"case_topic": services.topics.predict(basis or text).topic}

    def validate_case_topic(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {"case_topic": value if value in load_topics() else None}

    async def extract_registration_number(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = self._answer_to(tracker, "registration_number")
        if text is None:
            return {}
        if NIK_PLACEHOLDER not in text and (
            latest_intent(tracker) == "deny" or SKIP_WORDS.match(text)
        ):
            return {"registration_number": NO_REGISTRATION}
        return {"registration_number": text}

    def validate_registration_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is None or value == NO_REGISTRATION:
            return {"registration_number": value}
        text = str(value or "").strip().upper().replace(" ", "")
        if NIK_PLACEHOLDER in text:
            dispatcher.utter_message(response="utter_registration_not_nik")
            return {"registration_number": None}
        if REGISTRATION_PATTERN.match(text) and sum(c.isdigit() for c in text) >= 6:
            return {"registration_number": text}
        dispatcher.utter_message(response="utter_registration_invalid")
        return {"registration_number": None}


class ActionAskCaseTopic(Action):
    """Proposes the category with buttons to correct it."""

    def name(self) -> str:
        return "action_ask_case_topic"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        description = tracker.get_slot("case_description") or ""
        show_all = (
            tracker.get_slot("requested_slot") == "case_topic" and latest_intent(tracker) == "deny"
        )
        proposed, buttons = topic_buttons(description, show_all)
        response = "utter_ask_case_topic_all" if show_all else "utter_ask_case_topic"
        dispatcher.utter_message(response=response, topic=proposed, buttons=buttons)
        return []


def description_contacts(tracker: Tracker, description: str) -> list[str]:
    """The contacts the gate took out of the message the description came from."""
    for event in reversed(tracker.events):
        if event.get("event") == "user" and event.get("text") == description:
            return sealed_contacts(event.get("metadata"))
    return []


def turn_key(tracker: Tracker) -> str:
    """The filing's ``intake_key``: the same each time this turn's action runs (Rasa
    retries it when the action server died mid-call), different for every turn."""
    latest = next((e for e in reversed(tracker.events) if e.get("event") == "user"), {})
    basis = f"{tracker.sender_id}|{latest.get('timestamp')}|{latest.get('message_id') or ''}"
    return "turn-" + hashlib.sha256(basis.encode()).hexdigest()[:40]


def new_case(tracker: Tracker) -> NewCase:
    """The filing built from the finished intake form."""
    description = tracker.get_slot("case_description")
    contacts = description_contacts(tracker, description)
    description = redact_personal_data(
        description
    )  # already done by the gate: a second line of defence
    registration = tracker.get_slot("registration_number")
    metadata = tracker.latest_message.get("metadata") or {}
    display_name = metadata.get("display_name")
    return NewCase(
        channel=channel_of(tracker),
        channel_user=tracker.sender_id,
        conversation_id=tracker.sender_id,
        kind=tracker.get_slot("case_kind") or "unanswered_question",
        summary=description[:SUMMARY_CHARS],
        description=description,
        display_name=display_name if isinstance(display_name, str) else None,
        sscn_topic=tracker.get_slot("case_topic"),
        contact=", ".join(contacts) or None,
        registration_number=None if registration in (None, NO_REGISTRATION) else registration,
        intake_key=turn_key(tracker),
    )


def due_text(receipt_due) -> str:
    return format_date_id(receipt_due.astimezone(services.settings.timezone).date())


class ActionFileCase(Action):
    """Files the finished intake (or spools it when the ledger is down) and says so."""

    def name(self) -> str:
        return "action_file_case"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if not tracker.get_slot("case_description"):
            return clear_form_slots()  # the applicant cancelled the intake
        receipt: Receipt = await asyncio.to_thread(desk().file, new_case(tracker))
        events = clear_form_slots()
        if receipt.queued:
            dispatcher.utter_message(response="utter_case_queued")
            return [*events, SlotSet("pending_intake", receipt.queued_key)]
        dispatcher.utter_message(
            response="utter_case_filed" if receipt.created else "utter_case_duplicate",
            ticket=receipt.ticket,
            due_date=due_text(receipt.due_at),
            working_days=SLA_WORKING_DAYS,
        )
        if channel_of(tracker) in PUBLIC_CHANNELS:
            # Details move out of the public thread: never ask for them in a post.
            dispatcher.utter_message(response="utter_case_private_follow_up")
        return events
