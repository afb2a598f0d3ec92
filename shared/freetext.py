"""Free text (`note`, `reason`): bounded, and refused when it looks like personal data.

Requests name a Device by its GUID only (SECAS guidance): an MPAN (13 or 21 digits), an MPRN
(6 to 10 digits) or a UK postcode in a note would put personal data where it must not be.
"""

import re
from typing import Annotated

from pydantic import AfterValidator, StringConstraints
from pydantic_core import PydanticCustomError

MAX_FREE_TEXT = 500
# A run of digits, possibly written in space-separated groups ("1200 0234 5678 9").
_DIGIT_RUN = re.compile(r"\d+(?: \d+)*")
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b", re.IGNORECASE)
# Control characters other than tab and line breaks (PostgreSQL cannot store NUL at all).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def check_free_text(value: str) -> str:
    if _CONTROL.search(value):
        raise PydanticCustomError("control_character", "must not contain control characters")
    for run in _DIGIT_RUN.findall(value):
        groups = [len(group) for group in run.split(" ")]
        # Any consecutive groups, not just the whole run: "1 1200023456789" hides an MPAN too.
        for start in range(len(groups)):
            digits = 0
            for size in groups[start:]:
                digits += size
                if digits in (13, 21) or 6 <= digits <= 10:
                    raise PydanticCustomError(
                        "personal_data",
                        "must not contain what looks like an MPAN or MPRN: "
                        "name the Device by its ID only",
                    )
    if _POSTCODE.search(value):
        raise PydanticCustomError(
            "personal_data", "must not contain what looks like a postcode: no personal data"
        )
    return value


FreeText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_FREE_TEXT),
    AfterValidator(check_free_text),
]
