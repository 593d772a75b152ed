"""What the simulated applicants say: informal Indonesian, written for the load test
(templates, not taken from any data set), and the conversations they hold.

A conversation is a generator: it yields the next message and receives the bot's
replies to it (``Reply`` objects), so it can follow the intake form (description,
topic button, "lewati") wherever the bot starts it.

Mix of a season, by conversation (``SCENARIOS``): 55 % questions, 15 % complaints
into the intake form, 10 % status checks, 5 % "a person, please", 10 % greetings
and thanks, 5 % out of scope.
"""

from __future__ import annotations

import random
from collections.abc import Generator
from typing import Any

# --- building blocks -------------------------------------------------------------------

OPENERS = [
    "",
    "",
    "",
    "min ",
    "kak ",
    "halo min, ",
    "permisi kak, ",
    "mau nanya dong, ",
    "sori ganggu, ",
]
CLOSERS = ["", "", "", " ya min", " kak", " dong", " gmn ya", " makasih", " 🙏", "??"]

QUESTION_TOPICS = {
    "registrasi": [
        "cara bikin akun sscasn gimana",
        "aku lupa password akun sscasn, resetnya lewat mana",
        "email verifikasi pendaftaran ga masuk2 udah nunggu sejam",
        "nik aku katanya sudah terdaftar padahal blm pernah daftar",
        "bisa ganti nomor hp yg didaftarin ga",
        "foto selfie pas registrasi ditolak terus knp ya",
        "kalo salah input nama di akun bisa dibenerin ga",
    ],
    "formasi": [
        "formasi buat lulusan s1 akuntansi ada di instansi mana aja",
        "boleh daftar 2 formasi sekaligus ga",
        "jurusan aku ga ada di daftar formasi, gimana dong",
        "formasi disabilitas syaratnya apa aja",
        "cara liat jumlah formasi per instansi dimana",
        "ijazah D3 bisa daftar formasi pppk guru gak",
        "formasi cumlaude itu ipk minimal berapa",
    ],
    "skd": [
        "passing grade skd tahun ini berapa",
        "materi skd apa aja sih",
        "jadwal skd aku kapan keluarnya",
        "kartu ujian skd dicetak dimana",
        "boleh pindah lokasi tes skd ga",
        "nilai twk aku kurang 5 poin masih ada harapan ga",
        "skd itu pakai cat ya? durasinya brp menit",
    ],
    "dokumen": [
        "ukuran maksimal file ijazah yg diupload brp kb",
        "surat lamaran harus ditandatangani basah atau boleh digital",
        "transkrip nilai perlu dilegalisir ga",
        "pas foto latar merah atau biru",
        "format file upload harus pdf ya",
        "surat pernyataan 5 poin download dimana",
        "akreditasi kampus harus dilampirin juga?",
    ],
    "jadwal": [
        "pendaftaran cpns kapan dibuka",
        "kapan terakhir daftar pppk",
        "pengumuman hasil seleksi administrasi kapan",
        "masa sanggah sampe tanggal berapa",
        "jadwal skb kapan",
        "pengumuman kelulusan akhir kapan ya",
    ],
}
FOLLOW_UPS = [
    "kalo yg pppk gimana",
    "terus kalo udah lewat batas waktunya?",
    "itu berlaku buat semua instansi?",
    "oh gt, trus abis itu ngapain",
    "kalo tahun lalu gimana",
    "linknya apa min",
]
COMPLAINTS = [
    "upload ijazah gagal terus padahal ukurannya cuma 400 kb",
    "udah bayar e-meterai tapi dokumennya ga muncul di akun",
    "akun aku ke-lock gara2 salah password 3x, udah 2 hari ga bisa login",
    "status aku tidak memenuhi syarat padahal semua dokumen sudah lengkap",
    "web sscasn error terus pas mau submit, muncul tulisan gagal menyimpan",
    "kartu ujian ga bisa dicetak, tombolnya ga bisa diklik",
    "nama di kartu ujian salah ketik, beda sama ktp",
    "lokasi tes yg muncul beda sama yg aku pilih waktu daftar",
]
DESCRIPTIONS = [
    "pas klik unggah muncul pesan gagal terus, udah coba pake laptop sama hp tetep sama",
    "dari kemarin sore udah dicoba berkali kali tetep ga bisa, padahal koneksi aman",
    "udah ikutin petunjuk di panduan tapi hasilnya masih sama aja, mohon dibantu dicek",
]
STATUS_CHECKS = [
    "cek status tiket SSCN-2026-{n:05d}",
    "status SSCN-2026-{n:05d} gmn min",
    "tiket aku SSCN-2026-{n:05d} udah diproses belum",
]
HUMAN = [
    "mau bicara sama petugas",
    "bisa sambungin ke admin aja ga",
    "aku mau ngobrol sama orang beneran dong",
]
GREETINGS = ["halo", "hai min", "assalamualaikum", "pagi kak", "p", "halo selamat siang"]
THANKS = [
    "makasih min",
    "oke makasih banyak",
    "siap terima kasih kak",
    "thx min 🙏",
    "mantap, makasih",
]
OUT_OF_SCOPE = [
    "cara urus kenaikan pangkat pns gimana",
    "gaji pns golongan 3a berapa sih",
    "min ada info lowongan bumn ga",
    "cara daftar bpjs kesehatan lewat mana",
    "rekomendasi tempat makan enak di jakarta dong",
]
DECLINE = ["ga usah", "nggak dulu", "gausah min"]

