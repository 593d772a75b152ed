"""What a fault scenario did to the applicants, from the load's turns and replies
(pure Python; bench/load/accounting.py does the attribution and the figures).

- ``apology_texts``: the product's "gangguan" texts, read from its source
  (channels/turn.py TRY_AGAIN_TEXT, channels/rasa_patches.py ACTION_SERVER_DOWN_TEXT)
  without importing it (it needs Rasa; this runs in the load venv).
- ``seen_during``: per channel, the apology replies, REST 503s, web chat sockets that
  dropped, Telegram answers that were not 2xx, from the fault to the recovery.
- ``recovery``: per channel, seconds from the fault to the first normal (not apology)
  reply to a turn sent after the fault began.
- ``telegram_updates``: redeliveries, outcomes per attempt, updates never accepted
  (given up), answered twice.
- ``verdict``: survived = nothing lost, nothing doubled, every channel answering
  normally again and every process back by itself.
"""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path
from typing import Any

from bench.load import accounting
from bench.load.accounting import Reply, Turn, TurnOutcome

QUEUED_MARK = "nomor tiketnya menyusul"  # utter_case_queued: filing waits in the outbox
ANNOUNCED_MARK = "sudah terbit"  # utter_case_filed_later: its ticket, on a later turn
FILED_MARK = "tercatat dengan nomor tiket"  # utter_case_filed


def string_constant(path: Path, name: str) -> str:
    """The value of the module-level string constant ``name`` in the file ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        targets = []
        if isinstance(node, ast.Assign):
            targets = [t.id for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            targets = [node.target.id]
        if name in targets and node.value is not None:
            value = ast.literal_eval(node.value)
            if isinstance(value, str):
                return value
    raise LookupError(f"{name} not found in {path}")


def apology_texts(source: Path) -> dict[str, str]:
    return {
        "try_again": string_constant(source / "channels" / "turn.py", "TRY_AGAIN_TEXT"),
        "action_server_down": string_constant(
            source / "channels" / "rasa_patches.py", "ACTION_SERVER_DOWN_TEXT"
        ),
    }


def apology_kind(text: str, apologies: dict[str, str]) -> str | None:
    for kind, apology in apologies.items():
        if text.strip() == apology.strip():
            return kind
    return None


def within(turns: list[Turn], replies: list[Reply], start: float) -> tuple[list[Turn], list[Reply]]:
    """The scenario's own turns and replies (a session collects the fakes' outbox from
    its beginning, so replies of earlier scenarios come back: dropped here)."""
    return [t for t in turns if t.sent_at >= start], [r for r in replies if r.at >= start]


def recovery(
    outcomes: list[TurnOutcome], fault_at: float, apologies: dict[str, str]
) -> dict[str, float | None]:
    """Per channel: seconds from ``fault_at`` to the first normal reply to a turn sent
    at or after it (None: none came)."""
    first: dict[str, float | None] = {}
    for outcome in outcomes:
        channel = outcome.turn.channel
        first.setdefault(channel, None)
        if outcome.turn.sent_at < fault_at:
            continue
        for reply in outcome.replies:
            if apology_kind(reply.text, apologies) is None:
                at = reply.at - fault_at
                if first[channel] is None or at < first[channel]:
                    first[channel] = round(at, 2)
                break
    return first


def seen_during(
    outcomes: list[TurnOutcome],
    apologies: dict[str, str],
    start: float,
    end: float,
    refused_texts: list[tuple[str, str, float, int, str]] = (),
    disconnects: list[tuple[str, float]] = (),
) -> dict[str, dict[str, Any]]:
    """What each channel's applicants saw in ``[start, end]``."""
    seen: dict[str, dict[str, Any]] = {}
    for outcome in outcomes:
        turn = outcome.turn
        row = seen.setdefault(
            turn.channel,
            {"apologies": Counter(), "non_2xx": 0, "refused_turns": 0, "turns": 0},
        )
        if start <= turn.sent_at <= end:
            row["turns"] += 1
            if not turn.accepted:
                row["refused_turns"] += 1
        for reply in outcome.replies:
            kind = apology_kind(reply.text, apologies)
            if kind and start <= reply.at <= end:
                row["apologies"][kind] += 1
        if start <= turn.sent_at <= end:
            row["non_2xx"] += sum(
                1 for r in turn.responses if r[:1].isdigit() and not r.startswith("2")
            )
    for channel, _conversation, at, status, text in refused_texts:
        if start <= at <= end:
            row = seen.setdefault(
                channel, {"apologies": Counter(), "non_2xx": 0, "refused_turns": 0, "turns": 0}
            )
            kind = apology_kind(text, apologies)
            row["apologies"][f"{kind or 'other'}_{status}"] += 1
    if disconnects:
        row = seen.setdefault(
            "webchat", {"apologies": Counter(), "non_2xx": 0, "refused_turns": 0, "turns": 0}
        )
        row["socket_dropped"] = sum(1 for _, at in disconnects if start <= at <= end)
    for row in seen.values():
        row["apologies"] = dict(row["apologies"])
        row["apology_total"] = sum(row["apologies"].values())
    return seen


