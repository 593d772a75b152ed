"""IKM on known answers (Permen PANRB 14/2017, Tabel 8)."""

from __future__ import annotations

import pytest

from bot.reports.ikm import ikm


@pytest.mark.parametrize(
    ("ratings", "converted", "grade"),
    [
        ([4, 4, 4, 4], 100.0, "A"),
        ([4, 3, 4, 3], 87.5, "B"),  # mean 3.5 x 25
        ([3, 4, 4], 91.67, "A"),
        ([3, 3, 3], 75.0, "C"),
        ([3, 3, 3, 4], 81.25, "B"),
        ([2, 3], 62.5, "D"),
        ([1, 1, 2], 33.33, "D"),
        ([2, 2, 3, 3, 3, 3, 3, 3], 68.75, "C"),
    ],
)
def test_grades(ratings, converted, grade):
    result = ikm(ratings)
    assert (result.converted, result.grade) == (converted, grade)
    assert result.respondents == len(ratings)


def test_band_edges_and_humas_2019():
    # Grades go by the converted value: 76.50 is still C, 76.75 already B.
    assert (ikm([4] * 6 + [3] * 94).converted, ikm([4] * 6 + [3] * 94).grade) == (76.5, "C")
    assert (ikm([4] * 7 + [3] * 93).converted, ikm([4] * 7 + [3] * 93).grade) == (76.75, "B")
    assert ikm([4] * 53 + [3] * 47).grade == "B"  # 88.25
    assert ikm([4] * 54 + [3] * 46).grade == "A"  # 88.50

    humas = ikm([4] * 4783 + [3] * 5217)  # mean 3.4783 -> 86.96
    assert (humas.converted, humas.grade, humas.quality) == (86.96, "B", "Baik")


def test_no_ratings_and_bad_ratings():
    assert ikm([]) is None
    with pytest.raises(ValueError):
        ikm([5])
