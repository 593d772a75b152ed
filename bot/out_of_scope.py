"""Replies for messages outside recruitment.

Serving civil servants' matters (kenaikan pangkat, pensiun, mutasi, Karis/Karsu,
SK, NIP, SIASN/MyASN, cuti, gaji/TPP...) get a pointer to the channel that
handles that topic; opinions, politics, spam and content-free messages get a
short neutral reply; anything else gets the domain's generic ``utter_out_of_scope``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.answers import LAPOR_FALLBACK
from bot.text import normalize

_INSTANSI = "bagian kepegawaian (BKPSDM/BKD atau biro SDM) instansi Anda"
_LAPOR = LAPOR_FALLBACK


@dataclass(frozen=True)
class AdjacentTopic:
    """A civil-service topic outside recruitment and where it is handled."""

    label: str
    pattern: re.Pattern[str]
    channel: str
    entry: str | None  # its knowledge-base entry, if it has one (answers instead of ``channel``)


def _topic(label: str, pattern: str, channel: str, entry: str | None = None) -> AdjacentTopic:
    return AdjacentTopic(label, re.compile(pattern), channel, entry)


# Checked in order on normalised text: the first match wins, so the more
# specific topics (an SK of a promotion, a MyASN data error) come first.
ADJACENT_TOPICS: tuple[AdjacentTopic, ...] = (
    _topic(
        "pensiun PNS",
        r"\bpensiun|\btaspen|\bbup\b|batas usia pensiun|\btht\b|tabungan hari tua"
        r"|\bjanda\b.*\b(pns|asn)|\bduda\b.*\b(pns|asn)",
        f"Usul pensiun (BUP, pensiun dini, janda/duda) diajukan lewat {_INSTANSI} di SIASN; "
        "Kantor Regional BKN memberi pertimbangan teknis dan SK ditetapkan instansi. "
        "Pembayaran pensiun dan THT diurus di kantor cabang PT Taspen (https://www.taspen.co.id).",
        "pensiun_pns",
    ),
    _topic(
        "Karpeg/Karis/Karsu",
        r"\bkarpeg|\bkaris\b|\bkarsu\b|kartu (pegawai|istri|suami|asn)|\bkpe\b",
        "Kartu Pegawai kini berupa Kartu ASN Virtual yang diunduh sendiri di MySAPK "
        "(https://mysapk.bkn.go.id) setelah data dan foto diperbarui; Karis/Karsu ditanyakan "
        f"dan diusulkan melalui {_INSTANSI}.",
        "kartu_asn_virtual",
    ),
    _topic(
        "aplikasi SIASN/MyASN",
        r"\bsapk\b|\bmysapk|\bsiasn\b|\bmyasn\b|\bmy asn\b|\bmypns\b|\be-?kinerja\b",
        f"Akun dan data di MyASN/SIASN ditangani oleh admin SIASN di {_INSTANSI}; data "
        "pribadi bisa Anda perbarui sendiri di MySAPK/MyASN dengan dokumen pendukung, lalu "
        "diverifikasi instansi di SIASN (https://siasn.bkn.go.id).",
    ),
    _topic(
        "kenaikan pangkat PNS",
        r"\b(naik|kenaikan) pangkat|\bkp (pns|reguler|pilihan)|\busul kp\b|\bkenaikan golongan",
        f"Usul kenaikan pangkat diajukan oleh {_INSTANSI} melalui SIASN; statusnya bisa "
        "Anda pantau di MyASN. Bila usul tertahan, instansi Anda dapat menanyakannya ke "
        "Kantor Regional BKN yang membawahinya.",
        "kenaikan_pangkat_pns",
    ),
    _topic(
        "mutasi PNS",
        r"\bmutasi|pindah (instansi|tugas|kerja|dinas|daerah)|\bpindah\b.*\b(pns|asn|pppk)\b",
        "Mutasi atau pindah instansi diurus oleh bagian kepegawaian instansi asal dan "
        "instansi tujuan (keduanya harus menyetujui), dengan pertimbangan teknis dari "
        "BKN atau Kantor Regional BKN.",
        "mutasi_pns",
    ),
    _topic(
        "SK kepegawaian",
        r"\bsk\b.*\b(hilang|rusak|salah|keliru|belum|blm)"
        r"|\bsk (cpns|pns|pppk|konversi|pangkat|pengangkatan|kenaikan)",
        f"Salinan atau perbaikan SK (CPNS, PNS, PPPK, kenaikan pangkat) diminta ke {_INSTANSI}; "
        "kesalahan pada SK yang ditetapkan BKN diperbaiki oleh Kantor Regional BKN atas usul "
        "instansi.",
    ),
    _topic(
        "NIP dan data ASN",
        r"\bnip\b|data (asn|pns|kepegawaian)|riwayat (jabatan|golongan|pendidikan)",
        f"Data ASN (NIP, pendidikan, jabatan, golongan) bisa Anda periksa di MyASN; perbaikan "
        f"dilakukan oleh admin kepegawaian di {_INSTANSI} melalui SIASN, dan Kantor Regional "
        "BKN membantu bila instansi tidak bisa memperbaikinya.",
        "perbaikan_data_nip",
    ),
    _topic(
        "cuti PNS",
        r"\bcuti (pns|asn|pppk|besar|tahunan|melahirkan|sakit|alasan penting)"
        r"|\bcuti\b.*\b(pns|asn|pppk)",
        f"Cuti diajukan kepada atasan dan pejabat yang berwenang melalui {_INSTANSI}; jenis dan "
        "lama cuti bisa Anda tanyakan di sana.",
    ),
    _topic(
        "gaji dan kesejahteraan PNS",
        r"\bgaji|\btunjangan|\btpp\b|\bthr\b|\btukin\b|\bgaji ke ?13|\bkgb\b|gaji berkala",
        "Gaji, TPP, tunjangan, THR dan gaji ke-13 dibayarkan oleh instansi Anda: tanyakan ke "
        "bagian keuangan atau kepegawaian instansi. Besaran TPP ditetapkan oleh tiap "
        "pemerintah daerah atau instansi.",
    ),
    _topic(
        "ujian dinas dan penyesuaian ijazah",
        r"ujian dinas|penyesuaian ijazah|pencantuman gelar|ujian penyesuaian",
        f"Ujian dinas, ujian penyesuaian ijazah dan pencantuman gelar diusulkan melalui "
        f"{_INSTANSI}; jadwalnya diumumkan instansi dan Kantor Regional BKN.",
    ),
    _topic(
        "disiplin PNS",
        r"\bdisiplin (pns|asn)|hukuman disiplin|netralitas|\bbolos\b|diberhentikan",
        f"Disiplin dan pemberhentian ASN ditangani oleh atasan dan {_INSTANSI}; pelanggaran "
        "bisa dilaporkan ke inspektorat instansi.",
    ),
    _topic(
        "tugas/izin belajar PNS",
        r"(tugas|izin) belajar",
        f"Tugas belajar dan izin belajar diajukan melalui {_INSTANSI}.",
    ),
    _topic(
        "tenaga honorer",
        r"\bhonorer|\bk2\b|\bnon asn\b|\bnon-asn\b",
        "Status tenaga honorer (non-ASN) ditangani instansi tempat Anda bekerja; seleksi PPPK "
        "untuk non-ASN diumumkan di https://sscasn.bkn.go.id bila dibuka.",
    ),
    _topic(
        "kinerja ASN/SKP",
        r"\bskp\b|kinerja (asn|pns|pppk)|angka kredit|jabatan fungsional",
        f"Penilaian kinerja (SKP) dan angka kredit ditangani atasan Anda dan {_INSTANSI}.",
    ),
    _topic(
        "talent pool",
        r"talent pool|manajemen talenta",
        f"Manajemen talenta ASN dikelola oleh {_INSTANSI}.",
    ),
)

ADJACENT_POINTER = (
    "Pertanyaan tentang {topic} bukan bagian dari helpdesk rekrutmen ini. {channel} " + _LAPOR
)

# Short neutral replies: no opinion, no argument, back to what the bot does.
_SCOPE = "seleksi CPNS, PPPK dan Sekolah Kedinasan"
NEUTRAL_REPLIES: dict[str, str] = {
    "politics": (
        f"Maaf, saya tidak menyampaikan pendapat tentang politik, tokoh atau kebijakan. "
        f"Saya bisa membantu seputar {_SCOPE}."
    ),
    "opinion": f"Maaf, saya tidak memberi pendapat pribadi. Saya bisa membantu seputar {_SCOPE}.",
    "spam": f"Maaf, pesan ini tidak dapat saya tindak lanjuti. Saya membantu seputar {_SCOPE}.",
    "content_free": (
        f"Ada yang bisa saya bantu seputar {_SCOPE}? Tulis saja pertanyaan atau kendala Anda."
    ),
}

_POLITICS = re.compile(
    r"\b(pemilu|pilpres|pilkada|pileg|capres|cawapres|paslon|partai|kampanye|presiden|dpr|"
    r"koalisi|oposisi|golput|politik)\b"
    r"|\bpemerintah\w*\b.*\b(becus|bodoh|jelek|payah|gagal|korup|zalim|bagus)\b"
)
_OPINION = re.compile(
    r"\b(menurut|pendapat|opini) (kamu|mu|admin|anda|bot|kakak)\b|\bmenurutmu\b"
    r"|\bmending\b.*\batau\b|\blebih (enak|bagus|baik)\b.*\batau\b"
)
_SPAM = re.compile(
    r"\b(promo|diskon|giveaway|slot|judi|gacor|pinjol|joki|followers?|follow back|cek bio|"
    r"klik link|link di bio|dm aja|jual akun|penghasilan jutaan|investasi)\b"
)
_FILLERS = frozenset(
    [
        "ok",
        "oke",
        "okay",
        "sip",
        "siap",
        "hmm",
        "hm",
        "eh",
        "ah",
        "oh",
        "ya",
        "y",
        "iya",
        "test",
        "tes",
        "coba",
        "ping",
        "p",
        "halo",
        "bot",
        "admin",
        "kakak",
        "zzz",
        "lol",
        "anjay",
        "gabut",
    ]
)
_LAUGH = re.compile(r"^(w?k)+w?$|^(ha|he|hi|hu|wk)+h?$")
_VOWEL = re.compile(r"[aiueo]")


def adjacent(text: str) -> AdjacentTopic | None:
    """The civil-service topic outside recruitment that ``text`` asks about, if any."""
    normalized = normalize(text)
    return next((topic for topic in ADJACENT_TOPICS if topic.pattern.search(normalized)), None)


def adjacent_topic(text: str) -> str | None:
    """The label of the civil-service topic ``text`` asks about, if any."""
    topic = adjacent(text)
    return topic.label if topic else None


def neutral_kind(text: str) -> str | None:
    """ "politics", "opinion", "spam" or "content_free" for such a message, else None."""
    normalized = normalize(text)
    if _SPAM.search(normalized) or (
        re.search(r"https?://|www\.", text, re.I) and len(normalized) < 40
    ):
        return "spam"
    if _POLITICS.search(normalized):
        return "politics"
    if _OPINION.search(normalized):
        return "opinion"
    if _content_free(normalized):
        return "content_free"
    return None


def _content_free(normalized: str) -> bool:
    words = re.findall(r"[a-z]+", normalized)
    if not words:
        return True
    if all(word in _FILLERS or _LAUGH.match(word) for word in words):
        return True
    # a keyboard mash: one or two "words" with no vowel or a known mash row
    return len(words) <= 2 and all(
        not _VOWEL.search(word) or word.startswith(("asd", "qwe", "zxc", "jkl")) for word in words
    )


def pointer_for(text: str) -> str | None:
    """The reply for an out-of-scope message, or None for the generic one.

    A civil-service topic gets a pointer to its channel; opinions, politics,
    spam and content-free messages get a short neutral reply.
    """
    topic = adjacent(text)
    if topic:
        return ADJACENT_POINTER.format(topic=topic.label, channel=topic.channel)
    kind = neutral_kind(text)
    return NEUTRAL_REPLIES[kind] if kind else None