def telegram_updates(outcomes: list[TurnOutcome]) -> dict[str, Any]:
    chosen = [o for o in outcomes if o.turn.channel == "telegram"]
    responses: Counter[str] = Counter()
    for outcome in chosen:
        responses.update(outcome.turn.responses)
    return {
        "updates": len(chosen),
        "redeliveries": sum(max(o.turn.attempts - 1, 0) for o in chosen),
        "redelivered_updates": sum(1 for o in chosen if o.turn.attempts > 1),
        "max_attempts": max((o.turn.attempts for o in chosen), default=0),
        "responses": dict(responses.most_common()),
        "never_accepted": [o.turn.turn_id for o in chosen if not o.turn.accepted],
        "accepted_unanswered": [
            o.turn.turn_id for o in chosen if o.turn.accepted and not o.replies
        ],
        "answered_twice": [o.turn.turn_id for o in chosen if o.duplicated],
    }


def lost_details(outcomes: list[TurnOutcome], disconnects: list[tuple[str, float]]) -> list[dict]:
    """Every lost turn (accepted, no reply) with what the applicant could see."""
    dropped = {}
    for conversation, at in disconnects:
        dropped.setdefault(conversation, at)
    rows = []
    for outcome in outcomes:
        turn = outcome.turn
        if turn.accepted and not outcome.replies:
            row = {
                "channel": turn.channel,
                "conversation": turn.conversation,
                "turn_id": turn.turn_id,
                "sent_at": round(turn.sent_at, 3),
                "text": turn.text[:80],
                "responses": turn.responses,
            }
            if turn.channel == "webchat" and turn.conversation in dropped:
                row["socket_dropped_at"] = round(dropped[turn.conversation], 3)
            rows.append(row)
    return rows


def scenario_figures(
    turns: list[Turn], replies: list[Reply], timeout: float
) -> dict[str, accounting.ChannelFigures]:
    return accounting.account(turns, replies, timeout)


def rest_unanswered(outcomes: list[TurnOutcome]) -> list[str]:
    """REST turns that got no HTTP answer at all (the client timed out or the connection
    broke): unlike a 503 "send it again", nothing told the client what happened."""
    return [
        o.turn.turn_id
        for o in outcomes
        if o.turn.channel == "rest" and not o.turn.accepted and "error" in o.turn.responses
    ]


def lost_total(
    rows: dict[str, accounting.ChannelFigures], telegram: dict[str, Any], rest_silent: int = 0
) -> int:
    """Turns lost on every channel: accepted and never answered, plus Telegram updates
    never accepted (Telegram would still be redelivering them; the applicant has no
    answer) and REST calls that got no answer at all."""
    if "all" not in rows:
        return 0
    return rows["all"].lost + len(telegram["never_accepted"]) + rest_silent


def verdict(lost: int, duplicated: int, recovered: bool) -> str:
    return "survived" if lost == 0 and duplicated == 0 and recovered else "failed"


def summary_line(results: list[dict[str, Any]]) -> str:
    survived = sum(1 for r in results if r.get("verdict") == "survived")
    lost = sum(r.get("lost", 0) for r in results)
    duplicated = sum(r.get("duplicated", 0) for r in results)
    return f"faults={len(results)} survived={survived} lost={lost} duplicated={duplicated}"
