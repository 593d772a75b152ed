"""Keyed pseudonyms of conversation ids, and where the tracker store is."""

from __future__ import annotations

from pathlib import Path

from bot.config import PROJECT_ROOT, Settings
from bot.pseudonyms import PSEUDONYM_LIKE, Pseudonyms, is_pseudonym
from bot.tracker_events import tracker_url


def test_a_pseudonym_is_stable_keyed_and_keeps_the_channel():
    ours, other = Pseudonyms("kunci-satu"), Pseudonyms("kunci-dua")
    pseudonym = ours.of("telegram:5550001")
    assert pseudonym == ours.of("telegram:5550001") != other.of("telegram:5550001")
    assert pseudonym.startswith("telegram:anon-") and is_pseudonym(pseudonym)
    assert ours.of(pseudonym) == pseudonym  # anonymising again changes nothing
    assert ours.of("telegram:5550002") != pseudonym
    assert ours.of("u-lama").startswith("x:anon-")  # an old id without a channel
    assert "5550001" not in pseudonym and ours.digest("telegram:5550001") in pseudonym
    assert not is_pseudonym("rest:anon-pilihan-klien")


def test_the_like_pattern_matches_pseudonyms_only():
    import re

    pattern = re.compile("^" + PSEUDONYM_LIKE.replace("%", ".*").replace("_", ".") + "$")
    assert pattern.match(Pseudonyms("k").of("webchat:" + "a" * 32))
    assert not pattern.match("webchat:" + "a" * 32)


def test_the_tracker_store_is_found_where_rasa_is_told_it_is(tmp_path):
    settings = Settings.from_env({})
    assert tracker_url(settings).database == str(PROJECT_ROOT / "var" / "tracker.db")
    production = settings.replace(
        endpoints=PROJECT_ROOT / "deploy" / "endpoints.production.yml",
        tracker_host="db.internal",
        tracker_db="sscn_tracker",
        tracker_user="sscn",
        tracker_password="rahasia",
    )
    url = tracker_url(production)
    assert (url.drivername, url.host, url.database, url.username, url.password) == (
        "postgresql+psycopg2",
        "db.internal",
        "sscn_tracker",
        "sscn",
        "rahasia",
    )
    memory = tmp_path / "endpoints.yml"
    memory.write_text("action_endpoint:\n  url: http://127.0.0.1:5055/webhook\n")
    assert tracker_url(settings.replace(endpoints=memory)) is None
    assert tracker_url(settings.replace(endpoints=Path(tmp_path / "none.yml"))) is None
