"""Device ID, install code and party id (DESIGN §4)."""

import pytest
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from shared.identifiers import (
    DeviceId,
    InstallCode,
    PartyId,
    check_party_id,
    crc16_x25,
    install_code_with_crc,
    is_party_id,
    is_service_principal,
    normalise_device_id,
)

DEVICE_IDS: TypeAdapter[str] = TypeAdapter(DeviceId)
PARTY_IDS: TypeAdapter[str] = TypeAdapter(PartyId)

# The three vectors DESIGN §4 fixes: code -> suffix appended (CRC low byte first).
DESIGN_VECTORS = [
    ("83FED3407A939723A5C639B26916D505", "C3B5"),
    ("00112233445566778899AABBCCDDEEFF", "528F"),
    ("30313233343536373839414243444546", "F596"),
]
CODE = DESIGN_VECTORS[0][0]
CODE_WITH_CRC = CODE + DESIGN_VECTORS[0][1]


class DeviceBody(BaseModel):
    device_id: DeviceId


class CodeBody(BaseModel):
    install_code: InstallCode


class HiddenCodeBody(BaseModel):
    """As a service schema should declare it: pydantic's str(exc) then omits the input."""

    model_config = ConfigDict(hide_input_in_errors=True)

    install_code: InstallCode


# --- Device ID ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spelling",
    [
        "00-DB-12-34-56-78-90-A0",
        "00-db-12-34-56-78-90-a0",
        "00-Db-12-34-56-78-90-a0",
        "00db1234567890a0",
        "00DB1234567890A0",
        "00dB1234567890A0",
        "00:DB:12:34:56:78:90:A0",
        "00:db:12:34:56:78:90:a0",
    ],
)
def test_device_id_spellings_normalise_to_one_canonical_form(spelling: str) -> None:
    assert normalise_device_id(spelling) == "00-DB-12-34-56-78-90-A0"
    assert DEVICE_IDS.validate_python(spelling) == "00-DB-12-34-56-78-90-A0"


def test_device_id_canonical_form_is_idempotent() -> None:
    canonical = normalise_device_id("abcdef0123456789")
    assert canonical == "AB-CD-EF-01-23-45-67-89"
    assert normalise_device_id(canonical) == canonical


@pytest.mark.parametrize(
    "bad",
    [
        "",
        " ",
        "00db1234567890a",  # 15 digits
        "00db1234567890a0f",  # 17 digits
        "00db1234567890a000db1234567890a0",  # 32 digits
        "00-DB-12-34-56-78-90",  # seven pairs
        "00-DB-12-34-56-78-90-A0-FF",  # nine pairs
        "00-DB-12-34-56-78-90-A",  # last group short
        "00-DB:12-34-56-78-90-A0",  # mixed separators
        "00:DB-12:34-56:78-90:A0",  # mixed separators
        "00DB-1234-5678-90A0",  # separators in the wrong places
        "0-0DB-12-34-56-78-90-A0",  # separators in the wrong places
        "-00DB1234567890A0",  # leading separator
        "00DB1234567890A0-",  # trailing separator
        "00--DB-12-34-56-78-90-A0",  # doubled separator
        "00.DB.12.34.56.78.90.A0",  # another separator
        "00_DB_12_34_56_78_90_A0",
        "00 DB 12 34 56 78 90 A0",  # spaces as separators
        " 00DB1234567890A0",  # leading whitespace
        "00DB1234567890A0 ",  # trailing whitespace
        "00DB1234567890A0\n",  # trailing newline
        "\t00-DB-12-34-56-78-90-A0",
        "00DB1234567890AG",  # not hex
        "0xDB1234567890A0",  # prefix
        "ZZ-DB-12-34-56-78-90-A0",
        "００DB1234567890A0",  # full-width digits  # noqa: RUF001
    ],
)
def test_device_id_refuses_anything_else(bad: str) -> None:
    with pytest.raises(ValueError, match="EUI-64"):
        normalise_device_id(bad)
    with pytest.raises(ValidationError):
        DEVICE_IDS.validate_python(bad)


def test_device_id_error_names_the_field() -> None:
    with pytest.raises(ValidationError) as caught:
        DeviceBody(device_id="00-DB:12-34-56-78-90-A0")
    (error,) = caught.value.errors()
    assert error["loc"] == ("device_id",)
    assert error["type"] == "device_id"


def test_device_id_must_be_a_string() -> None:
    with pytest.raises(ValidationError):
        DeviceBody.model_validate({"device_id": 0x00DB1234567890A0})


# --- CRC-16/X-25 -------------------------------------------------------------------------------


def test_crc16_x25_standard_check_value() -> None:
    # The catalogue check value of CRC-16/X-25 (a.k.a. CRC-16/IBM-SDLC) over "123456789".
    assert crc16_x25(b"123456789") == 0x906E


def test_crc16_x25_of_nothing() -> None:
    # init 0xFFFF, no data, xorout 0xFFFF -> 0.
    assert crc16_x25(b"") == 0x0000


