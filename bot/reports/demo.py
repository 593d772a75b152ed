"""``sscn demo-data``: a synthetic recruitment season written through the real ledger
code, for demos of the console and the reports.

Shape (2019 season, seed report): registration opened 11 November 2019 and
2.3 million accounts were made in the first five days, so traffic peaks at the
start and decays; weekends are quieter; people write from morning to late
evening. The helpdesk answered 217 X mentions in the season (about five a day).
Complaint topics follow the helpdesk's biggest groups (forgotten passwords and
NIK problems first). Agents verify, reply, forward and resolve within working
hours with a spread that breaches the SLA now and then; about 60% of resolved
applicants give a rating. Everything is random with a fixed seed.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass

from bot.conversations import conversation_id
from bot.ledger.calendar import WIB
from bot.ledger.lifecycle import Status
from bot.ledger.lookups import record_lookup
from bot.ledger.messages import ANSWERED, MessageLog
from bot.ledger.service import Ledger, NewCase
from bot.vocabulary import CaseEventType, Channel

SEASONS = {2019: dt.date(2019, 11, 11)}
# Conversations per day at the season's start, at scale 1.0, before the decay.
DAILY = {Channel.WEBCHAT: 60, Channel.TELEGRAM: 40, Channel.TWITTER: 5}
ESCALATION_RATE = 0.08
TOPIC_WEIGHTS = {
    "login_password": 26,
    "akun_nik": 24,
    "unggah_dokumen": 14,
    "formasi_jabatan": 9,
    "data_salah": 8,
    "portal_error": 6,
    "hasil_seleksi_administrasi": 4,
    "jadwal_kartu_ujian": 3,
    "sekolah_kedinasan": 2,
    "pppk": 2,
    "penipuan": 1,
    "lainnya": 1,
}
SUMMARIES = {
    "login_password": "tidak bisa login, email reset password tidak masuk",
    "akun_nik": "NIK saya dibilang sudah terdaftar padahal belum pernah buat akun",
    "unggah_dokumen": "upload ijazah gagal terus padahal ukurannya di bawah batas",
    "formasi_jabatan": "jurusan saya tidak muncul di pilihan formasi",
    "data_salah": "salah isi IPK dan sudah terlanjur akhiri pendaftaran",
    "portal_error": "portal sscasn error terus tidak bisa dibuka",
    "hasil_seleksi_administrasi": "dinyatakan TMS padahal dokumen lengkap, mau sanggah",
    "jadwal_kartu_ujian": "kartu ujian belum bisa dicetak",
    "sekolah_kedinasan": "pendaftaran sekolah kedinasan tidak bisa pilih lokasi",
    "pppk": "formasi PPPK guru tidak muncul",
    "penipuan": "ada orang minta uang katanya bisa meluluskan",
    "lainnya": "kendala lain saat pendaftaran",
}
FAQ_WEIGHTS = {
    "lupa_password": 20,
    "nik_tidak_valid": 16,
    "ukuran_dokumen": 12,
    "cara_daftar": 10,
    "batas_usia": 8,
    "satu_formasi": 6,
    "cetak_kartu": 6,
    "akhiri_pendaftaran": 5,
    "portal_sscasn": 5,
    "biaya_penipuan": 3,
}
UNANSWERED = (
    "apakah lulusan paket c boleh daftar sekolah kedinasan",
    "ijazah paket c diterima untuk cpns?",
    "tinggi badan minimal untuk sekolah kedinasan berapa",
    "syarat tinggi badan ipdn",
    "buta warna parsial boleh daftar cpns?",
    "apakah penderita buta warna bisa ikut seleksi",
    "akreditasi kampus saya berubah, pakai yang mana",
    "akreditasi prodi belum keluar boleh daftar?",
    "bisa ganti email akun sscasn?",
    "cara ganti nomor hp di akun",
)
RATINGS = (4, 4, 4, 4, 4, 4, 4, 4, 4, 3, 3, 3, 3, 3, 3, 3, 3, 2, 2, 1)


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime.now(dt.timezone.utc)

    def __call__(self) -> dt.datetime:
        return self.now


@dataclass
class Summary:
    conversations: int = 0
    messages: int = 0
    cases: int = 0
    resolved: int = 0
    rated: int = 0


def _moment(rng: random.Random, day: dt.date) -> dt.datetime:
    hour = min(23.9, max(6.0, rng.gauss(14, 4)))
    return dt.datetime.combine(day, dt.time(), WIB) + dt.timedelta(hours=hour)


def _volume(day_index: int, day: dt.date, base: float) -> float:
    weekend = 0.6 if day.weekday() >= 5 else 1.0
    return base * (1 + 3 * math.exp(-day_index / 4)) * weekend


def generate(
    ledger: Ledger,
    log: MessageLog,
    clock: Clock,
    season: int = 2019,
    days: int = 30,
    scale: float = 1.0,
    seed: int = 2019,
) -> Summary:
    """Write ``days`` days of the season (conversations, mentions, cases, ratings)."""
    if season not in SEASONS:
        raise ValueError(f"unknown season {season}; known: {sorted(SEASONS)}")
    if days < 1 or scale <= 0:
        raise ValueError("days must be >= 1 and scale > 0")
    rng = random.Random(seed)
    summary = Summary()
    topics, topic_weights = zip(*TOPIC_WEIGHTS.items(), strict=True)
    faqs, faq_weights = zip(*FAQ_WEIGHTS.items(), strict=True)
    for index in range(days):
        day = SEASONS[season] + dt.timedelta(days=index)
        for channel, base in DAILY.items():
            count = int(round(_volume(index, day, base * scale) * rng.uniform(0.85, 1.15)))
            for number in range(count):
                user = conversation_id(channel, f"demo-{day:%m%d}-{number}")
                at = _moment(rng, day)
                clock.now = at
                faq = rng.choices(faqs, faq_weights)[0] if rng.random() < 0.75 else None
                question = rng.choice(UNANSWERED) if faq is None else faq.replace("_", " ")
                external = (
                    f"{day:%Y%m%d}{channel[0]}{number:05d}" if channel != Channel.WEBCHAT else None
                )
                inbound, _ = log.receive(channel, user, external, question, at)
                record_lookup(ledger.sessions, channel, faq, question, at)
                summary.conversations += 1
                summary.messages += 1
                unanswered_mention = channel == Channel.TWITTER and rng.random() < 0.1
                if not unanswered_mention:
                    clock.now = at + dt.timedelta(seconds=rng.uniform(1, 4))
                    log.record_sent(channel, user, "jawaban", "bot", inbound.id)
                    log.set_status(inbound.id, ANSWERED)
                if rng.random() < ESCALATION_RATE:
                    _case(
                        ledger,
                        log,
                        clock,
                        rng,
                        channel,
                        user,
                        inbound.id,
                        at,
                        topics,
                        topic_weights,
                        summary,
                    )
    return summary


def _case(ledger, log, clock, rng, channel, user, inbound_id, at, topics, weights, summary) -> None:
    topic = rng.choices(topics, weights)[0]
    clock.now = at + dt.timedelta(minutes=rng.uniform(1, 5))
    ticket = ledger.file(
        NewCase(
            channel, user, user, "complaint", SUMMARIES[topic], SUMMARIES[topic], sscn_topic=topic
        )
    ).case.ticket
    summary.cases += 1
    start = clock.now
    steps = (
        (
            rng.uniform(0.5, 8),
            lambda: ledger.set_status(ticket, Status.BELUM_DITINDAKLANJUTI, "ani"),
        ),
        (rng.uniform(0.2, 6), lambda: _reply(ledger, log, ticket, channel, user, inbound_id)),
        (rng.uniform(8, 60), lambda: ledger.set_status(ticket, Status.DALAM_PROSES, "ani")),
    )
    elapsed = 0.0
    for hours, step in steps:
        elapsed += hours
        clock.now = start + dt.timedelta(hours=elapsed)
        step()
    if rng.random() < 0.8:
        clock.now = start + dt.timedelta(hours=elapsed + rng.expovariate(1 / 90))
        ledger.set_status(ticket, Status.SELESAI, "ani")
        summary.resolved += 1
        if rng.random() < 0.6:
            ledger.rate(channel, user, rng.choice(RATINGS))
            summary.rated += 1


def _reply(ledger, log, ticket, channel, user, inbound_id) -> None:
    ledger.record(ticket, "ani", CaseEventType.AGENT_REPLY, new="Kami bantu cek ya.")
    log.record_sent(channel, user, "Kami bantu cek ya.", "agent:ani", inbound_id)
