"""Group unanswered questions so Humas sees which FAQ entries to write next."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

import numpy as np
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import TfidfVectorizer

from bot.text import normalize

MAX_CLUSTERS = 10
EXAMPLES = 3


def cluster_questions(asked: Mapping[str, int], max_clusters: int = MAX_CLUSTERS) -> list[dict]:
    """Clusters of questions (each with how often it was asked), largest first: size,
    top words and the examples nearest their centre.

    TF-IDF over words and word pairs of the normalised texts, k-means over the
    distinct texts weighted by how often each was asked, with about one cluster
    per three questions (at most ``max_clusters``, at most one per distinct text);
    deterministic.
    """
    counts = Counter({text: n for text, n in asked.items() if text and text.strip() and n > 0})
    if not counts:
        return []
    distinct = list(counts)
    weights = np.array([counts[text] for text in distinct], dtype=float)
    normalised = [normalize(text) for text in distinct]
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1)
    try:
        matrix = vectorizer.fit_transform(normalised)
    except ValueError:  # nothing but stop characters
        return [{"size": counts.total(), "keywords": [], "examples": distinct[:EXAMPLES]}]
    k = max(1, min(max_clusters, -(-counts.total() // 3), len(distinct)))
    model = KMeans(n_clusters=k, n_init=10, random_state=0).fit(matrix, sample_weight=weights)
    vocabulary = np.array(vectorizer.get_feature_names_out())
    clusters = []
    for label in range(k):
        members = np.flatnonzero(model.labels_ == label)
        if not len(members):
            continue
        centre = model.cluster_centers_[label]
        distances = ((matrix[members].toarray() - centre) ** 2).sum(axis=1)
        clusters.append(
            {
                "size": int(weights[members].sum()),
                "keywords": vocabulary[np.argsort(-centre)[:4]].tolist(),
                # distinct texts, nearest the centre first
                "examples": [distinct[i] for i in members[np.argsort(distances)][:EXAMPLES]],
            }
        )
    return sorted(clusters, key=lambda c: -c["size"])
