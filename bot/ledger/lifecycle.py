"""Case statuses (the SP4N-LAPOR! monitoring states) and the transitions allowed."""

from __future__ import annotations

from enum import Enum


class Status(str, Enum):
    BELUM_DIVERIFIKASI = "belum_diverifikasi"  # received, nobody has checked it yet
    BELUM_DITINDAKLANJUTI = "belum_ditindaklanjuti"  # verified, no follow-up started
    DALAM_PROSES = "dalam_proses"  # forwarded to a unit / being worked on
    SELESAI = "selesai"  # follow-up given to the applicant, case closed
    DITOLAK = "ditolak"  # rejected (e.g. not BKN's authority), with a reason
    DUPLIKAT = "duplikat"  # same as another case, with a reason


# Each status in words, as applicants and agents read it (bot replies, console).
STATUS_LABELS: dict[Status, str] = {
    Status.BELUM_DIVERIFIKASI: "diterima, menunggu verifikasi petugas",
    Status.BELUM_DITINDAKLANJUTI: "sudah diverifikasi, menunggu tindak lanjut",
    Status.DALAM_PROSES: "sedang diproses oleh unit terkait",
    Status.SELESAI: "selesai",
    Status.DITOLAK: "ditutup (ditolak)",
    Status.DUPLIKAT: "digabung dengan aduan lain yang sama",
}
CLOSED = frozenset({Status.SELESAI, Status.DITOLAK, Status.DUPLIKAT})
NEEDS_REASON = frozenset({Status.DITOLAK, Status.DUPLIKAT})
ALLOWED: dict[Status, frozenset[Status]] = {
    Status.BELUM_DIVERIFIKASI: frozenset(
        {Status.BELUM_DITINDAKLANJUTI, Status.DITOLAK, Status.DUPLIKAT}
    ),
    Status.BELUM_DITINDAKLANJUTI: frozenset(
        {Status.DALAM_PROSES, Status.SELESAI, Status.DITOLAK, Status.DUPLIKAT}
    ),
    Status.DALAM_PROSES: frozenset({Status.SELESAI, Status.BELUM_DITINDAKLANJUTI, Status.DUPLIKAT}),
    Status.SELESAI: frozenset(),
    Status.DITOLAK: frozenset(),
    Status.DUPLIKAT: frozenset(),
}


class IllegalTransition(ValueError):
    """A status change the lifecycle does not allow."""


def check_transition(old: Status, new: Status, reason: str | None = None) -> None:
    """Raise ``IllegalTransition`` unless ``old -> new`` is allowed (with a reason if needed)."""
    if new not in ALLOWED[old]:
        allowed = ", ".join(sorted(s.value for s in ALLOWED[old])) or "tidak ada (kasus ditutup)"
        raise IllegalTransition(f"{old.value} -> {new.value} tidak diizinkan; boleh: {allowed}")
    if new in NEEDS_REASON and not (reason and reason.strip()):
        raise IllegalTransition(f"{new.value} wajib disertai alasan")
