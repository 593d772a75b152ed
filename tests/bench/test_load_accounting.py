"""The load test's accounting (bench/load/accounting.py): replies attributed to their
turns, lost, late and duplicated turns told apart, figures and capacity computed
(pure logic: no cluster, no Locust)."""

from __future__ import annotations

import pytest

from bench.load.accounting import (
    Recorder,
    Reply,
    Turn,
    account,
    attribute,
    capacity,
    cpu_ms_per_turn,
    knee,
    percentile,
    repeated_block,
    saturated,
    summary_line,
    window_rate,
)

TIMEOUT = 30.0


def turn(conversation: str, at: float, turn_id: str = "", channel: str = "telegram", **kw) -> Turn:
    return Turn(channel, conversation, turn_id or f"{conversation}@{at}", "halo", at, True, **kw)


def reply(conversation: str, at: float, text: str, channel: str = "telegram", **kw) -> Reply:
    return Reply(channel, conversation, at, text, **kw)


def test_replies_go_to_the_latest_turn_of_their_conversation_sent_before_them():
    turns = [turn("a", 0.0), turn("a", 5.0), turn("b", 1.0)]
    replies = [
        reply("a", 0.2, "x"),
        reply("b", 1.5, "y"),
        reply("a", 5.3, "z"),
        reply("a", 5.4, "w"),
    ]
    outcomes, stray = attribute(turns, replies)
    texts = {(o.turn.conversation, o.turn.sent_at): [r.text for r in o.replies] for o in outcomes}
    assert texts == {("a", 0.0): ["x"], ("a", 5.0): ["z", "w"], ("b", 1.0): ["y"]}
    assert dict(stray) == {}


def test_a_reply_naming_its_turn_goes_there_whatever_the_time():
    turns = [turn("a", 0.0, "t1", "x"), turn("a", 5.0, "t2", "x")]
    late = reply("a", 6.0, "answer to the first", "x", turn_id="t1")
    outcomes, _ = attribute(turns, [late])
    assert [len(o.replies) for o in outcomes] == [1, 0]


def test_a_reply_before_any_turn_is_stray():
    _, stray = attribute([turn("a", 10.0)], [reply("a", 1.0, "hm"), reply("zz", 11.0, "?")])
    assert dict(stray) == {"telegram": 2}


@pytest.mark.parametrize(
    "texts, expected",
    [
        ([], False),
        (["a"], False),
        (["a", "b"], False),  # one answer in several messages
        (["a", "a"], True),
        (["a", "b", "a", "b"], True),  # the whole batch delivered twice
        (["a", "b", "c", "a", "b", "c"], True),
        (["a", "b", "a"], False),
        (["a", "b", "c", "a", "b"], False),
    ],
)
def test_repeated_block(texts, expected):
    assert repeated_block(texts) is expected


def test_lost_late_answered_and_duplicated_are_counted_per_channel():
    turns = [
        turn("a", 0.0),  # answered
        turn("b", 0.0),  # lost: accepted, never answered
        turn("c", 0.0),  # late: answered after the timeout
        turn("d", 0.0),  # duplicated: its batch came twice
        Turn("telegram", "e", "e1", "halo", 0.0, accepted=False, http_errors=4),  # refused
        turn("f", 0.0, channel="x", turn_id="m1"),  # X: the same part posted twice
    ]
    replies = [
        reply("a", 0.1, "jawaban"),
        reply("a", 0.2, "Apakah jawaban ini membantu?"),
        reply("c", TIMEOUT + 2, "telat"),
        reply("d", 0.1, "jawaban"),
        reply("d", 0.2, "Apakah jawaban ini membantu?"),
        reply("d", 3.0, "jawaban"),
        reply("d", 3.1, "Apakah jawaban ini membantu?"),
        reply("f", 1.0, "bagian 1", "x", turn_id="m1", key="m1|bagian 1"),
        reply("f", 2.0, "bagian 2", "x", turn_id="m1", key="p1|bagian 2"),
        reply("f", 9.0, "bagian 1", "x", turn_id="m1", key="m1|bagian 1"),
    ]
    result = account(turns, replies, TIMEOUT, start=0.0, end=10.0)
    telegram, x, total = result["telegram"], result["x"], result["all"]
    assert (telegram.sent, telegram.answered, telegram.lost, telegram.late) == (4, 3, 1, 1)
    assert (telegram.duplicated, telegram.refused, telegram.http_errors) == (1, 1, 4)
    assert (x.sent, x.answered, x.duplicated) == (1, 1, 1)
    assert (total.sent, total.answered, total.lost, total.duplicated) == (5, 4, 1, 2)
    assert total.msg_s == 0.4
    assert telegram.p50_ms == 100.0
    assert summary_line(total).startswith("sent=5 answered=4 lost=1 duplicated=2 p95_ms=")


