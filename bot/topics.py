"""The complaint taxonomy and the classifier that files a complaint under a topic."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import yaml
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, make_pipeline

from bot.nlu_data import Example
from bot.text import normalize

TAXONOMY_FILE = Path(__file__).parent / "data" / "complaint-categories.yml"


@dataclass(frozen=True)
class Topic:
    id: str
    label: str
    lapor_type: str


@lru_cache(maxsize=2)
def _taxonomy(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def load_topics(path: Path = TAXONOMY_FILE) -> dict[str, Topic]:
    """The ``sscn_topics`` of the taxonomy, by id."""
    document = _taxonomy(path)
    return {
        item["id"]: Topic(item["id"], item["label"], item["lapor_type"])
        for item in document["sscn_topics"]
    }


@dataclass(frozen=True)
class LaporType:
    id: str
    label: str
    count_2019: int


@lru_cache(maxsize=1)
def load_lapor_types(path: Path = TAXONOMY_FILE) -> dict[str, LaporType]:
    """The ``lapor_types`` (Tabel 9's "Jenis Aduan") in the taxonomy's order."""
    document = _taxonomy(path)
    return {
        item["id"]: LaporType(item["id"], item["label"], int(item["count_2019"]))
        for item in document["lapor_types"]
    }


@dataclass(frozen=True)
class TopicPrediction:
    topic: str
    confidence: float


class TopicClassifier:
    """Logistic regression over word and character n-grams of complaints."""

    def __init__(self, texts: Sequence[str], topics: Sequence[str]) -> None:
        known = load_topics()
        unknown = sorted(set(topics) - set(known))
        if unknown:
            raise ValueError(f"training data names unknown sscn_topic(s): {unknown}")
        features = FeatureUnion(
            [
                ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)),
                (
                    "chars",
                    TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
                ),
            ]
        )
        self._model = make_pipeline(
            features, LogisticRegression(C=20.0, max_iter=2000, class_weight="balanced")
        )
        self._model.fit([normalize(text) for text in texts], list(topics))

    @classmethod
    def from_examples(cls, examples: Sequence[Example]) -> TopicClassifier:
        """Train on the complaint examples that carry an ``sscn_topic``."""
        labelled = [
            (example.text, example.metadata["sscn_topic"])
            for example in examples
            if example.intent == "complaint" and "sscn_topic" in example.metadata
        ]
        if not labelled:
            raise ValueError("no complaint examples with an sscn_topic in the NLU data")
        texts, topics = zip(*labelled, strict=True)
        return cls(texts, topics)

    def ranked(self, text: str) -> list[str]:
        """Every topic, most likely first."""
        probabilities = self._model.predict_proba([normalize(text)])[0]
        return [str(self._model.classes_[i]) for i in np.argsort(-probabilities)]

    def predict(self, text: str) -> TopicPrediction:
        """The most likely topic of a complaint."""
        probabilities = self._model.predict_proba([normalize(text)])[0]
        best = int(np.argmax(probabilities))
        return TopicPrediction(str(self._model.classes_[best]), float(probabilities[best]))
