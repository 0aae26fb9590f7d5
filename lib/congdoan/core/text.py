"""Small helpers for text shown to people: a first capital, a cut at a word."""

from __future__ import annotations


def first_upper(text: str) -> str:
    """``text`` with its first letter a capital and the rest as it is.

    ``"báo cáo năm 2025-H2"`` → ``"Báo cáo năm 2025-H2"`` (:meth:`str.capitalize` would lower
    "H2"); "" stays "".
    """
    return text[:1].upper() + text[1:]


def cut_at_word(text: str, width: int, mark: str = " …") -> str:
    """``text`` cut at a word to at most ``width`` characters, ``mark`` after what is kept.

    Unchanged when it is short enough; a text without a space in its first ``width``
    characters is cut at ``width``.
    """
    if len(text) <= width:
        return text
    return text[:width].rsplit(" ", 1)[0] + mark


__all__ = ["cut_at_word", "first_upper"]
