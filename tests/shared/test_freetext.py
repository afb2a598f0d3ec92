"""Free text (`note`, `reason`): at most 500 characters, no MPAN, MPRN or postcode (DESIGN §4)."""

import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError

from shared.freetext import MAX_FREE_TEXT, FreeText, check_free_text

FREE_TEXT: TypeAdapter[str] = TypeAdapter(FreeText)


class NoteBody(BaseModel):
    note: FreeText | None = None


def refused(text: str) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        FREE_TEXT.validate_python(text)
    return caught.value


@pytest.mark.parametrize(
    "text",
    [
        "commissioned",
        "The code did not work",
        "Installer confirmed the HAN was never formed.",
        "Tried 3 times; the CHF refused the code each time.",
        "Tried on 2026-11-22 at 10:30, then again on 2026-11-23.",
        "Visit booked for 22/11/2026.",
        "Batch of 250 devices, 12 left to do.",
        "Ticket 4521 at our service desk.",
        "Meter serial ends 12345.",  # five digits: fewer than an MPRN
        "Device 00-DB-12-34-56-78-90-A0 is the GSME, not the ESME.",
        "2 ESME, 1 GSME and 1 PPMID on site",
        "Firmware 4.2.1 on the comms hub",
        "request not bona fide",
        "x",
    ],
)
def test_ordinary_notes_are_accepted(text: str) -> None:
    assert check_free_text(text) == text
    assert FREE_TEXT.validate_python(text) == text


@pytest.mark.parametrize(
    "text",
    [
        "1200023456789",  # MPAN core, 13 digits
        "MPAN 1200023456789 for this one",
        "mpan:1200023456789.",
        "12 0002 3456 789",  # the same, in space-separated groups
        "core 1200 0234 5678 9",
        "008011001200023456789",  # full MPAN, 21 digits
        "00 801 100 1200023456789",  # top line and core, in groups
        "S 00 801 100 12 0002 3456 789",
    ],
)
def test_mpan_like_numbers_are_refused(text: str) -> None:
    error = refused(text)
    assert error.errors()[0]["type"] == "personal_data"
    assert "MPAN" in error.errors()[0]["msg"]


@pytest.mark.parametrize(
    "text",
    [
        "123456",  # MPRN, 6 digits
        "MPRN 1234567",
        "gas point 12345678 here",
        "123456789",
        "1234567890",  # 10 digits
        "12 345 678",  # in groups
        "1234 5678 90",
    ],
)
def test_mprn_like_numbers_are_refused(text: str) -> None:
    error = refused(text)
    assert error.errors()[0]["type"] == "personal_data"


@pytest.mark.parametrize(
    "text",
    [
        "meter 1 1200023456789",  # an MPAN after an unrelated number
        "1200023456789 2",  # and before one
        "1200023456789 1200023456790",  # a list of MPANs
        "1234567 2345678",  # a list of MPRNs
        "3 12 0002 3456 789",  # a count, then an MPAN in groups
    ],
)
def test_identifiers_next_to_other_numbers_are_refused(text: str) -> None:
    # Grouping neighbouring numbers into one run must not hide an MPAN or MPRN inside it.
    error = refused(text)
    assert error.errors()[0]["type"] == "personal_data"


@pytest.mark.parametrize(
    "text",
    [
        "SW1A 1AA",
        "Sent to SW1A 1AA yesterday",
        "sw1a 1aa",
        "SW1A1AA",
        "M1 1AE",
        "B33 8TH",
        "CR2 6XH",
        "DN55 1PT",
        "EC1A 1BB",
        "W1A 0AX",
        "near (LS1 4DT).",
    ],
)
def test_postcodes_are_refused(text: str) -> None:
    error = refused(text)
    assert error.errors()[0]["type"] == "personal_data"
    assert "postcode" in error.errors()[0]["msg"]


@pytest.mark.parametrize(
    "text",
    ["1200023456789", "12 0002 3456 789", "SW1A 1AA", "MPRN 1234567"],
)
def test_the_error_never_echoes_the_personal_data(text: str) -> None:
    with pytest.raises(ValidationError) as caught:
        NoteBody(note=text)
    (error,) = caught.value.errors()
    assert error["loc"] == ("note",)
    rest = {key: value for key, value in error.items() if key != "input"}
    assert text not in str(rest)
    assert "1234567" not in error["msg"]
    assert "SW1A" not in error["msg"]


# Notes as operators write them: references, ids, dates and times next to ordinary counts.
OPERATIONAL_NOTES = [
    "see INC-000123 of 2026-11-22",
    "see inc-000123 and INC-000124, both raised 2026-11-22",
    "Same as INC 000123",
    "Incident 3f2b8c1e-0a4d-4e5f-9a6b-1c2d3e4f5a6b was raised twice",
    "Device 00-DB-12-34-56-78-90-A0 refitted 10:30",
    "Device 00:db:12:34:56:78:90:a0 refitted 10:30:00",
    "Device 00db1234567890a0 swapped for 00DB1234567890A1",
    "called ops at 09:15, ticket 4471",
    "ticket 4471 10:30",
    "retry after 3 days",
    "Raised 2026-11-22T10:30:00Z, acknowledged 2026-11-22 14:05:00+00:00",
    "Visits 22/11/2026, 23.11.2026, 24-11-2026, 2026/11/25 and 26/11/26",
    "Due 11/2026; group batch-2026-11, 12 left",
    "Slot 10.30-11.45, engineer 2 of 3",
    "Ticket 4521. 12 left",  # a sentence's full stop does not join two numbers
    "Ticket 4521\n123 left",  # nor does a line break
    "Visit on 22 Nov 2026",
    "2nd visit",
    "Firmware 4.2.1 on the comms hub",
    "meet @ 10:30 on site",
    "ops@ the depot",
    "cost 250.50",
    "Wave 2 - 3 engineers",
]


