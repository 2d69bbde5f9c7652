"""Does a text look like it holds someone's personal data? BSN, date of birth, e-mail, phone.

A gentle check, not a filter: a card that looks like it does is shown to its author
with a warning first, and saved only when they confirm. Errs on the side of asking:
any full date with a plausible year of birth counts, since "12-03-1958" on a care
board is more often a client's birthday than a deadline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

BSN = "bsn"
DATE = "date"
EMAIL = "email"
PHONE = "phone"
KINDS = (BSN, DATE, EMAIL, PHONE)

MONTHS = {
    # Dutch and English names and their usual abbreviations.
    "januari": 1, "jan": 1, "january": 1,
    "februari": 2, "feb": 2, "february": 2,
    "maart": 3, "mrt": 3, "march": 3, "mar": 3,
    "april": 4, "apr": 4,
    "mei": 5, "may": 5,
    "juni": 6, "jun": 6, "june": 6,
    "juli": 7, "jul": 7, "july": 7,
    "augustus": 8, "aug": 8, "august": 8,
    "september": 9, "sep": 9, "sept": 9,
    "oktober": 10, "okt": 10, "october": 10, "oct": 10,
    "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}

_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
# Runs of digits with the separators people type in numbers: spaces, dots, dashes, brackets.
_NUMBER = re.compile(r"(?<![\w+])(?:\+|00)?\(?\d[\d\s.\-()]{6,60}\d(?![\w])")
_NUMERIC_DATE = re.compile(r"(?<!\d)(\d{1,4})([-/.])(\d{1,2})\2(\d{2,4})(?!\d)")
_NAMED_DATE = re.compile(r"(?<!\w)(\d{1,2})\.?\s+([A-Za-z]{3,9})\.?,?\s+(\d{4})(?!\d)", re.IGNORECASE)
_NAMED_DATE_EN = re.compile(r"(?<!\w)([A-Za-z]{3,9})\.?\s+(\d{1,2}),?\s+(\d{4})(?!\d)", re.IGNORECASE)


@dataclass(frozen=True)
class Finding:
    kind: str
    text: str


def is_valid_bsn(digits: str) -> bool:
    """The 11-test ("elfproef") of a burgerservicenummer: 9 digits (8 with a leading zero dropped)."""
    if not digits.isdigit() or len(digits) not in (8, 9):
        return False
    digits = digits.zfill(9)
    if digits == "000000000":
        return False
    total = sum(int(d) * w for d, w in zip(digits[:8], range(9, 1, -1))) - int(digits[8])
    return total % 11 == 0


def is_dutch_phone(digits: str) -> bool:
    """A Dutch phone number once separators are gone: 0 + 9 digits, or +31 / 0031 + 9 digits."""
    if digits.startswith("+31"):
        rest = digits[3:]
    elif digits.startswith("0031"):
        rest = digits[4:]
    elif digits.startswith("0") and not digits.startswith("00"):
        rest = digits[1:]
    else:
        return False
    if rest.startswith("0"):  # +31 (0)6 ...: the trunk zero written after the country code
        rest = rest[1:]
    return len(rest) == 9 and rest.isdigit() and rest[0] != "0"


def _plausible_birth(day: int, month: int, year: int, today: date) -> bool:
    if year < 100:  # two digits: the most recent such year that is not in the future
        year += 2000 if year <= today.year % 100 else 1900
    if not 1900 <= year <= today.year:
        return False
    try:
        return date(year, month, day) <= today
    except ValueError:
        return False


def _dates(text: str, today: date) -> list[str]:
    found = []
    for m in _NUMERIC_DATE.finditer(text):
        a, b, c = m.group(1), m.group(3), m.group(4)
        if len(a) == 4:  # 1985-03-12
            ok = len(c) <= 2 and _plausible_birth(int(c), int(b), int(a), today)
        else:  # 12-03-1985, 12/3/85 (day first, as in the Netherlands)
            ok = len(a) <= 2 and _plausible_birth(int(a), int(b), int(c), today)
        if ok:
            found.append(m.group(0))
    for m in _NAMED_DATE.finditer(text):
        month = MONTHS.get(m.group(2).lower())
        if month and _plausible_birth(int(m.group(1)), month, int(m.group(3)), today):
            found.append(m.group(0))
    for m in _NAMED_DATE_EN.finditer(text):
        month = MONTHS.get(m.group(1).lower())
        if month and _plausible_birth(int(m.group(2)), month, int(m.group(3)), today):
            found.append(m.group(0))
    return found


def _number(candidate: str) -> Finding | None:
    compact = re.sub(r"[\s.\-()]", "", candidate)
    if is_dutch_phone(compact):
        return Finding(PHONE, candidate)
    if len(compact) == 9 and is_valid_bsn(compact):
        return Finding(BSN, candidate)
    return None


def _numbers(raw: str) -> list[Finding]:
    """A run of digits may be one number written in groups ("06 123 456 78") or several
    numbers side by side: the longest groups of words that form a number win."""
    words = raw.split()
    found: list[Finding] = []
    start = 0
    while start < len(words):
        for end in range(len(words), start, -1):
            hit = _number(" ".join(words[start:end]))
            if hit:
                found.append(hit)
                start = end
                break
        else:
            start += 1
    return found


def find(text: str, today: date | None = None) -> list[Finding]:
    """Everything in `text` that looks like personal data, in order of kind."""
    today = today or date.today()
    findings: list[Finding] = []
    for m in _EMAIL.finditer(text):
        findings.append(Finding(EMAIL, m.group(0)))
    dates = _dates(text, today)
    findings.extend(Finding(DATE, d) for d in dates)
    # Numbers are looked for in what is left, so a date or an address never hides one.
    rest = text
    for found in [f.text for f in findings]:
        rest = rest.replace(found, " | ")
    for m in _NUMBER.finditer(rest):
        findings.extend(_numbers(m.group(0).strip()))
    order = {kind: i for i, kind in enumerate(KINDS)}
    return sorted(findings, key=lambda f: order[f.kind])


def kinds(text: str, today: date | None = None) -> list[str]:
    seen = []
    for f in find(text, today):
        if f.kind not in seen:
            seen.append(f.kind)
    return seen


def new_findings(text: str, before: str = "", today: date | None = None) -> list[Finding]:
    """What `text` holds that `before` did not: an edit is not asked about again for what was confirmed."""
    old = {(f.kind, f.text) for f in find(before, today)} if before else set()
    return [f for f in find(text, today) if (f.kind, f.text) not in old]
