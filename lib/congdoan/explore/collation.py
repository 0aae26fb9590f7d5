"""Vietnamese alphabetical order: ``a ă â b c d đ e ê … o ô ơ … u ư v x y``, tones second.

Python's default order compares code points, so "Đ" (U+0110) sorts after "Y" and "Ă" after
"Z". :func:`vi_sort_key` orders by the Vietnamese alphabet first (letters with a breve,
circumflex, horn or stroke are letters of their own, right after their base letter), then by
tone (none, huyền, hỏi, ngã, sắc, nặng), then lower case before upper case. Letters outside the
Vietnamese alphabet (f, j, w, z) take their Latin place; digits come before letters and spaces
and punctuation before both, so "Xã A" precedes "Xã AB".
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from functools import lru_cache

ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
"""The Vietnamese letters in order, with f, j, w and z in their Latin places."""

_RANK = {letter: i for i, letter in enumerate(ALPHABET)}
_LETTER_MARKS = frozenset({"\u0306", "\u0302", "\u031b"})
"""Combining marks that make a letter of its own: breve (ă), circumflex (â ê ô), horn (ơ ư)."""
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
"""Combining tone marks → rank: huyền, hỏi, ngã, sắc, nặng (none is 0)."""


def _letters(text: str) -> Iterable[tuple[str, int, bool]]:
    """(letter with its letter-forming mark, tone rank, upper case) for each base character."""
    for char in text:
        parts = unicodedata.normalize("NFD", char)
        base, marks = parts[0], parts[1:]
        letter = base.lower() + "".join(m for m in marks if m in _LETTER_MARKS)
        tone = max((_TONES.get(m, 0) for m in marks), default=0)
        yield unicodedata.normalize("NFC", letter), tone, base.isupper()


@lru_cache(maxsize=16384)
def _key(text: str) -> tuple[tuple[tuple[int, int], ...], tuple[int, ...],
                                       tuple[bool, ...]]:
    primary: list[tuple[int, int]] = []
    tones: list[int] = []
    cases: list[bool] = []
    for letter, tone, upper in _letters(text):
        if letter in _RANK:
            primary.append((2, _RANK[letter]))
        elif letter.isdigit():
            primary.append((1, int(letter) if letter.isdecimal() else ord(letter)))
        else:
            primary.append((0, ord(letter[0])))
        tones.append(tone)
        cases.append(upper)
    return tuple(primary), tuple(tones), tuple(cases)


def vi_sort_key(text: object) -> tuple[tuple[tuple[int, int], ...], tuple[int, ...],
                                       tuple[bool, ...]]:
    """A key that sorts text in Vietnamese alphabetical order (see the module docstring).

    Keys are remembered (names are sorted again at every change of a selection).
    """
    return _key(str(text))


def vi_sorted(items: Iterable[str]) -> list[str]:
    """``items`` in Vietnamese alphabetical order."""
    return sorted(items, key=vi_sort_key)
