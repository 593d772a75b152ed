"""A tiny knowledge base written to a temporary folder."""

from __future__ import annotations

from pathlib import Path

import yaml

PASSWORD = {
    "id": "lupa_password",
    "title": "Lupa kata sandi akun SSCASN",
    "questions": [
        "Bagaimana cara reset kata sandi akun SSCASN?",
        "lupa password sscasn gimana min",
        "saya lupa pw akun, cara gantinya?",
        "cara mengatur ulang password sscasn",
    ],
    "answer": "Buka https://helpdesk-sscasn.bkn.go.id lalu pilih menu Reset Password Akun SSCN.",
    "short_answer": "Reset lewat https://helpdesk-sscasn.bkn.go.id menu Reset Password Akun SSCN.",
    "tags": ["akun"],
    "sources": [{"url": "https://helpdesk-sscasn.bkn.go.id", "year": 2023}],
    "programs": ["all"],
}
AGE = {
    "id": "batas_usia",
    "title": "Batas usia pelamar CPNS",
    "questions": [
        "Berapa batas usia melamar CPNS?",
        "umur maksimal daftar cpns brp",
        "usia 36 tahun masih bisa daftar cpns?",
        "minimal umur pelamar cpns berapa",
    ],
    "answer": "Usia pelamar paling rendah 18 tahun dan paling tinggi 35 tahun saat melamar.",
    "short_answer": "Usia pelamar 18-35 tahun saat melamar.",
    "tags": ["syarat"],
    "sources": [{"url": "https://sscasn.bkn.go.id", "year": "2023-24"}],
    "programs": ["cpns"],
}
SCHEDULE_2019 = {
    "id": "jadwal_cpns_2019",
    "title": "Jadwal pendaftaran CPNS 2019",
    "questions": [
        "Kapan pendaftaran CPNS 2019 dibuka?",
        "jadwal daftar cpns 2019 kapan",
        "tanggal pembukaan sscasn 2019",
    ],
    "answer": "Pendaftaran CPNS 2019 dibuka 11 November 2019.",
    "short_answer": "Pendaftaran CPNS 2019 dibuka 11 November 2019.",
    "tags": ["jadwal"],
    "valid_from": "2019-11-11",
    "valid_until": "2019-12-31",
    "sources": [{"url": "https://www.bkn.go.id", "year": 2019}],
    "programs": ["cpns"],
}
NEGATIVES = ["halo selamat pagi", "terima kasih min", "siapa presiden amerika", "resep rendang"]
# A knowledge base of a few entries with four phrasings each calibrates to modest
# confidences; tests of the lookup logic on such a one answer from 0.5 (a wrong
# answer costs as much as a missed one) instead of the product's 0.8.
EVEN_COST = 1.0


def write_kb(directory: Path, *files: tuple[str, list[dict]]) -> Path:
    """Write ``(file name, entries)`` pairs as knowledge-base files."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, entries in files:
        (directory / name).write_text(
            yaml.safe_dump({"entries": entries}, allow_unicode=True), encoding="utf-8"
        )
    return directory


def default_kb(directory: Path) -> Path:
    return write_kb(directory, ("akun.yml", [PASSWORD, AGE]), ("jadwal.yml", [SCHEDULE_2019]))