SCENARIOS = {
    "question": 55,
    "complaint": 15,
    "status": 10,
    "human": 5,
    "smalltalk": 10,
    "out_of_scope": 5,
}

Conversation = Generator[str, list[Any], None]


def decorate(rng: random.Random, text: str) -> str:
    return f"{rng.choice(OPENERS)}{text}{rng.choice(CLOSERS)}".strip()


def pick_scenario(rng: random.Random) -> str:
    names = list(SCENARIOS)
    return rng.choices(names, weights=[SCENARIOS[n] for n in names])[0]


def form_step(rng: random.Random, replies: list[Any], private: bool) -> str | None:
    """The applicant's answer when the bot's replies ask something of the intake form
    (or offer a person); None when they ask nothing."""
    texts = " ".join(r.text for r in replies).lower()
    buttons = [b for r in replies for b in r.buttons]
    topic = [b for b in buttons if "case_topic" in b]
    if topic:
        return topic[0] if private else "iya kategorinya udah bener"
    if "ceritakan singkat" in texts or "terlalu singkat" in texts:
        return rng.choice(DESCRIPTIONS)
    if "kategori" in texts and not private:
        return "iya kategorinya udah bener"
    if "nomor pendaftaran" in texts and "lewati" in texts:
        return "lewati"
    if "teruskan ke petugas" in texts:
        return "iya boleh"
    return None


def follow_form(
    rng: random.Random, first: list[Any], private: bool, limit: int = 5
) -> Conversation:
    """Answer the form's questions while the bot asks them (at most ``limit`` turns)."""
    replies = first
    for _ in range(limit):
        answer = form_step(rng, replies, private)
        if answer is None or any("nomor tiket" in r.text for r in replies):
            return
        replies = yield answer


def conversation(rng: random.Random, scenario: str, private: bool) -> Conversation:
    """The messages of one conversation of ``scenario``; receives each turn's replies."""
    if scenario == "question":
        if rng.random() < 0.3:
            yield rng.choice(GREETINGS)
        topic = rng.choice(list(QUESTION_TOPICS))
        replies = yield decorate(rng, rng.choice(QUESTION_TOPICS[topic]))
        if any("teruskan ke petugas" in r.text for r in replies):
            replies = yield rng.choice(DECLINE)
        if rng.random() < 0.5:
            replies = yield rng.choice(FOLLOW_UPS)
        if rng.random() < 0.4:
            other = rng.choice(list(QUESTION_TOPICS))
            replies = yield decorate(rng, rng.choice(QUESTION_TOPICS[other]))
        if rng.random() < 0.5:
            yield rng.choice(THANKS)
    elif scenario == "complaint":
        replies = yield decorate(rng, rng.choice(COMPLAINTS))
        if form_step(rng, replies, private) is None and any(
            "membantu" in r.text.lower() for r in replies
        ):
            replies = yield "ga membantu, masih error"
        yield from follow_form(rng, replies, private)
        if rng.random() < 0.5:
            yield rng.choice(THANKS)
    elif scenario == "status":
        if rng.random() < 0.4:
            yield rng.choice(GREETINGS)
        yield rng.choice(STATUS_CHECKS).format(n=rng.randint(1, 99))
        if rng.random() < 0.5:
            yield rng.choice(THANKS)
    elif scenario == "human":
        replies = yield rng.choice(HUMAN)
        yield from follow_form(rng, replies, private)
    elif scenario == "smalltalk":
        yield rng.choice(GREETINGS)
        yield rng.choice(THANKS)
    else:
        yield decorate(rng, rng.choice(OUT_OF_SCOPE))
        if rng.random() < 0.5:
            yield rng.choice(THANKS)
