"""Per-channel accounting of a load run: sent, answered, lost, duplicated, latency.

Pure Python (no Locust, no network): the load users record what they sent
(``Turn``) and what came back (``Reply``) in a ``Recorder``; ``account`` turns the
two lists into figures. The fault campaign uses the same functions.

Attribution of replies to turns, per conversation (a conversation is one
simulated applicant: turns are sequential, the next is sent only after the
previous was answered or timed out):

- a reply that names its turn (``turn_id``: the REST response, the X mention a
  reply thread hangs under) belongs to that turn;
- any other reply belongs to the latest turn of its conversation sent before it
  arrived (``sent_at <= at``); a reply that arrives before any turn is "stray".

Duplicates: one turn legitimately yields several bot messages (answer + "was it
helpful?" buttons, a form question...), so counting replies proves nothing.
A turn is *duplicated* when

- two of its replies carry the same ``key`` (a platform-level identity of the
  reply: for X the parent tweet + text, i.e. the same part posted twice), or
- the sequence of its reply texts is one block repeated (``A B A B``): the reply
  batch of one turn was delivered twice (the same Telegram update or tweet handled
  twice, a webhook retried after it had been answered).

A turn is *lost* when it was accepted (2xx, or emitted on a connected socket) and
no reply arrived by the end of the drain period; *late* when its first reply came
after the turn timeout (the user had given up; it still counts as answered).
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Turn:
    channel: str
    conversation: str
    turn_id: str
    text: str
    sent_at: float
    accepted: bool = False
    scenario: str = ""
    http_errors: int = 0  # non-2xx answers or transport errors (retries included)
    attempts: int = 1
    responses: list[str] = field(default_factory=list)  # per attempt: status code / outcome


@dataclass
class Reply:
    channel: str
    conversation: str
    at: float
    text: str
    turn_id: str | None = None  # the turn this reply names, when the platform says it
    key: str | None = None  # platform identity of the reply (e.g. "parent|text" on X)
    buttons: list[str] = field(default_factory=list)


@dataclass
class TurnOutcome:
    turn: Turn
    replies: list[Reply]

    @property
    def answered(self) -> bool:
        return bool(self.replies)

    @property
    def latency(self) -> float | None:
        return self.replies[0].at - self.turn.sent_at if self.replies else None

    @property
    def duplicated(self) -> bool:
        return is_duplicated(self.replies)


def repeated_block(texts: list[str]) -> bool:
    """Whether ``texts`` is one block repeated two or more times (``[a, b, a, b]``)."""
    count = len(texts)
    for period in range(1, count // 2 + 1):
        if count % period == 0 and all(texts[i] == texts[i % period] for i in range(count)):
            return True
    return False


def is_duplicated(replies: list[Reply]) -> bool:
    keys = [reply.key for reply in replies if reply.key is not None]
    if len(keys) != len(set(keys)):
        return True
    return repeated_block([reply.text for reply in replies])


def attribute(
    turns: Iterable[Turn], replies: Iterable[Reply]
) -> tuple[list[TurnOutcome], dict[str, int]]:
    """Each turn with its replies (in arrival order), and stray replies per channel."""
    outcomes = [TurnOutcome(turn, []) for turn in turns]
    by_id = {(o.turn.channel, o.turn.turn_id): o for o in outcomes}
    by_conversation: dict[tuple[str, str], list[TurnOutcome]] = defaultdict(list)
    for outcome in sorted(outcomes, key=lambda o: o.turn.sent_at):
        by_conversation[(outcome.turn.channel, outcome.turn.conversation)].append(outcome)
    stray: dict[str, int] = defaultdict(int)
    for reply in sorted(replies, key=lambda r: r.at):
        target = by_id.get((reply.channel, reply.turn_id)) if reply.turn_id else None
        if target is None:
            candidates = by_conversation.get((reply.channel, reply.conversation), [])
            earlier = [o for o in candidates if o.turn.sent_at <= reply.at]
            target = earlier[-1] if earlier else None
        if target is None:
            stray[reply.channel] += 1
        else:
            target.replies.append(reply)
    return outcomes, stray


def percentile(values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


@dataclass
class ChannelFigures:
    channel: str
    sent: int = 0  # accepted by the server
    refused: int = 0  # never accepted (every attempt failed)
    answered: int = 0
    lost: int = 0
    late: int = 0
    duplicated: int = 0
    stray: int = 0
    http_errors: int = 0
    p50_ms: float | None = None
    p95_ms: float | None = None
    msg_s: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def figures(
    outcomes: list[TurnOutcome],
    duration: float,
    timeout: float,
    channel: str = "all",
    stray: int = 0,
) -> ChannelFigures:
    """The figures of ``outcomes`` (already filtered to a channel or a stage);
    msg/s = answered turns / ``duration``."""
    result = ChannelFigures(channel, stray=stray)
    latencies = []
    for outcome in outcomes:
        result.http_errors += outcome.turn.http_errors
        if not outcome.turn.accepted:
            result.refused += 1
            continue
        result.sent += 1
        if outcome.answered:
            result.answered += 1
            latency = outcome.latency or 0.0
            latencies.append(latency)
            if latency > timeout:
                result.late += 1
        else:
            result.lost += 1
        if outcome.duplicated:
            result.duplicated += 1
    p50, p95 = percentile(latencies, 0.50), percentile(latencies, 0.95)
    result.p50_ms = None if p50 is None else round(p50 * 1000, 1)
    result.p95_ms = None if p95 is None else round(p95 * 1000, 1)
    result.msg_s = round(result.answered / duration, 2) if duration > 0 else 0.0
    return result


def account(
    turns: list[Turn],
    replies: list[Reply],
    timeout: float,
    start: float | None = None,
    end: float | None = None,
) -> dict[str, ChannelFigures]:
    """Figures per channel and ``"all"`` for the turns sent in ``[start, end)``."""
    outcomes, stray_by_channel = attribute(turns, replies)
    start = min((t.sent_at for t in turns), default=0.0) if start is None else start
    end = max((t.sent_at for t in turns), default=0.0) if end is None else end
    chosen = [o for o in outcomes if start <= o.turn.sent_at < end or o.turn.sent_at == end]
    duration = max(end - start, 1e-9)
    result = {}
    for channel in sorted({o.turn.channel for o in chosen}):
        result[channel] = figures(
            [o for o in chosen if o.turn.channel == channel],
            duration,
            timeout,
            channel,
            stray_by_channel.get(channel, 0),
        )
    result["all"] = figures(chosen, duration, timeout, "all", sum(stray_by_channel.values()))
    return result


def summary_line(total: ChannelFigures) -> str:
    p95 = "nan" if total.p95_ms is None else f"{total.p95_ms:.0f}"
    return (
        f"sent={total.sent} answered={total.answered} lost={total.lost} "
        f"duplicated={total.duplicated} p95_ms={p95} msg_s={total.msg_s:.2f}"
    )


def table(rows: dict[str, ChannelFigures]) -> str:
    """A fixed-width table of per-channel figures."""
    head = (
        f"{'channel':<9}{'sent':>7}{'answ':>7}{'lost':>6}{'late':>6}{'dup':>5}"
        f"{'stray':>6}{'httperr':>8}{'p50_ms':>9}{'p95_ms':>9}{'msg/s':>8}"
    )
    lines = [head]
    for name, row in rows.items():
        p50 = "-" if row.p50_ms is None else f"{row.p50_ms:.0f}"
        p95 = "-" if row.p95_ms is None else f"{row.p95_ms:.0f}"
        lines.append(
            f"{name:<9}{row.sent:>7}{row.answered:>7}{row.lost:>6}{row.late:>6}"
            f"{row.duplicated:>5}{row.stray:>6}{row.http_errors:>8}{p50:>9}{p95:>9}"
            f"{row.msg_s:>8.2f}"
        )
    return "\n".join(lines)


class Recorder:
    """Thread-safe (and gevent-safe) store of the turns and replies of a run, with a
    way for a user to wait for the replies to its latest turn."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.turns: list[Turn] = []
        self.replies: list[Reply] = []
        self._per_conversation: dict[tuple[str, str], list[Reply]] = defaultdict(list)

    def turn(self, turn: Turn) -> Turn:
        with self._lock:
            self.turns.append(turn)
        return turn

    def reply(self, reply: Reply) -> None:
        with self._lock:
            self.replies.append(reply)
            self._per_conversation[(reply.channel, reply.conversation)].append(reply)

    def count(self, channel: str, conversation: str) -> int:
        with self._lock:
            return len(self._per_conversation.get((channel, conversation), ()))

    def since(self, channel: str, conversation: str, index: int) -> list[Reply]:
        with self._lock:
            return list(self._per_conversation.get((channel, conversation), ())[index:])

    def wait(
        self,
        channel: str,
        conversation: str,
        index: int,
        timeout: float,
        settle: float = 0.4,
        sleep: Any = time.sleep,
        clock: Any = time.time,
    ) -> list[Reply]:
        """The replies after the first ``index`` of the conversation: waits up to
        ``timeout`` for the first, then until none came for ``settle`` seconds."""
        deadline = clock() + timeout
        while self.count(channel, conversation) <= index:
            if clock() >= deadline:
                return []
            sleep(0.05)
        seen, quiet_since = self.count(channel, conversation), clock()
        while clock() - quiet_since < settle and clock() < deadline + settle:
            sleep(0.05)
            now = self.count(channel, conversation)
            if now != seen:
                seen, quiet_since = now, clock()
        return self.since(channel, conversation, index)

    def snapshot(self) -> tuple[list[Turn], list[Reply]]:
        with self._lock:
            return list(self.turns), list(self.replies)

    def dump(self, path: str) -> None:
        turns, replies = self.snapshot()
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(
                {"turns": [asdict(t) for t in turns], "replies": [asdict(r) for r in replies]},
                handle,
            )


