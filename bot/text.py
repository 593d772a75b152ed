"""Text normalisation for informal Indonesian, and X's weighted text length."""

from __future__ import annotations

import re
import unicodedata

# Common abbreviations and slang of applicants' messages -> standard form.
# Only unambiguous forms; char n-grams take care of the rest.
SLANG: dict[str, str] = {
    "gmn": "bagaimana",
    "gimana": "bagaimana",
    "gmna": "bagaimana",
    "bgmn": "bagaimana",
    "gk": "tidak",
    "ga": "tidak",
    "gak": "tidak",
    "nggak": "tidak",
    "ngga": "tidak",
    "enggak": "tidak",
    "engga": "tidak",
    "tdk": "tidak",
    "kagak": "tidak",
    "gbs": "tidak bisa",
    "gabisa": "tidak bisa",
    "gakbisa": "tidak bisa",
    "bs": "bisa",
    "bsa": "bisa",
    "blm": "belum",
    "blum": "belum",
    "udh": "sudah",
    "udah": "sudah",
    "sdh": "sudah",
    "dah": "sudah",
    "yg": "yang",
    "dgn": "dengan",
    "krn": "karena",
    "karna": "karena",
    "knp": "kenapa",
    "knapa": "kenapa",
    "pdhl": "padahal",
    "sy": "saya",
    "aq": "saya",
    "aku": "saya",
    "ak": "saya",
    "gw": "saya",
    "gue": "saya",
    "ku": "saya",
    "sya": "saya",
    "tp": "tapi",
    "jg": "juga",
    "aja": "saja",
    "aj": "saja",
    "utk": "untuk",
    "untk": "untuk",
    "min": "admin",
    "mimin": "admin",
    "kak": "kakak",
    "pw": "password",
    "pass": "password",
    "pasword": "password",
    "paswod": "password",
    "katasandi": "kata sandi",
    "dmn": "dimana",
    "dimn": "dimana",
    "brp": "berapa",
    "brapa": "berapa",
    "mo": "mau",
    "pengen": "ingin",
    "pgn": "ingin",
    "gimna": "bagaimana",
    "daftra": "daftar",
    "sscsn": "sscasn",
    "sscn": "sscasn",
    "dlm": "dalam",
    "lg": "lagi",
    "trs": "terus",
    "terus2an": "terus",
    "bgt": "banget",
    "ttg": "tentang",
    "kpn": "kapan",
    "tgl": "tanggal",
    "thn": "tahun",
    "th": "tahun",
    "nmr": "nomor",
    "hr": "hari",
    "apk": "aplikasi",
    "upload": "unggah",
    "uplod": "unggah",
    "apload": "unggah",
    "login": "masuk",
    "dok": "dokumen",
    "p3k": "pppk",
}

_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_MENTION = re.compile(r"@\w+")
_NON_WORD = re.compile(r"[^\w\s\-/]", re.UNICODE)
_REPEAT = re.compile(r"(\w)\1{2,}")  # "tolonggg" -> "tolong"
_SPACES = re.compile(r"\s+")


def normalize(text: str) -> str:
    """Lower-case, drop mentions/URLs/emoji, fold repeats and expand slang."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = _URL.sub(" ", text)
    text = _MENTION.sub(" ", text)
    text = text.replace("#", " ")
    text = _NON_WORD.sub(" ", text)
    text = _REPEAT.sub(r"\1", text)
    words = [SLANG.get(word, word) for word in text.split()]
    return _SPACES.sub(" ", " ".join(words)).strip()


# X counts characters by code point ranges; the rest weigh 2 (CJK, emoji).
_LIGHT_RANGES = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))
TWEET_URL_WEIGHT = 23
TWEET_MAX_WEIGHT = 280


def tweet_weight(text: str) -> int:
    """Length of ``text`` as X counts it: URLs weigh 23, emoji and CJK weigh 2."""
    weight = 0
    position = 0
    for match in _URL.finditer(text):
        weight += _chars_weight(text[position : match.start()]) + TWEET_URL_WEIGHT
        position = match.end()
    return weight + _chars_weight(text[position:])


def _chars_weight(chunk: str) -> int:
    chunk = unicodedata.normalize("NFC", chunk)
    return sum(
        1 if any(low <= ord(char) <= high for low, high in _LIGHT_RANGES) else 2 for char in chunk
    )
