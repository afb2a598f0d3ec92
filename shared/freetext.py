"""Free text (`note`, `reason`): bounded, and refused when it looks like personal data.

Requests name a Device by its GUID only (SECAS guidance): an MPAN (13 or 21 digits), an MPRN
(6 to 10 digits), a UK postcode or an email address in a note would put personal data where it
must not be.

The text is read as a person sees it: NFKC first (a fullwidth digit is a digit, a no-break space
a space), invisible format characters dropped. What a note legitimately holds in digit groups (an
incident reference or id, a Device ID, a date, a time) is set aside; then digit groups joined by
spaces, hyphens, dots, underscores or slashes are read as one number. It runs on every note, so
every pattern stays linear: nothing of variable length is repeated.
"""

import re
import unicodedata
from collections.abc import Iterator
from typing import Annotated

from pydantic import AfterValidator, StringConstraints
from pydantic_core import PydanticCustomError

MAX_FREE_TEXT = 500
# Control characters other than tab and line breaks (PostgreSQL cannot store NUL at all).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# Any space but a line break: numbers on separate lines are separate numbers.
_SPACE = r"[^\S\n\r\x85\u2028\u2029]"
# What joins the groups of one number, or a postcode's halves: spaces; a hyphen, dash, underscore
# or slash, spaced or not; a dot, unspaced only ("ticket 4521. 12 left" is two numbers).
_JOIN = rf"{_SPACE}+|{_SPACE}*[-_/\u2010-\u2015\u2212]{_SPACE}*|\."
_JOINED = re.compile(_JOIN)
_DIGITS = re.compile(r"\d+")
_POSTCODE = re.compile(rf"\b[A-Z]{{1,2}}\d[A-Z\d]?(?:{_JOIN})?\d[A-Z]{{2}}\b", re.IGNORECASE)
_EMAIL = re.compile(r"\w@[\w-]+\.\w")

_HEX = "[0-9A-F]"
_YEAR = r"(?:19|20)\d\d"
_MONTH = r"(?:0?[1-9]|1[0-2])"
_DAY = r"(?:0?[1-9]|[12]\d|3[01])"
# What a note may hold in digit groups, set aside before groups are joined. Each is matched
# whole (no digit, or hex digit for ids, touching it): no part of a longer number passes.
_LEGITIMATE = re.compile(
    "|".join(
        [
            r"(?<!\w)INC[- ]?\d{6,12}(?!\d)",  # incident reference
            rf"(?<!{_HEX}){_HEX}{{8}}(?:-{_HEX}{{4}}){{3}}-{_HEX}{{12}}(?!{_HEX})",  # incident id
            # Device ID, as the Device ID parser accepts it: bare, or pairs joined by - or :
            rf"(?<!{_HEX})(?:{_HEX}{{16}}|{_HEX}{{2}}(?P<pair>[-:]){_HEX}{{2}}"
            rf"(?:(?P=pair){_HEX}{{2}}){{6}})(?!{_HEX})",
            rf"(?<!\d){_YEAR}(?P<ymd>[-/.]){_MONTH}(?P=ymd){_DAY}(?!\d)",  # 2026-11-22
            rf"(?<!\d){_DAY}(?P<dmy>[-/.]){_MONTH}(?P=dmy)(?:{_YEAR}|\d\d)(?!\d)",  # 22/11/2026
            rf"(?<!\d)(?:{_YEAR}-{_MONTH}|{_MONTH}/{_YEAR})(?!\d)",  # 2026-11, 11/2026
            r"(?<!\d)(?:[01]?\d|2[0-3])(?::[0-5]\d(?::[0-5]\d)?|\.[0-5]\d)(?!\d)",  # 10:30, 10.30
        ]
    ),
    re.IGNORECASE,
)
_SET_ASIDE = "#"  # neither a digit nor a join: it ends a number


def _as_read(value: str) -> str:
    text = unicodedata.normalize("NFKC", value)
    # Zero-width spaces, joiners, soft hyphens: unseen, they would split a number.
    return "".join(char for char in text if unicodedata.category(char) != "Cf")


def _numbers(text: str) -> Iterator[list[int]]:
    """Each number in the text, as the lengths of its digit groups."""
    groups: list[int] = []
    end = 0
    for digits in _DIGITS.finditer(text):
        if groups and not _JOINED.fullmatch(text, end, digits.start()):
            yield groups
            groups = []
        groups.append(digits.end() - digits.start())
        end = digits.end()
    if groups:
        yield groups


def _holds_a_meter_number(groups: list[int]) -> bool:
    # Any consecutive groups, not just the whole number: "1 1200023456789" hides an MPAN too.
    for start in range(len(groups)):
        digits = 0
        for size in groups[start : start + 21]:  # 21 digits at most need looking at
            digits += size
            if digits in (13, 21) or 6 <= digits <= 10:
                return True
    return False


def check_free_text(value: str) -> str:
    if _CONTROL.search(value):
        raise PydanticCustomError("control_character", "must not contain control characters")
    text = _as_read(value)
    if _EMAIL.search(text):
        raise PydanticCustomError(
            "personal_data", "must not contain what looks like an email address: no personal data"
        )
    text = _LEGITIMATE.sub(_SET_ASIDE, text)
    if any(_holds_a_meter_number(groups) for groups in _numbers(text)):
        raise PydanticCustomError(
            "personal_data",
            "must not contain what looks like an MPAN or MPRN: name the Device by its ID only",
        )
    if _POSTCODE.search(text):
        raise PydanticCustomError(
            "personal_data", "must not contain what looks like a postcode: no personal data"
        )
    return value


FreeText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_FREE_TEXT),
    AfterValidator(check_free_text),
]