def test_crc16_x25_design_vector_value() -> None:
    assert crc16_x25(bytes.fromhex(CODE)) == 0xB5C3


@pytest.mark.parametrize(("code", "suffix"), DESIGN_VECTORS)
def test_install_code_with_crc_appends_low_byte_first(code: str, suffix: str) -> None:
    assert install_code_with_crc(bytes.fromhex(code)) == code + suffix
    crc = crc16_x25(bytes.fromhex(code))
    assert suffix == f"{crc & 0xFF:02X}{crc >> 8:02X}"


# --- Install code ------------------------------------------------------------------------------


@pytest.mark.parametrize(("code", "suffix"), DESIGN_VECTORS)
def test_install_code_accepts_the_design_vectors_with_their_crc(code: str, suffix: str) -> None:
    parsed = InstallCode.parse(code + suffix)
    assert parsed.reveal() == code
    assert parsed.bytes == bytes.fromhex(code)
    assert parsed == InstallCode.parse(code)


@pytest.mark.parametrize(("code", "suffix"), DESIGN_VECTORS)
def test_install_code_accepts_lower_case(code: str, suffix: str) -> None:
    assert InstallCode.parse((code + suffix).lower()).reveal() == code
    assert InstallCode.parse(code.lower()).reveal() == code


@pytest.mark.parametrize(("code", "suffix"), DESIGN_VECTORS)
def test_install_code_refuses_crc_high_byte_first(code: str, suffix: str) -> None:
    swapped = suffix[2:] + suffix[:2]
    with pytest.raises(ValueError, match="CRC"):
        InstallCode.parse(code + swapped)


@pytest.mark.parametrize(
    "text",
    [
        CODE + "C3B4",  # CRC off by one
        CODE + "0000",
        CODE + "FFFF",
        "93FED3407A939723A5C639B26916D505C3B5",  # one code digit changed, CRC kept
        "00112233445566778899AABBCCDDEEFFC3B5",  # another code's CRC
    ],
)
def test_install_code_refuses_a_wrong_crc(text: str) -> None:
    with pytest.raises(ValueError, match="CRC"):
        InstallCode.parse(text)


@pytest.mark.parametrize("length", [0, 2, 16, 30, 31, 33, 34, 35, 37, 38, 40, 64])
def test_install_code_refuses_a_wrong_length(length: int) -> None:
    text = (CODE_WITH_CRC * 2)[:length]
    with pytest.raises(ValueError, match="hex"):
        InstallCode.parse(text)


@pytest.mark.parametrize(
    "text",
    [
        "83FED3407A939723A5C639B26916D50G",  # 32 characters, one not hex
        "83FED3407A939723A5C639B26916D505C3BZ",  # 36 characters, one not hex
        "0x83FED3407A939723A5C639B26916D505",
        "83FE-D340-7A93-9723-A5C6-39B2-6916-D505",
        "83 FE D3 40 7A 93 97 23 A5 C6 39 B2 69 16 D5 05",
        "83FED3407A939723A5C639B26916D5０５",  # full-width digits  # noqa: RUF001
        "",
    ],
)
def test_install_code_refuses_non_hex(text: str) -> None:
    with pytest.raises(ValueError, match="hex"):
        InstallCode.parse(text)


@pytest.mark.parametrize("size", [0, 15, 17, 18])
def test_install_code_is_sixteen_bytes(size: int) -> None:
    with pytest.raises(ValueError, match="16 bytes"):
        InstallCode(bytes(size))


def test_install_code_equality_and_hash() -> None:
    a = InstallCode(bytes.fromhex(CODE))
    assert a == InstallCode.parse(CODE_WITH_CRC)
    assert hash(a) == hash(InstallCode.parse(CODE))
    assert a != InstallCode.parse(DESIGN_VECTORS[1][0])
    assert a != CODE
    assert len({a, InstallCode.parse(CODE), InstallCode.parse(DESIGN_VECTORS[1][0])}) == 2


def _fragments(code: str) -> list[str]:
    """Spellings of the code's digits that must never appear in output."""
    return [code, code.lower(), code[:8], code[-8:], code[:8].lower()]


@pytest.mark.parametrize(("code", "suffix"), DESIGN_VECTORS)
def test_install_code_repr_and_str_never_show_the_digits(code: str, suffix: str) -> None:
    parsed = InstallCode.parse(code + suffix)
    shown = [repr(parsed), str(parsed), f"{parsed}", f"{parsed!r}", repr([parsed])]
    for text in shown:
        assert "*" in text
        for fragment in [*_fragments(code), suffix]:
            assert fragment not in text
    body = CodeBody(install_code=parsed)
    for text in (repr(body), str(body)):
        for fragment in _fragments(code):
            assert fragment not in text


def test_install_code_has_no_instance_dict() -> None:
    # __slots__: nothing like vars() or __dict__ exposes the value by another route.
    with pytest.raises(TypeError):
        vars(InstallCode.parse(CODE))


