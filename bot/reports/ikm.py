"""IKM (Indeks Kepuasan Masyarakat), Permen PANRB 14/2017, from 1-4 CSAT ratings.

The index is the mean perception value (1-4) of the respondents; the converted
value is that mean x 25. Grades follow Tabel 8 of the regulation on the
*converted* value (rounded to two decimals first, as the regulation's table is
written to two decimals).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

# (lowest converted value of the band, grade, quality), highest band first.
BANDS = (
    (88.31, "A", "Sangat Baik"),
    (76.61, "B", "Baik"),
    (65.00, "C", "Kurang Baik"),
    (25.00, "D", "Tidak Baik"),
)


@dataclass(frozen=True)
class Ikm:
    respondents: int
    mean: float  # 1-4, rounded to two decimals
    converted: float  # mean x 25, rounded to two decimals
    grade: str
    quality: str


def ikm(ratings: Iterable[int]) -> Ikm | None:
    """The index of ``ratings`` (each 1-4); ``None`` without any rating."""
    values = list(ratings)
    if any(value not in (1, 2, 3, 4) for value in values):
        raise ValueError("ratings must be 1-4")
    if not values:
        return None
    mean = sum(values) / len(values)
    converted = round(mean * 25, 2)
    grade, quality = next((g, q) for low, g, q in BANDS if converted >= low)
    return Ikm(len(values), round(mean, 2), converted, grade, quality)