def window_rate(
    turns: list[Turn], replies: list[Reply], start: float, end: float
) -> dict[str, Any]:
    """Throughput seen in ``[start, end)``: turns whose first reply arrived in the
    window, per second, and the p50/p95 of their latencies (what a stage delivers,
    independent of the turns still in flight at its end)."""
    outcomes, _ = attribute(turns, replies)
    latencies = [
        o.latency
        for o in outcomes
        if o.replies and start <= o.replies[0].at < end and o.latency is not None
    ]
    duration = max(end - start, 1e-9)
    p50, p95 = percentile(latencies, 0.50), percentile(latencies, 0.95)
    return {
        "answered": len(latencies),
        "msg_s": round(len(latencies) / duration, 2),
        "p50_ms": None if p50 is None else round(p50 * 1000, 1),
        "p95_ms": None if p95 is None else round(p95 * 1000, 1),
    }


def knee(stages: list[dict[str, Any]], p95_bound_ms: float) -> int | None:
    """Index of the stage at the knee: the highest throughput among the stages whose
    p95 stays within the bound (None if there is none)."""
    best = None
    for index, stage in enumerate(stages):
        live = stage["live"]
        if live["p95_ms"] is None or live["p95_ms"] > p95_bound_ms:
            continue
        if best is None or live["msg_s"] > stages[best]["live"]["msg_s"]:
            best = index
    return best


