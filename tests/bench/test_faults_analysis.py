"""The fault campaign's analysis (bench/faults/analysis.py): apology texts read from
the product's source, recovery times, what applicants saw, Telegram outcomes, the
verdict and the summary line (pure logic: no cluster, no Locust)."""

from __future__ import annotations

from pathlib import Path

from bench.faults import analysis
from bench.load.accounting import Reply, Turn, attribute

ROOT = Path(__file__).resolve().parents[2]
APOLOGIES = {"try_again": "Maaf, coba lagi.", "action_server_down": "Maaf, gangguan."}


def turn(channel: str, conversation: str, at: float, **kwargs) -> Turn:
    return Turn(channel, conversation, kwargs.pop("turn_id", f"{conversation}-{at}"), "hai", at,
                accepted=kwargs.pop("accepted", True), **kwargs)  # fmt: skip


def test_the_apology_texts_are_the_products_own():
    texts = analysis.apology_texts(ROOT)
    assert "gangguan" in texts["try_again"] and "kirim lagi" in texts["try_again"]
    assert "gangguan" in texts["action_server_down"]


def test_string_constant_reads_plain_and_annotated_assignments(tmp_path):
    module = tmp_path / "m.py"
    module.write_text('A = ("x" "y")\nB: str = "z"\nC = 3\n')
    assert analysis.string_constant(module, "A") == "xy"
    assert analysis.string_constant(module, "B") == "z"
    for missing in ("C", "D"):
        try:
            analysis.string_constant(module, missing)
        except LookupError:
            pass
        else:
            raise AssertionError(missing)


def test_recovery_counts_the_first_normal_reply_to_a_turn_sent_after_the_fault():
    turns = [
        turn("rest", "a", 99.0),  # before the fault: its reply does not count
        turn("rest", "b", 101.0),  # during: only an apology
        turn("rest", "c", 120.0),  # after: the first normal answer
        turn("webchat", "w", 105.0),
    ]
    replies = [
        Reply("rest", "a", 100.5, "normal", turn_id="a-99.0"),
        Reply("rest", "b", 102.0, APOLOGIES["try_again"], turn_id="b-101.0"),
        Reply("rest", "c", 120.4, "normal", turn_id="c-120.0"),
    ]
    outcomes, _ = attribute(turns, replies)
    assert analysis.recovery(outcomes, 100.0, APOLOGIES) == {"rest": 20.4, "webchat": None}


def test_seen_during_counts_apologies_refusals_and_dropped_sockets_in_the_window():
    turns = [
        turn("webchat", "w", 101.0),
        turn("telegram", "t", 102.0, responses=["500", "503", "200 ok"], attempts=3),
        turn("rest", "r", 103.0, accepted=False, responses=["503"]),
        turn("webchat", "old", 50.0),
    ]
    replies = [
        Reply("webchat", "w", 101.5, APOLOGIES["try_again"]),
        Reply("webchat", "old", 50.5, APOLOGIES["try_again"]),  # before the window
        Reply("telegram", "t", 110.0, "normal"),
    ]
    outcomes, _ = attribute(turns, replies)
    seen = analysis.seen_during(
        outcomes,
        APOLOGIES,
        100.0,
        200.0,
        refused_texts=[("rest", "r", 103.1, 503, APOLOGIES["try_again"])],
        disconnects=[("w", 104.0), ("x", 20.0)],
    )
    assert seen["webchat"]["apologies"] == {"try_again": 1}
    assert seen["webchat"]["socket_dropped"] == 1
    assert seen["telegram"]["non_2xx"] == 2 and seen["telegram"]["apology_total"] == 0
    assert seen["rest"]["apologies"] == {"try_again_503": 1}
    assert seen["rest"]["refused_turns"] == 1


def test_telegram_updates_tell_redeliveries_unanswered_and_doubled_apart():
    turns = [
        turn("telegram", "1", 10.0, turn_id="u1", attempts=3, responses=["502", "503", "200 ok"]),
        turn("telegram", "2", 10.0, turn_id="u2"),  # accepted, never answered
        turn("telegram", "3", 10.0, turn_id="u3", accepted=False, attempts=5),  # given up
        turn("telegram", "4", 10.0, turn_id="u4"),
    ]
    replies = [
        Reply("telegram", "1", 12.0, "jawaban"),
        Reply("telegram", "4", 11.0, "A"),
        Reply("telegram", "4", 11.1, "B"),
        Reply("telegram", "4", 13.0, "A"),
        Reply("telegram", "4", 13.1, "B"),  # the batch delivered twice
    ]
    outcomes, _ = attribute(turns, replies)
    summary = analysis.telegram_updates(outcomes)
    assert summary["redeliveries"] == 2 + 4
    assert summary["redelivered_updates"] == 2 and summary["max_attempts"] == 5
    assert summary["never_accepted"] == ["u3"]
    assert summary["accepted_unanswered"] == ["u2"]
    assert summary["answered_twice"] == ["u4"]
    assert summary["responses"]["200 ok"] == 1


def test_lost_details_name_the_webchat_sockets_that_dropped():
    turns = [turn("webchat", "w", 10.0, turn_id="t1"), turn("rest", "r", 10.0, turn_id="t2")]
    outcomes, _ = attribute(turns, [Reply("rest", "r", 11.0, "ok", turn_id="t2")])
    rows = analysis.lost_details(outcomes, [("w", 12.0), ("w", 30.0)])
    assert [row["turn_id"] for row in rows] == ["t1"]
    assert rows[0]["socket_dropped_at"] == 12.0


def test_within_drops_what_an_earlier_scenario_left():
    turns = [turn("x", "a", 5.0), turn("x", "b", 15.0)]
    replies = [Reply("x", "a", 6.0, "old"), Reply("x", "b", 16.0, "new")]
    kept_turns, kept_replies = analysis.within(turns, replies, 10.0)
    assert [t.conversation for t in kept_turns] == ["b"]
    assert [r.text for r in kept_replies] == ["new"]


def test_verdict_and_summary_line():
    assert analysis.verdict(0, 0, True) == "survived"
    assert analysis.verdict(1, 0, True) == "failed"
    assert analysis.verdict(0, 1, True) == "failed"
    assert analysis.verdict(0, 0, False) == "failed"
    results = [
        {"verdict": "survived", "lost": 0, "duplicated": 0},
        {"verdict": "failed", "lost": 3, "duplicated": 1},
        {"verdict": "skipped", "lost": 0, "duplicated": 0},
    ]
    assert analysis.summary_line(results) == "faults=3 survived=1 lost=3 duplicated=1"


def test_rest_calls_without_any_answer_count_as_lost():
    turns = [
        turn("rest", "a", 1.0, turn_id="t503", accepted=False, responses=["503"]),
        turn("rest", "b", 1.0, turn_id="tout", accepted=False, responses=["error"]),
        turn("rest", "c", 1.0, turn_id="ok", responses=["200"]),
    ]
    outcomes, _ = attribute(turns, [Reply("rest", "c", 2.0, "ok", turn_id="ok")])
    silent = analysis.rest_unanswered(outcomes)
    assert silent == ["tout"]
    rows = analysis.scenario_figures(turns, [Reply("rest", "c", 2.0, "ok", turn_id="ok")], 30)
    telegram = analysis.telegram_updates(outcomes)
    assert analysis.lost_total(rows, telegram, len(silent)) == 1