def test_install_code_in_a_model_validates_and_serialises_to_32_digits() -> None:
    body = CodeBody.model_validate({"install_code": CODE_WITH_CRC.lower()})
    assert isinstance(body.install_code, InstallCode)
    assert body.install_code.reveal() == CODE
    assert body.model_dump() == {"install_code": CODE}
    assert body.model_dump_json() == f'{{"install_code":"{CODE}"}}'
    from_json = CodeBody.model_validate_json(f'{{"install_code":"{CODE_WITH_CRC}"}}')
    assert from_json.install_code == body.install_code


def test_install_code_instance_passes_through_validation() -> None:
    code = InstallCode.parse(CODE)
    assert CodeBody(install_code=code).install_code is code


@pytest.mark.parametrize("value", [12345, None, b"83FED3407A939723A5C639B26916D505", 1.5])
def test_install_code_in_a_model_must_be_a_string(value: object) -> None:
    with pytest.raises(ValidationError) as caught:
        CodeBody.model_validate({"install_code": value})
    (error,) = caught.value.errors()
    assert error["loc"] == ("install_code",)
    assert error["type"] == "install_code"


BAD_CODES = [
    CODE + "C3B4",  # wrong CRC
    CODE + "B5C3",  # CRC high byte first
    CODE[:-1],  # 31 digits
    CODE + "C3",  # 34 digits
    CODE + "C3B5" + "00",  # 38 digits
    CODE[:-1] + "G",  # not hex
    CODE + "C3BG",  # not hex, 36 characters
]


@pytest.mark.parametrize("text", BAD_CODES)
def test_install_code_validation_errors_never_contain_the_code(text: str) -> None:
    code_part = text[:32]
    for model in (CodeBody, HiddenCodeBody):
        with pytest.raises(ValidationError) as caught:
            model.model_validate({"install_code": text})
        errors = caught.value.errors()
        assert len(errors) == 1
        assert errors[0]["loc"] == ("install_code",)
        assert errors[0]["type"] == "install_code"
        # pydantic keeps the raw value in errors()["input"]; the services' problem handler drops
        # it. Everything else, the message and its context included, must not carry the digits.
        rest = {key: value for key, value in errors[0].items() if key != "input"}
        for fragment in [text, text.lower(), *_fragments(code_part)]:
            assert fragment not in str(rest)
            assert fragment not in errors[0]["msg"]
    # With the input hidden, the whole rendered exception is clean too.
    with pytest.raises(ValidationError) as hidden:
        HiddenCodeBody.model_validate({"install_code": text})
    for fragment in [text, *_fragments(code_part)]:
        assert fragment not in str(hidden.value)
        assert fragment not in repr(hidden.value)
        assert fragment not in hidden.value.json(include_input=False)


@pytest.mark.parametrize("text", BAD_CODES)
def test_install_code_parse_error_message_never_contains_the_code(text: str) -> None:
    with pytest.raises(ValueError, match=r"^(?!.*[0-9A-Fa-f]{8})") as caught:
        InstallCode.parse(text)
    assert text[:8] not in str(caught.value)


def test_install_code_json_schema_is_write_only_and_hex() -> None:
    schema = CodeBody.model_json_schema()["properties"]["install_code"]
    assert schema["type"] == "string"
    assert schema["writeOnly"] is True
    assert schema["pattern"] == "^([0-9A-Fa-f]{32}|[0-9A-Fa-f]{36})$"


# --- Party id ----------------------------------------------------------------------------------


@pytest.mark.parametrize("party_id", ["ABCD", "AB12", "1234", "DCCO", "Z9Z9"])
def test_party_id_accepts_four_upper_case_letters_or_digits(party_id: str) -> None:
    assert check_party_id(party_id) == party_id
    assert PARTY_IDS.validate_python(party_id) == party_id
    assert is_party_id(party_id)
    assert not is_service_principal(party_id)


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "abcd",
        "AbCD",
        "ABC",
        "ABCDE",
        "AB-C",
        "AB C",
        " ABCD",
        "ABCD ",
        "ABCD\n",
        "ÄBCD",
        "svc:x",
    ],
)
def test_party_id_refuses_anything_else(bad: str) -> None:
    with pytest.raises(ValueError, match="4 upper-case"):
        check_party_id(bad)
    with pytest.raises(ValidationError):
        PARTY_IDS.validate_python(bad)
    assert not is_party_id(bad)


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("svc:notifier", True),
        ("svc:sla-monitor2", True),
        ("svc:a", True),
        ("svc:" + "a" * 32, True),
        ("svc:" + "a" * 33, False),
        ("svc:", False),
        ("svc:Notifier", False),
        ("svc:1notifier", False),
        ("svc:-notifier", False),
        ("svc:notifier ", False),
        ("svc:noti fier", False),
        ("SVC:notifier", False),
        ("notifier", False),
        ("ABCD", False),
    ],
)
def test_service_principal(subject: str, expected: bool) -> None:
    assert is_service_principal(subject) is expected