def saturated(stages: list[dict[str, Any]], p95_bound_ms: float, min_gain: float = 0.10) -> bool:
    """Whether stepping up further is pointless: the p95 of the last two stages passed
    the bound (one slow stage on a shared machine is not enough), or the last stage's
    throughput rose less than ``min_gain`` over the best before it."""
    if len(stages) < 2:
        return False
    last = stages[-1]["live"]
    over = [s["live"]["p95_ms"] is not None and s["live"]["p95_ms"] > p95_bound_ms for s in stages]
    if over[-1] and over[-2]:
        return True
    before = max(stage["live"]["msg_s"] for stage in stages[:-1])
    return last["msg_s"] < before * (1 + min_gain)


def cpu_ms_per_turn(cpu_s: dict[str, float], answered: int) -> dict[str, float]:
    """CPU milliseconds per answered turn, per process group."""
    if answered <= 0:
        return {}
    return {group: round(seconds * 1000 / answered, 2) for group, seconds in cpu_s.items()}


SERVER_GROUPS = ("rasa", "actions", "nginx", "postgres", "redis", "console")


def per_kind(ms_per_turn: dict[str, float]) -> dict[str, float]:
    """Groups summed by kind: rasa1 + rasa2 -> rasa, actions1 + actions2 -> actions."""
    kinds: dict[str, float] = defaultdict(float)
    for group, value in ms_per_turn.items():
        kinds[group.rstrip("0123456789")] += value
    return {kind: round(value, 2) for kind, value in kinds.items()}


def capacity(
    ms_per_turn: dict[str, float],
    targets: tuple[float, ...] = (10, 50, 200),
    utilisation: float = 0.7,
) -> list[dict[str, Any]]:
    """Instances and cores for each target rate (messages/s), from CPU ms per turn by
    kind. A Rasa instance and an action server are one Python process each (one core at
    most); each is planned at ``utilisation`` of a core, and so is every core."""
    kinds = per_kind(ms_per_turn)
    rows = []
    for rate in targets:
        core_load = {k: rate * kinds.get(k, 0.0) / 1000 for k in SERVER_GROUPS}
        rows.append(
            {
                "msg_s": rate,
                "rasa_instances": max(1, math.ceil(core_load["rasa"] / utilisation)),
                "action_servers": max(1, math.ceil(core_load["actions"] / utilisation)),
                "cores": round(sum(core_load.values()) / utilisation, 1),
                "cores_by_kind": {k: round(v, 2) for k, v in core_load.items()},
            }
        )
    return rows
