"""The worker's reading of each send outcome, and its pacing (a fake port, no HTTP)."""

from __future__ import annotations

import asyncio

from bot.announcements.sending import (
    NETWORK_RETRIES,
    BroadcastWorker,
    MaybeDelivered,
    NotDelivered,
    Pacer,
    PortUnavailable,
    Refused,
)


class Port:
    """Answers each chat as told: an exception to raise (each time) or a message id."""

    def __init__(self, outcomes: dict[str, Exception]) -> None:
        self.outcomes = outcomes
        self.calls: list[str] = []

    async def send(self, conversation_id, message) -> int:
        self.calls.append(conversation_id)
        error = self.outcomes.get(conversation_id)
        if error is not None:
            raise error
        return len(self.calls)

    async def close(self) -> None:
        pass


async def no_wait(_seconds: float) -> None:
    pass


def started(broadcasts, subscriptions, chats: int) -> int:
    for chat in range(1, chats + 1):
        subscriptions.subscribe(f"telegram:{chat}")
    broadcast = broadcasts.compose("Judul", "Isi", "", "humas1").id
    broadcasts.start(broadcast)
    return broadcast


def test_each_outcome_is_recorded_and_only_undelivered_ones_are_retried(broadcasts, subscriptions):
    broadcast = started(broadcasts, subscriptions, 4)
    port = Port(
        {
            "telegram:1": MaybeDelivered("timed out"),
            "telegram:2": NotDelivered("connection refused"),
            "telegram:3": Refused("Bad Request: message is too long"),
        }
    )
    worker = BroadcastWorker(broadcasts, port, rate=1000, lease_seconds=30, sleep=no_wait)
    outcome = asyncio.run(worker.run(broadcast))
    assert outcome.ending == "finished"
    assert sorted(port.calls) == sorted(
        ["telegram:1", "telegram:3", "telegram:4"] + ["telegram:2"] * (NETWORK_RETRIES + 1)
    )
    view = broadcasts.get(broadcast)
    assert (view.state, view.sent, view.failed, view.unknown) == ("done", 1, 2, 1)
    assert dict(broadcasts.errors(broadcast)) == {
        "tanpa jawaban: timed out": 1,
        "jaringan: connection refused": 1,
        "Bad Request: message is too long": 1,
    }


def test_a_channel_that_cannot_send_marks_nothing(broadcasts, subscriptions):
    broadcast = started(broadcasts, subscriptions, 3)
    port = Port({f"telegram:{n}": PortUnavailable("token ditolak") for n in (1, 2, 3)})
    worker = BroadcastWorker(broadcasts, port, rate=1000, lease_seconds=30, sleep=no_wait)
    outcome = asyncio.run(worker.run(broadcast))
    assert (outcome.ending, outcome.error) == ("halted", "token ditolak")
    assert broadcasts.recipient_states(broadcast) == {"pending": 3}
    assert broadcasts.get(broadcast).state == "sending"  # the next worker tries again
    assert broadcasts.acquire(broadcast, "another", 30)  # the lease was released


def test_a_paused_broadcast_stops_the_worker(broadcasts, subscriptions):
    broadcast = started(broadcasts, subscriptions, 2)
    broadcasts.pause(broadcast)
    worker = BroadcastWorker(broadcasts, Port({}), rate=1000, lease_seconds=30, sleep=no_wait)
    assert asyncio.run(worker.run(broadcast)).ending == "busy"  # not sending: no lease
    broadcasts.resume(broadcast)
    assert asyncio.run(worker.run(broadcast)).ending == "finished"


def test_the_pacer_spaces_starts_and_holds_after_a_flood_limit():
    now = [100.0]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(round(seconds, 3))
        now[0] += seconds

    pacer = Pacer(25, lambda: now[0], sleep)

    async def starts(n: int) -> None:
        for _ in range(n):
            await pacer.wait()

    asyncio.run(starts(3))
    assert slept == [0.04, 0.04]
    pacer.hold(5)
    asyncio.run(starts(1))
    assert slept[-1] == 5.0
