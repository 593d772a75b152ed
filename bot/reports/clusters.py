"""Group unanswered questions so Humas sees which FAQ entries to write next."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import TfidfVectorizer

from bot.text import normalize

MAX_CLUSTERS = 10
EXAMPLES = 3


def cluster_questions(texts: Sequence[str], max_clusters: int = MAX_CLUSTERS) -> list[dict]:
    """Clusters, largest first: size, top words and the examples nearest their centre.

    TF-IDF over words and word pairs of the normalised texts, k-means with about
    one cluster per three questions (at most ``max_clusters``); deterministic.
    """
    texts = [text for text in texts if text and text.strip()]
    if not texts:
        return []
    normalised = [normalize(text) for text in texts]
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1)
    try:
        matrix = vectorizer.fit_transform(normalised)
    except ValueError:  # nothing but stop characters
        return [{"size": len(texts), "keywords": [], "examples": list(texts[:EXAMPLES])}]
    k = max(1, min(max_clusters, -(-len(texts) // 3)))
    model = KMeans(n_clusters=k, n_init=10, random_state=0).fit(matrix)
    vocabulary = np.array(vectorizer.get_feature_names_out())
    clusters = []
    for label in range(k):
        members = np.flatnonzero(model.labels_ == label)
        if not len(members):
            continue
        centre = model.cluster_centers_[label]
        distances = ((matrix[members].toarray() - centre) ** 2).sum(axis=1)
        nearest = list(dict.fromkeys(texts[i] for i in members[np.argsort(distances)]))
        keywords = vocabulary[np.argsort(-centre)[:4]].tolist()
        clusters.append(
            {
                "size": int(len(members)),
                "keywords": keywords,
                "examples": nearest[:EXAMPLES],  # distinct texts, nearest first
            }
        )
    return sorted(clusters, key=lambda c: -c["size"])
