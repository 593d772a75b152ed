"""Point civil-service questions outside recruitment to the right BKN channel."""

from __future__ import annotations

import re

from bot.text import normalize

# (pattern on normalised text, what the applicant asked about)
ADJACENT_TOPICS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), label)
    for pattern, label in (
        (r"\b(naik|kenaikan) pangkat|\bkp (pns|reguler)", "kenaikan pangkat PNS"),
        (r"\bpensiun|\btaspen|\bbup\b", "pensiun PNS"),
        (r"\bmutasi|pindah (instansi|tugas|kerja)", "mutasi PNS"),
        (r"\bgaji|\btunjangan|\btpp\b|\bthr pns", "gaji dan kesejahteraan PNS"),
        (r"\bkarpeg|\bkaris\b|\bkarsu\b|kartu pegawai", "Karpeg/Karis/Karsu"),
        (r"\bsk\b.*\bhilang|\bsk konversi", "SK kepegawaian"),
        (r"\bsapk\b|\bmysapk|\bsiasn\b", "aplikasi SAPK/SIASN"),
        (r"ujian dinas|penyesuaian ijazah|pencantuman gelar", "ujian dinas dan penyesuaian ijazah"),
        (r"\bcuti (pns|besar|tahunan)|\bcuti\b.*\bpns", "cuti PNS"),
        (r"\bdisiplin pns|hukuman disiplin", "disiplin PNS"),
        (r"(tugas|izin) belajar", "tugas/izin belajar PNS"),
        (r"\bhonorer|\bk2\b", "tenaga honorer"),
        (r"\bskp\b|kinerja (asn|pns)", "kinerja ASN/SKP"),
        (r"talent pool", "talent pool"),
    )
)

ADJACENT_POINTER = (
    "Pertanyaan tentang {topic} bukan bagian dari helpdesk rekrutmen ini. Silakan hubungi "
    "bagian kepegawaian instansi Anda atau Kantor Regional BKN, atau sampaikan lewat "
    "SP4N-LAPOR! di https://www.lapor.go.id."
)


def adjacent_topic(text: str) -> str | None:
    """The civil-service topic outside recruitment that ``text`` asks about, if any."""
    normalized = normalize(text)
    for pattern, label in ADJACENT_TOPICS:
        if pattern.search(normalized):
            return label
    return None


def pointer_for(text: str) -> str | None:
    """A pointer to the right channel for an adjacent topic, else None."""
    topic = adjacent_topic(text)
    return ADJACENT_POINTER.format(topic=topic) if topic else None
