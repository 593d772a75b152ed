"""What the announcement tests share: a knowledge-base entry to link, subscribers."""

from __future__ import annotations

from bot.kb.schema import Entry

ENTRY = Entry(
    id="jadwal_skd",
    title="Jadwal SKD",
    questions=("kapan skd",),
    answer="SKD dimulai pekan depan; lihat jadwal di akun SSCASN.",
    short_answer="SKD dimulai pekan depan.",
    source_file="jadwal.yml",
)
