"""A Rasa that takes 10 s to answer holds up nobody's queue or case page."""

from __future__ import annotations

import threading
import time

import requests

RASA_DELAY_SECONDS = 10.0
SLOW_CALLS = 20  # more threads than either of the console's pools has


def timed_get(session: requests.Session, url: str) -> float:
    started = time.perf_counter()
    reply = session.get(url, timeout=30)
    assert reply.status_code == 200, reply.text[:300]
    return time.perf_counter() - started


def test_queue_and_case_pages_answer_while_rasa_hangs(fresh_console):
    console = fresh_console
    try:
        ticket = console.file_case()
        session, csrf = console.session_of("ani")
        timed_get(session, f"{console.url}/")  # warm: templates, pools, first queries
        timed_get(session, f"{console.url}/kasus/{ticket}")
        console.rasa.delay = RASA_DELAY_SECONDS
        slow = [
            threading.Thread(
                target=lambda: session.get(
                    f"{console.url}/api/kasus/{ticket}/transkrip", timeout=60
                )
            )
            for _ in range(SLOW_CALLS)
        ]
        taking_over = threading.Thread(
            target=lambda: session.post(
                f"{console.url}/kasus/{ticket}/ambil-alih", data={"csrf_token": csrf}, timeout=60
            )
        )
        for thread in (*slow, taking_over):
            thread.start()
        time.sleep(1.0)  # every slow call is now waiting for Rasa
        colleague, _ = console.session_of("budi")
        timings = [
            timed_get(colleague, f"{console.url}{path}")
            for path in ("/", f"/kasus/{ticket}", "/api/antrean", "/", f"/kasus/{ticket}")
        ]
        assert max(timings) < 0.2, timings
        assert all(thread.is_alive() for thread in slow), "Rasa was not slow"
        for thread in (*slow, taking_over):
            thread.join(timeout=60)
        # The take-over went through; its greeting reached the slow Rasa after all.
        assert console.ledger.get(ticket).taken_over_by == "ani"
    finally:
        console.rasa.delay = 0.0
