"""The case lifecycle refuses illegal transitions."""

from __future__ import annotations

import pytest

from bot.ledger.lifecycle import ALLOWED, IllegalTransition, Status, check_transition


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (Status.BELUM_DIVERIFIKASI, Status.BELUM_DITINDAKLANJUTI),
        (Status.BELUM_DITINDAKLANJUTI, Status.DALAM_PROSES),
        (Status.DALAM_PROSES, Status.SELESAI),
        (Status.BELUM_DITINDAKLANJUTI, Status.SELESAI),  # information settled by Humas
    ],
)
def test_the_normal_path_is_allowed(old, new):
    check_transition(old, new)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (Status.BELUM_DIVERIFIKASI, Status.SELESAI),  # must be verified first
        (Status.BELUM_DIVERIFIKASI, Status.DALAM_PROSES),
        (Status.SELESAI, Status.DALAM_PROSES),
        (Status.DITOLAK, Status.BELUM_DITINDAKLANJUTI),
        (Status.DALAM_PROSES, Status.DALAM_PROSES),
    ],
)
def test_illegal_transitions_are_refused(old, new):
    with pytest.raises(IllegalTransition, match="tidak diizinkan"):
        check_transition(old, new)


@pytest.mark.parametrize("new", [Status.DITOLAK, Status.DUPLIKAT])
def test_rejection_and_duplicate_need_a_reason(new):
    with pytest.raises(IllegalTransition, match="wajib disertai alasan"):
        check_transition(Status.BELUM_DIVERIFIKASI, new, reason="  ")
    check_transition(Status.BELUM_DIVERIFIKASI, new, reason="bukan kewenangan BKN")


def test_closed_cases_have_no_way_out():
    assert all(not ALLOWED[s] for s in (Status.SELESAI, Status.DITOLAK, Status.DUPLIKAT))
