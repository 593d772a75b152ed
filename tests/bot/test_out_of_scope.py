"""Out-of-scope replies: civil-service topics get their channel, the rest a neutral reply."""

from __future__ import annotations

import pytest

from bot.out_of_scope import NEUTRAL_REPLIES, adjacent_topic, neutral_kind, pointer_for


@pytest.mark.parametrize(
    ("text", "label", "channel"),
    [
        ("min cara ngajuin kenaikan pangkat reguler gmn", "kenaikan pangkat PNS", "SIASN"),
        ("usul kp saya blm diproses", "kenaikan pangkat PNS", "Kantor Regional BKN"),
        ("batas usia pensiun guru berapa", "pensiun PNS", "Taspen"),
        ("BUP jabatan fungsional madya brp thn", "pensiun PNS", "pertimbangan teknis"),
        ("taspen saya kapan cair", "pensiun PNS", "https://www.taspen.co.id"),
        ("nyuwun pirsa, pindah instansi saking pemkab piye", "mutasi PNS", "instansi tujuan"),
        ("karsu istri hilang gmn", "Karpeg/Karis/Karsu", "BKPSDM/BKD"),
        ("karpeg saya hilang", "Karpeg/Karis/Karsu", "Kartu ASN Virtual"),
        ("cara bikin karis", "Karpeg/Karis/Karsu", "diusulkan"),
        ("sk pns saya rusak kena banjir", "SK kepegawaian", "Kantor Regional BKN"),
        ("nip saya salah tulis", "NIP dan data ASN", "MyASN"),
        ("data di myasn saya salah tanggal lahirnya", "aplikasi SIASN/MyASN", "MyASN"),
        ("siasn error gak bisa login", "aplikasi SIASN/MyASN", "https://siasn.bkn.go.id"),
        ("cuti melahirkan pppk berapa lama", "cuti PNS", "atasan"),
        ("tpp bulan ini belum cair", "gaji dan kesejahteraan PNS", "TPP"),
        ("gaji ke 13 kapan cair min", "gaji dan kesejahteraan PNS", "bagian keuangan"),
    ],
)
def test_civil_service_topics_point_to_their_channel(text, label, channel):
    assert adjacent_topic(text) == label
    reply = pointer_for(text)
    assert reply.startswith(f"Pertanyaan tentang {label} bukan bagian")
    assert channel in reply
    assert "https://www.lapor.go.id" in reply


def test_a_letter_of_several_paragraphs_gets_the_same_pointer():
    letter = (
        "Yth. Bapak/Ibu Admin BKN,\n\nDengan hormat, saya PNS golongan III/c di pemerintah "
        "kabupaten.\n\nSaya ingin menanyakan prosedur pensiun atas permintaan sendiri dan "
        "berkas yang harus saya siapkan.\n\nHormat saya,\nBudi"
    )
    assert adjacent_topic(letter) == "pensiun PNS"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("partai mana yang bakal menang pemilu", "politics"),
        ("pemerintah sekarang ga becus", "politics"),
        ("menurut admin lebih enak kemenkeu atau kemenkes", "opinion"),
        ("mending jadi pns atau kerja swasta", "opinion"),
        ("promo pulsa murah klik link di bio", "spam"),
        ("jasa joki skd dijamin lolos", "spam"),
        ("cek ini https://bit.ly/xyz", "spam"),
        ("wkwkwk", "content_free"),
        ("hmm", "content_free"),
        ("asdfgh", "content_free"),
        ("...", "content_free"),
        ("😂😂😂", "content_free"),
    ],
)
def test_opinions_politics_spam_and_empty_messages_get_a_short_neutral_reply(text, kind):
    assert adjacent_topic(text) is None
    assert neutral_kind(text) == kind
    assert pointer_for(text) == NEUTRAL_REPLIES[kind]
    assert len(NEUTRAL_REPLIES[kind]) <= 160


@pytest.mark.parametrize("text", ["siapa juara liga inggris", "resep rendang yang enak apa"])
def test_other_messages_get_the_generic_reply(text):
    assert pointer_for(text) is None
