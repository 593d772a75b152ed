"""Runtime fixes for Rasa 3.6, applied when the Rasa server imports ``channels``.

(Changes that only make Rasa faster are in ``channels/rasa_speedups.py``.)

``RemoteAction.run`` raises when the action server is down or fails; Rasa then
logs the error and the applicant gets silence. The patched run answers with a
short apology instead (once per turn) and marks the turn failed, so the channel
records the message as not answered (``channels/turn.py``). Before apologising it
tries once more when the call never got an answer from an action server (refused,
dropped mid-call, or 502/503/504 from the load balancer: an action server killed
while running it); nginx then sends it to another server. Running an action twice
is safe: actions only read, except filing (idempotent by its ``intake_key``,
actions/intake.py) and the rating, which is not retried.

``MessageProcessor.save_tracker`` is where a turn's tracker is stored; once it
is, the replies a channel held back are sent (``channels/turn.py``).

Rasa wraps every tracker store in ``FailSafeTrackerStore``: when the database
cannot be read, a conversation silently starts over (``retrieve`` returns None),
and when it cannot be written, the turn is kept in this process's memory only,
lost for the other instances and at the next restart; a fenced save refused by
the lock store (channels/tracker_store.py) is "saved" there too. Here those
errors fail the turn instead, so the channel can tell the applicant or have the
platform redeliver (docs/FAULTS.md, c).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.core.processor import MessageProcessor
from rasa.core.tracker_store import FailSafeTrackerStore
from rasa.shared.core.events import BotUttered, Event
from rasa.utils.endpoints import ClientResponseError

from channels.turn import current_turn

logger = logging.getLogger(__name__)
ACTION_SERVER_DOWN_TEXT = (
    "Maaf, layanan kami sedang mengalami gangguan 🙏 Pesan Anda sudah kami catat. "
    "Silakan coba lagi beberapa menit lagi, atau tunggu petugas kami membalas."
)
ACTION_SERVER_DOWN = "action_server_unavailable"
_original_remote_run = RemoteAction.run
_original_save_tracker = MessageProcessor.save_tracker
# Answers of the load balancer when the action server died or was down.
RETRY_STATUSES = frozenset({502, 503, 504})
RETRY_PAUSE_SECONDS = 0.2
NOT_RETRIED = frozenset({"action_store_rating"})  # rates "the latest unrated case"


def _unanswered(error: BaseException) -> bool:
    """The action server gave no answer: refused, dropped, or a gateway error."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, ClientResponseError):
            return seen.status in RETRY_STATUSES
        if isinstance(seen, aiohttp.ClientConnectionError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


async def _run_remote_action(self: RemoteAction, *args: Any, **kwargs: Any) -> list[Event]:
    try:
        try:
            return await _original_remote_run(self, *args, **kwargs)
        except ActionExecutionRejection:
            raise
        except Exception as error:
            if not _unanswered(error) or self.name() in NOT_RETRIED:
                raise
            logger.warning("action %s got no answer (%s); trying once more", self.name(), error)
            await asyncio.sleep(RETRY_PAUSE_SECONDS)
            return await _original_remote_run(self, *args, **kwargs)
    except ActionExecutionRejection:
        raise  # a form rejecting the input: Rasa's normal flow
    except Exception as error:
        logger.error("action %s failed: %s; the applicant gets an apology", self.name(), error)
        turn = current_turn()
        if turn is not None:
            turn.failure = ACTION_SERVER_DOWN
            if turn.apologised:
                return []
            turn.apologised = True
        return [BotUttered(ACTION_SERVER_DOWN_TEXT, metadata={"author": "system"})]


async def _save_tracker(self: MessageProcessor, tracker: Any) -> None:
    await _original_save_tracker(self, tracker)
    turn = current_turn()
    if turn is not None and not turn.saved:
        await turn.replies_saved()


async def _save_or_fail(self: FailSafeTrackerStore, tracker: Any) -> None:
    await self._tracker_store.save(tracker)


async def _retrieve_or_fail(self: FailSafeTrackerStore, sender_id: str) -> Any:
    return await self._tracker_store.retrieve(sender_id)


async def _retrieve_full_or_fail(self: FailSafeTrackerStore, sender_id: str) -> Any:
    return await self._tracker_store.retrieve_full_tracker(sender_id)


def apply() -> None:
    """Install the fixes (idempotent)."""
    RemoteAction.run = _run_remote_action
    MessageProcessor.save_tracker = _save_tracker
    FailSafeTrackerStore.save = _save_or_fail
    FailSafeTrackerStore.retrieve = _retrieve_or_fail
    FailSafeTrackerStore.retrieve_full_tracker = _retrieve_full_or_fail
