"""Reading a quotation: does its text hold a value? The one rule the support check reads by.

Words are compared whole (case, punctuation, curly quotes and "&" forgiven): "Derby" is not in
"Derbyshire". A number is held by its digits (thousands separators aside) or its words ("three",
"three-year"); a date by its year and, at the precision it claims, its month and day (by name or
number: "February 2011", "2011-02-01", "1 February 2011").
"""

from __future__ import annotations

import functools
import re
import unicodedata

MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
          "october", "november", "december")
NUMBER_WORDS = {word: n for n, word in enumerate((
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"))}
ORDINALS = {word: n for n, word in enumerate((
    "", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth")) if word}
NUMBER_WORDS |= {"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
                 "hundred": 100, "thousand": 1000, "million": 1_000_000, "mn": 1_000_000, "bn": 1_000_000_000, "single": 1, "once": 1, "twice": 2}


@functools.lru_cache(maxsize=1 << 16)
def tokens(text: str) -> tuple[str, ...]:
    """Lower-case words and numbers, thousands separators joined ("4,400" is "4400"). Read once
    a text: the build reads each quotation against every statement of its node, and each name
    against every quotation that may hold it."""
    text = unicodedata.normalize("NFKC", text).replace("\u2019", "'").replace("\u2018", "'").replace("&", " and ")
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text.lower())
    return tuple(re.findall(r"[a-z]+|\d+(?:\.\d+)?", re.sub(r"'s\b", "s", text)))


def _singular(word: str) -> str:
    """A plural's singular, roughly ("organisations", "services"): enough to compare words, not to spell them."""
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


@functools.lru_cache(maxsize=1 << 16)
def _singular_words(text: str) -> tuple[str, ...]:
    """The text's words as phrases are compared: each plural as its singular (`tokens`, once a text)."""
    return tuple(_singular(t) for t in tokens(text))


def _contains(haystack: tuple[str, ...], needle: tuple[str, ...]) -> bool:
    if not needle:
        return False
    width = len(needle)
    return any(haystack[i:i + width] == needle for i in range(len(haystack) - width + 1))


def holds_words(text: str, phrase: str) -> bool:
    """The phrase's words stand in the text, whole and in order (a plural for its singular)."""
    return _contains(_singular_words(text), _singular_words(phrase))


def holds_number(text: str, number: str) -> bool:
    """The number's digits (as a whole number) or its words stand in the text."""
    found = tokens(text)
    value = number.rstrip("0").rstrip(".") if "." in number else number
    if value in found:
        return True
    try:
        wanted = float(number)
    except ValueError:
        return False
    if any(NUMBER_WORDS.get(t) == wanted or ORDINALS.get(t) == wanted for t in found):
        return True
    scaled = [float(a) * NUMBER_WORDS[b] for a, b in zip(found, found[1:])  # "1.1 million", "£200 million"
              if b in ("thousand", "million", "mn", "bn") and re.fullmatch(r"\d+(\.\d+)?", a)]
    return any(abs(value - wanted) < 0.5 for value in scaled)


def holds_duration(text: str, duration: str) -> bool:
    """A duration of whole years, months or days ("P3Y") by its number and unit ("three-year", "3 years")."""
    match = re.fullmatch(r"P(\d+)([YMD])", duration)
    if not match:
        return False
    unit = {"Y": "year", "M": "month", "D": "day"}[match.group(2)]
    found = _singular_words(text)
    return any(holds_number(a, match.group(1)) and b == unit for a, b in zip(found, found[1:]))


def holds_date(text: str, date: str) -> bool:
    """The date's year, and its month and day at the precision it claims, stand in the text."""
    found = tokens(text)
    year, month, day = date[:4], date[5:7], date[8:10]
    if year not in found:
        return False
    if month and not (MONTHS[int(month) - 1] in found or date[:7] in text):
        return False
    if day and not (date in text or str(int(day)) in found or day in found):
        return False
    return True
