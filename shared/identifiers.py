"""Identifier types that cross service boundaries: Device ID, install code, party id.

Each is a pydantic-compatible annotated type, so a schema field declared with it validates and
normalises on the way in. Error messages never contain the offending value: an install code is
key material, and the problem handlers drop pydantic's `input` as well.
"""

import re
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import AfterValidator, GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

_HEX = re.compile(r"[0-9A-Fa-f]+")
# 16 hex digits, bare or as eight pairs joined by one separator used throughout.
_EUI64 = re.compile(r"[0-9A-Fa-f]{16}|[0-9A-Fa-f]{2}([-:])[0-9A-Fa-f]{2}(?:\1[0-9A-Fa-f]{2}){6}")
_PARTY_ID = re.compile(r"[A-Z0-9]{4}")
_SERVICE = re.compile(r"svc:[a-z][a-z0-9-]{0,31}")


@dataclass(frozen=True)
class Published:
    """The pattern a validator enforces, published in the JSON schema (for clients and fuzzers)
    while the validator keeps its own messages."""

    pattern: str

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {**handler(schema), "pattern": self.pattern}


def normalise_device_id(value: str) -> str:
    """EUI-64 in any common spelling -> `00-DB-12-34-56-78-90-A0`."""
    if not _EUI64.fullmatch(value):
        raise PydanticCustomError(
            "device_id", "must be an EUI-64: 16 hex digits, optionally separated by - or :"
        )
    digits = value.replace("-", "").replace(":", "").upper()
    return "-".join(digits[i : i + 2] for i in range(0, 16, 2))


DeviceId = Annotated[
    str,
    AfterValidator(normalise_device_id),
    Published(
        "^([0-9A-Fa-f]{16}|[0-9A-Fa-f]{2}(-[0-9A-Fa-f]{2}){7}|[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){7})$"
    ),
]


def crc16_x25(data: bytes) -> int:
    """CRC-16/X-25 as ZigBee appends to install codes (reflected 0x1021, init/xorout 0xFFFF)."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
    return crc ^ 0xFFFF


def install_code_with_crc(code: bytes) -> str:
    """The 36-digit form: the code followed by its CRC, low byte first."""
    crc = crc16_x25(code)
    return (code + bytes([crc & 0xFF, crc >> 8])).hex().upper()


class InstallCode:
    """A Device's 16-byte install code. Its repr and str never show the digits."""

    __slots__ = ("_value",)

    def __init__(self, value: bytes) -> None:
        if len(value) != 16:
            raise ValueError("an install code is 16 bytes")
        self._value = value

    @classmethod
    def parse(cls, text: str) -> "InstallCode":
        """32 hex digits, or 36 with the ZigBee CRC appended (checked, then dropped)."""
        digits = text.strip()
        if not _HEX.fullmatch(digits):
            raise PydanticCustomError("install_code", "must be hexadecimal digits")
        if len(digits) == 32:
            return cls(bytes.fromhex(digits))
        if len(digits) == 36:
            raw = bytes.fromhex(digits)
            code, crc = raw[:16], raw[16] | raw[17] << 8
            if crc16_x25(code) != crc:
                raise PydanticCustomError("install_code", "the CRC-16/X-25 suffix does not match")
            return cls(code)
        raise PydanticCustomError(
            "install_code", "must be 32 hex digits, or 36 with the CRC-16/X-25 appended"
        )

    @property
    def bytes(self) -> bytes:
        return self._value

    def reveal(self) -> str:
        """The 32 upper-case hex digits; call only where the code is meant to be shown."""
        return self._value.hex().upper()

    def __repr__(self) -> str:
        return "InstallCode('********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, InstallCode) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        def validate(value: Any) -> "InstallCode":
            if isinstance(value, InstallCode):
                return value
            if not isinstance(value, str):
                raise PydanticCustomError("install_code", "must be a string of hex digits")
            return cls.parse(value)

        return core_schema.no_info_plain_validator_function(
            validate,
            serialization=core_schema.plain_serializer_function_ser_schema(lambda v: v.reveal()),
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {
            "type": "string",
            "pattern": "^([0-9A-Fa-f]{32}|[0-9A-Fa-f]{36})$",
            "description": "16 bytes as 32 hex digits, or 36 with the ZigBee CRC-16/X-25 appended",
            "writeOnly": True,
            "examples": ["83FED3407A939723A5C639B26916D505C3B5"],
        }


def check_party_id(value: str) -> str:
    if not _PARTY_ID.fullmatch(value):
        raise PydanticCustomError("party_id", "must be 4 upper-case letters or digits")
    return value


PartyId = Annotated[str, AfterValidator(check_party_id), Published("^[A-Z0-9]{4}$")]


def is_service_principal(subject: str) -> bool:
    return bool(_SERVICE.fullmatch(subject))


def is_party_id(subject: str) -> bool:
    return bool(_PARTY_ID.fullmatch(subject))
