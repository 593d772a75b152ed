"""NIKs as applicants write them (hypothesis strategies), and how to spot one leaked."""

from __future__ import annotations

import re

from hypothesis import strategies as st

NIK = "3201234567890123"
# Between two digits: spaces of every kind, zero-width characters, punctuation.
SEPARATORS = [
    " ",
    "  ",
    " - ",
    ".",
    "-",
    "/",
    ",",
    "_",
    "\t",
    "\n",
    "\r\n",
    "\u00a0",  # no-break space
    "\u2009",  # thin space
    "\u202f",  # narrow no-break space
    "\u3000",  # ideographic space
    "\u200b",  # zero-width space
    "\u200c",
    "\u200d",
    "\u2060",  # word joiner
    "\ufeff",
    "\u00ad",  # soft hyphen
    "\u2013",  # en dash
    ", ",
    " / ",
    "\u00a0-\u00a0",
]


# The zero of a few scripts: ASCII, fullwidth, Arabic-Indic, Persian, Devanagari,
# Bengali, Thai, mathematical bold.
ZEROS = [0x30, 0xFF10, 0x660, 0x6F0, 0x966, 0x9E6, 0xE50, 0x1D7CE]


# Digits a reader would take for one number: joined by up to 4 non-alphanumerics.
DIGIT_CHAIN = re.compile(r"\d(?:[\W_]{0,4}\d)*")


def ascii_digits(text: str) -> str:
    """Every decimal digit of ``text`` (any script) as ASCII, the rest dropped."""
    return "".join(str(int(c)) for c in text if c.isdecimal())


@st.composite
def written_niks(draw: st.DrawFn, zeros: list[int] | None = None) -> tuple[str, str]:
    """``(the 16 digits in ASCII, how an applicant might write them)``, in the script
    of one of ``zeros`` if given, else of any script or a mix."""
    values = draw(st.lists(st.integers(0, 9), min_size=16, max_size=16))
    if zeros or draw(st.booleans()):
        zero = draw(st.sampled_from(zeros or ZEROS))
        digits = [chr(zero + value) for value in values]
    else:  # any decimal digit of any script, mixed
        digits = draw(st.lists(st.characters(categories=["Nd"]), min_size=16, max_size=16))
        values = [int(digit) for digit in digits]
    gap = st.one_of(st.just(""), st.sampled_from(SEPARATORS))
    if draw(st.booleans()):  # one separator throughout, in groups
        size, separator = draw(st.sampled_from([1, 2, 4, 8])), draw(st.sampled_from(SEPARATORS))
        gaps = [separator if (i + 1) % size == 0 else "" for i in range(15)]
    else:
        gaps = draw(st.lists(gap, min_size=15, max_size=15))
    written = digits[0] + "".join(g + d for g, d in zip(gaps, digits[1:], strict=True))
    return "".join(map(str, values)), written


# Random text around a NIK: anything but digits (a neighbouring digit would make
# it a longer number, not a NIK) and surrogates.
prose = st.text(st.characters(exclude_categories=["Nd", "Cs"]), max_size=40)


def leaked(secret_digits: str, text: str) -> bool:
    """True when ``text`` shows these digits as (part of) one number, in any script."""
    return any(secret_digits in ascii_digits(chain) for chain in DIGIT_CHAIN.findall(text))