@pytest.mark.parametrize("text", OPERATIONAL_NOTES)
def test_operational_notes_are_accepted(text: str) -> None:
    assert FREE_TEXT.validate_python(text) == text


MPAN = "must not contain what looks like an MPAN or MPRN"
POSTCODE = "must not contain what looks like a postcode"
EMAIL = "must not contain what looks like an email address"
# Each with the refusal it must get; the refusal quotes none of it.
REFUSED_NOTES = [
    ("1234-5678", MPAN),  # MPRN, in hyphenated groups
    ("gas point 1234.5678", MPAN),
    ("1234_5678", MPAN),
    ("1234/5678", MPAN),
    ("1234 - 5678", MPAN),
    ("1234 \u2013 5678", MPAN),  # an en dash
    ("12-3456-7890-123", MPAN),  # MPAN core
    ("12.0002.3456.789", MPAN),
    ("00-801-100-12-3456-7890-123", MPAN),  # full MPAN, 21 digits
    ("S 00/801/100/1200023456789", MPAN),
    ("1200\u00a00234\u00a05678\u00a09", MPAN),  # no-break spaces
    ("1200\u202f0234\u202f5678\u202f9", MPAN),  # narrow no-break spaces
    ("1200\u2007023456789", MPAN),  # a figure space
    ("1234\u30005678", MPAN),  # an ideographic space
    ("1200\t023456789", MPAN),
    ("12\u200b00023456789", MPAN),  # a zero-width space
    ("1234\u00ad5678", MPAN),  # a soft hyphen
    ("\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19\uff10\uff11\uff12\uff13", MPAN),
    ("\u0661\u0662\u0663\u0664\u0665\u0666\u0667", MPAN),  # Arabic-Indic digits
    ("2026-11-22 1200023456789", MPAN),  # a date does not cover the number after it
    ("10:30 1234567", MPAN),
    ("INC-000123 1234-5678", MPAN),
    ("Unit 00-DB-12-34-56-78-90-A0 at 12-345-678", MPAN),
    ("INC-1200023456789", MPAN),  # too long for a reference
    ("phone 07700 900123", MPAN),
    ("sw1a-1aa", POSTCODE),
    ("SW1A  1AA", POSTCODE),
    ("SW1A\u00a01AA", POSTCODE),
    ("sw1a_1aa", POSTCODE),
    ("SW1A - 1AA", POSTCODE),
    ("SW1A.1AA", POSTCODE),
    ("\uff33\uff37\uff11\uff21 \uff11\uff21\uff21", POSTCODE),  # fullwidth
    ("jo.bloggs@example.com", EMAIL),
    ("Write to Jo.Bloggs+ssi@Example.CO.UK.", EMAIL),
    ("jo\uff20example.com", EMAIL),  # a fullwidth at sign
]


@pytest.mark.parametrize(("text", "refusal"), REFUSED_NOTES)
def test_personal_data_in_any_spelling_is_refused(text: str, refusal: str) -> None:
    error = refused(text)
    assert error.errors()[0]["type"] == "personal_data"
    assert error.errors()[0]["msg"].startswith(refusal)


@pytest.mark.parametrize(("text", "refusal"), REFUSED_NOTES)
def test_no_refusal_repeats_the_text(text: str, refusal: str) -> None:
    with pytest.raises(ValidationError) as caught:
        NoteBody(note=text)
    (error,) = caught.value.errors()
    assert error["loc"] == ("note",)
    shown = str({key: value for key, value in error.items() if key != "input"}).casefold()
    assert not any(char.isdigit() for char in error["msg"])
    pieces = {text[i : i + 5].casefold() for i in range(len(text) - 4)}
    assert not [piece for piece in pieces if piece in shown]


def test_exactly_500_characters_accepted_501_refused() -> None:
    assert MAX_FREE_TEXT == 500
    text = ("The HAN was never formed. " * 20)[:500]
    assert len(text) == 500
    assert text[-1] != " "
    assert FREE_TEXT.validate_python(text) == text
    longer = text + "x"
    error = refused(longer)
    assert error.errors()[0]["type"] == "string_too_long"


def test_length_is_counted_after_surrounding_whitespace_is_stripped() -> None:
    text = "a" * 500
    assert FREE_TEXT.validate_python(f"  {text}\n") == text
    assert FREE_TEXT.validate_python("  commissioned  ") == "commissioned"


@pytest.mark.parametrize("text", ["", " ", "\n\t "])
def test_empty_text_is_refused(text: str) -> None:
    error = refused(text)
    assert error.errors()[0]["type"] == "string_too_short"


def test_optional_note_may_be_omitted_but_not_blank() -> None:
    assert NoteBody().note is None
    assert NoteBody(note=None).note is None
    with pytest.raises(ValidationError):
        NoteBody(note="   ")


def test_free_text_must_be_a_string() -> None:
    with pytest.raises(ValidationError):
        NoteBody.model_validate({"note": 1234})


@pytest.mark.parametrize(
    "text", ["a\x00b", "bell\x07", "esc \x1b[31m red", "del\x7f", "v\x0bt", "f\x0cf"]
)
def test_control_characters_are_refused(text: str) -> None:
    error = refused(text)
    assert error.errors()[0]["type"] == "control_character"


def test_tabs_and_line_breaks_are_accepted() -> None:
    text = "first line\nsecond\tcolumn\r\nthird line"
    assert FREE_TEXT.validate_python(text) == text
