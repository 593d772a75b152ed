"""Answer a question (or offer self-help for a complaint) from the knowledge base."""

from __future__ import annotations

import asyncio
import functools
import json
import logging
from collections.abc import Sequence
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import GuardedAction, latest_intent
from actions.intake import awaiting_escalation, channel_of, offer_escalation, start_intake
from actions.runtime import desk, seasons, services
from actions.smalltalk import ActionOutOfScope
from bot.answers import (
    COMPLAINT_SUGGESTION_PROMPT,
    SUGGESTION_PROMPT,
    render_answer,
    render_no_program_answer,
    render_season,
    render_serving_asn_pointer,
    suggestion_title,
)
from bot.dates import today
from bot.followups import is_followup
from bot.intake import PUBLIC_CHANNELS
from bot.kb.retriever import Match
from bot.kb.store import KnowledgeBaseError
from bot.ledger.lookups import ANSWERED, outcome_of
from bot.lookup import Context, Lookup, look_up, read_out_of_scope

logger = logging.getLogger(__name__)

FALLBACKS_BEFORE_ESCALATION = 2
# Set only by suggestion buttons: the entry the applicant picked.
CHOICE_ENTITY = "faq_choice"


def consecutive_fallbacks(tracker: Tracker) -> int:
    """How many of the latest user messages in a row the NLU could not place."""
    count = 0
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        if (event.get("parse_data") or {}).get("intent", {}).get("name") != "nlu_fallback":
            break
        count += 1
    return count


def suggest(
    dispatcher: CollectingDispatcher, suggestions: Sequence[Match], kind: str, text: str
) -> list[EventType]:
    """Offer the entries the message may be about, and a person if none is it
    (for a complaint: filing it)."""
    complaint = kind == "complaint"
    buttons = [
        {
            "title": suggestion_title(match.entry),
            "payload": "/question" + json.dumps({CHOICE_ENTITY: match.entry.id}),
        }
        for match in suggestions
    ]
    last = "Tidak, catat pengaduan saya" if complaint else "Bukan, teruskan ke petugas"
    buttons.append({"title": last, "payload": "/affirm"})
    prompt = COMPLAINT_SUGGESTION_PROMPT if complaint else SUGGESTION_PROMPT
    dispatcher.utter_message(text=prompt, buttons=buttons)
    return awaiting_escalation(kind, text)


def record(tracker: Tracker, text: str, lookup: Lookup, threshold: float) -> None:
    """Note the lookup for the reports and FAQ suggestions, off the turn's path (the
    reply does not wait for this statistic): the entry and its confidence, or the
    best entry offered as a choice (private channels only offer them)."""
    channel = channel_of(tracker)
    offered = None
    if lookup.match is None and lookup.suggestions and channel not in PUBLIC_CHANNELS:
        offered = lookup.suggestions[0].score
    if lookup.match is None and lookup.season is not None:
        outcome = ANSWERED  # the season's dates (or "not announced yet") answer it
    else:
        outcome = outcome_of(lookup.match.score if lookup.match else None, offered, threshold)
    asyncio.get_running_loop().run_in_executor(
        None,
        functools.partial(
            desk().record_lookup,
            channel,
            lookup.match.entry.id if lookup.match else None,
            text,
            conversation_id=tracker.sender_id,
            confidence=lookup.match.score if lookup.match else offered,
            outcome=outcome,
        ),
    )


def context_of(tracker: Tracker) -> Context | None:
    """What the previous answer of this session was about, if there was one."""
    faq_id, program = tracker.get_slot("last_faq_id"), tracker.get_slot("last_program")
    return Context(faq_id, program) if faq_id or program else None


def answers_followup(tracker: Tracker) -> bool:
    """True when the latest message reads as a follow-up to an earlier answer."""
    return context_of(tracker) is not None and is_followup(tracker.latest_message.get("text") or "")


class ActionAnswer(GuardedAction):
    """Self-help first; a complaint without an answer goes straight to intake.

    Out-of-scope messages come here too: a follow-up to an earlier answer is
    answered in its context, an unsure one the knowledge base answers with
    confidence is answered, a serving civil servant's matter gets the entry that
    names its channel, anything else gets the out-of-scope reply.
    """

    def name(self) -> str:
        return "action_answer"

    async def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        text = tracker.latest_message.get("text") or ""
        intent = latest_intent(tracker)
        out_of_scope = intent == "out_of_scope"
        kind = "complaint" if intent == "complaint" else "unanswered_question"
        try:
            retriever = services.knowledge_base.current()
        except KnowledgeBaseError:
            logger.exception("No usable knowledge base")
            if out_of_scope:
                return await ActionOutOfScope().respond(dispatcher, tracker, domain)
            dispatcher.utter_message(response="utter_kb_unavailable")
            return offer_escalation(dispatcher, kind, text)
        chosen = retriever.entry(next(tracker.get_latest_entity_values(CHOICE_ENTITY), None))
        if chosen is not None:  # a suggestion button
            return self._answer(dispatcher, tracker, Lookup(Match(chosen, 1.0), None))
        if out_of_scope and not answers_followup(tracker):
            confidence = (tracker.latest_message.get("intent") or {}).get("confidence") or 0.0
            reading = read_out_of_scope(text, confidence, retriever)
            if reading.match is None:
                return await ActionOutOfScope().respond(dispatcher, tracker, domain)
            # A question after all, or a serving civil servant's matter: the entry naming
            # its channel.
            serving_asn = not reading.question
            return self._answer(dispatcher, tracker, Lookup(reading.match, None), serving_asn)
        lookup = look_up(text, retriever, seasons.current(), today(), context_of(tracker))
        if out_of_scope and not (lookup.match or lookup.season):
            return await ActionOutOfScope().respond(dispatcher, tracker, domain)

        if intent in ("question", "complaint"):
            record(tracker, text, lookup, retriever.threshold)
        if lookup.match or lookup.season:
            return self._answer(dispatcher, tracker, lookup)
        if lookup.suggestions and channel_of(tracker) not in PUBLIC_CHANNELS:
            return suggest(dispatcher, lookup.suggestions, kind, text)
        if intent == "complaint":
            return start_intake(dispatcher, tracker, kind, "utter_intake_complaint", text)
        if lookup.program:  # never another program's entry: say so, offer a person
            dispatcher.utter_message(text=render_no_program_answer(lookup.program))
            events = offer_escalation(dispatcher, kind, text)
            return [*events, SlotSet("last_program", lookup.program)]
        if (
            intent == "nlu_fallback"
            and consecutive_fallbacks(tracker) < FALLBACKS_BEFORE_ESCALATION
        ):
            dispatcher.utter_message(response="utter_rephrase")
            return [SlotSet("awaiting", None)]
        dispatcher.utter_message(response="utter_no_answer")
        return offer_escalation(dispatcher, kind, text)

    @staticmethod
    def _answer(
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        lookup: Lookup,
        serving_asn: bool = False,
    ) -> list[EventType]:
        """Send the entry's answer (or the season's), then ask whether it helped."""
        if lookup.match:
            public = channel_of(tracker) in PUBLIC_CHANNELS  # X: the short variant
            render = render_serving_asn_pointer if serving_asn else render_answer
            dispatcher.utter_message(text=render(lookup.match.entry, today(), short=public))
        else:
            dispatcher.utter_message(text=render_season(lookup.season, today()))
        dispatcher.utter_message(response="utter_ask_helpful")
        return [
            SlotSet("awaiting", "feedback"),
            SlotSet("last_faq_id", lookup.match.entry.id if lookup.match else None),
            SlotSet("last_program", lookup.answer_program),
        ]
