"""The units a case can be forwarded to, as seeded on a new database.

Names follow the units named in BKN's 2019 public-service report; supervisors
edit the list later (deactivate rather than delete: cases keep their unit).
"""

from __future__ import annotations

SEED_UNITS: tuple[tuple[str, str], ...] = (
    ("HUMAS", "Biro Hubungan Masyarakat"),
    ("DIT_PENGADAAN", "Direktorat Pengadaan dan Kepangkatan"),
    ("DIT_PSIK", "Direktorat Pengembangan Sistem Informasi Kepegawaian"),
    ("DIT_PDIK", "Direktorat Pengolahan Data dan Informasi Kepegawaian"),
    ("DIT_KINERJA", "Direktorat Kinerja ASN"),
    ("DIT_WASDAL_KPPJ", "Direktorat Wasdal Bidang KPPJ"),
    ("PUSBIN_KMA", "Pusat Pembinaan Kompetensi Manajemen ASN"),
    ("BIRO_UMUM", "Biro Umum"),
    ("BIRO_KEPEGAWAIAN", "Biro Kepegawaian"),
    ("BIRO_KEUANGAN", "Biro Keuangan"),
    ("INSPEKTORAT", "Inspektorat"),
    *(
        (f"KANREG_{n:02d}", f"Kantor Regional {roman} BKN")
        for n, roman in enumerate(
            (
                "I",
                "II",
                "III",
                "IV",
                "V",
                "VI",
                "VII",
                "VIII",
                "IX",
                "X",
                "XI",
                "XII",
                "XIII",
                "XIV",
            ),
            start=1,
        )
    ),
)
