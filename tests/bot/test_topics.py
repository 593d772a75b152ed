"""The complaint-topic classifier and the taxonomy."""

from __future__ import annotations

import pytest

from bot.nlu_data import Example, strip_annotations
from bot.topics import TopicClassifier, load_topics


def test_taxonomy_maps_every_topic_to_a_lapor_type():
    topics = load_topics()
    assert "unggah_dokumen" in topics
    assert topics["pppk"].lapor_type == "pppk"
    assert topics["penipuan"].lapor_type == "penipuan_cpns"


def test_classifier_learns_topics_from_examples():
    examples = [
        Example(text, "complaint", {"sscn_topic": topic})
        for topic, texts in {
            "unggah_dokumen": [
                "upload ijazah gagal",
                "gagal unggah pas foto",
                "file transkrip error",
            ],
            "login_password": ["tidak bisa login", "password salah terus", "gagal masuk akun"],
        }.items()
        for text in texts
    ]
    classifier = TopicClassifier.from_examples(examples)
    assert classifier.predict("uplod ijazah sy gagal trs").topic == "unggah_dokumen"
    assert classifier.predict("gk bs login padahal pw bener").topic == "login_password"


def test_unknown_topic_in_training_data_is_refused():
    with pytest.raises(ValueError, match="unknown sscn_topic"):
        TopicClassifier(["a", "b"], ["unggah_dokumen", "bukan_topik"])


def test_strip_annotations_keeps_the_words():
    assert strip_annotations("cek [SSCN-2026-00042](ticket) dong") == "cek SSCN-2026-00042 dong"