def test_a_thread_of_several_distinct_parts_is_not_a_duplicate():
    turns = [turn("f", 0.0, channel="x", turn_id="m1")]
    replies = [
        reply("f", 1.0, "bagian 1", "x", turn_id="m1", key="m1|bagian 1"),
        reply("f", 1.5, "bagian 2", "x", turn_id="m1", key="t1|bagian 2"),
    ]
    assert account(turns, replies, TIMEOUT)["x"].duplicated == 0


def test_window_rate_counts_first_replies_inside_the_window():
    turns = [turn("a", 0.0), turn("b", 9.5), turn("c", 1.0)]
    replies = [
        reply("a", 0.5, "x"),
        reply("a", 0.6, "y"),
        reply("b", 10.5, "z"),
        reply("c", 3.0, "w"),
    ]
    live = window_rate(turns, replies, 0.0, 10.0)
    assert live["answered"] == 2 and live["msg_s"] == 0.2
    assert live["p95_ms"] == 2000.0


def test_percentile_is_nearest_rank():
    assert percentile([], 0.95) is None
    assert percentile([5, 1, 3, 2, 4], 0.5) == 3
    assert percentile(list(range(1, 101)), 0.95) == 95


def stage(msg_s: float, p95: float | None) -> dict:
    return {"live": {"msg_s": msg_s, "p95_ms": p95}}


def test_the_ramp_stops_when_throughput_stops_rising_or_p95_passes_the_bound():
    assert not saturated([stage(5, 100)], 2000)
    assert not saturated([stage(5, 100), stage(8, 150)], 2000)
    assert saturated([stage(5, 100), stage(8, 150), stage(8.3, 300)], 2000)
    assert not saturated([stage(5, 2500)], 2000)  # one slow stage is not the knee
    assert not saturated([stage(5, 100), stage(9, 2500)], 2000)
    assert saturated([stage(5, 100), stage(9, 2500), stage(12, 3000)], 2000)
    stages = [stage(5, 100), stage(9, 900), stage(9.5, 2500)]
    assert knee(stages, 2000) == 1
    assert knee([stage(1, 9000)], 2000) is None


def test_capacity_from_cpu_per_turn():
    ms = cpu_ms_per_turn({"rasa1": 3.5, "actions1": 0.7, "actions2": 0.7, "postgres": 1.0}, 100)
    assert ms == {"rasa1": 35.0, "actions1": 7.0, "actions2": 7.0, "postgres": 10.0}
    rows = {row["msg_s"]: row for row in capacity(ms, targets=(10, 50))}
    # 10 msg/s x 35 ms = 0.35 core of Rasa -> 1 instance; 50 x 35 ms = 1.75 cores -> 3 at 70 %
    assert rows[10]["rasa_instances"] == 1 and rows[50]["rasa_instances"] == 3
    assert rows[50]["action_servers"] == 1  # 50 x 14 ms = 0.7 core
    assert rows[50]["cores"] == pytest.approx((1.75 + 0.7 + 0.5) / 0.7, abs=0.05)


def test_recorder_wait_returns_the_new_replies_once_they_settle():
    recorder = Recorder()
    clock = [0.0]

    def sleep(seconds: float) -> None:
        clock[0] += seconds
        if abs(clock[0] - 0.5) < 0.026:
            recorder.reply(reply("a", clock[0], "satu"))
        if abs(clock[0] - 0.7) < 0.026:
            recorder.reply(reply("a", clock[0], "dua"))

    got = recorder.wait(
        "telegram", "a", 0, timeout=5, settle=0.4, sleep=sleep, clock=lambda: clock[0]
    )
    assert [r.text for r in got] == ["satu", "dua"]
    assert recorder.wait("telegram", "a", 2, timeout=1, sleep=sleep, clock=lambda: clock[0]) == []
