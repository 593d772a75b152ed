"""What happened during the turn a channel is handling, shared with Rasa's runtime.

A channel starts a turn before handing a message to Rasa (``start_turn``); the
patched ``RemoteAction`` (``channels/rasa_patches.py``) marks it when the action
server could not be reached, so the channel records the message as not answered
instead of answered. The state object is mutable, so it is seen even where Rasa
copies the context.

A channel that pushes replies to the applicant (Telegram, web chat) starts the
turn with ``hold_replies=True``: its output channel hands each send to
``deliver``, which keeps it until Rasa has saved the turn's tracker (the patched
``MessageProcessor.save_tracker`` calls ``replies_saved``, still inside the
conversation's lock, so turns' replies keep their order). A turn that fails
before its tracker is saved (tracker store or lock store down) has then sent
nothing, and the platform's redelivery is answered exactly once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field

Send = Callable[[], Awaitable[None]]
# What a web chat or REST applicant reads when their turn failed before it was saved.
TRY_AGAIN_TEXT = (
    "Maaf, sistem kami sedang gangguan sebentar 🙏 Pesan Anda belum terproses. "
    "Silakan kirim lagi dalam beberapa detik."
)


@dataclass
class TurnState:
    failure: str | None = None
    apologised: bool = False
    hold_replies: bool = False
    saved: bool = False  # Rasa saved the turn's tracker
    held: list[Send] = field(default_factory=list)

    async def replies_saved(self) -> None:
        """The tracker is saved: send what was held, in order; later sends go at once."""
        self.saved = True
        self.hold_replies = False
        held, self.held = self.held, []
        for send in held:
            await send()


_current: ContextVar[TurnState | None] = ContextVar("sscn_turn", default=None)


def start_turn(hold_replies: bool = False) -> TurnState:
    """A fresh state for the message about to be handled in this task."""
    state = TurnState(hold_replies=hold_replies)
    _current.set(state)
    return state


def end_turn() -> None:
    """Forget the turn: Sanic serves a keep-alive connection's requests in one task, so
    a later request (an agent's reply through the API) must not see this one's state."""
    _current.set(None)


def current_turn() -> TurnState | None:
    return _current.get()


async def deliver(send: Send) -> None:
    """Send now, or once the turn is saved when the channel holds its replies."""
    turn = current_turn()
    if turn is not None and turn.hold_replies:
        turn.held.append(send)
        return
    await send()
