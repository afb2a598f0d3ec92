"""The inbox's problems."""

from services.common.errors import NotFound, Unprocessable


class NoInbox(NotFound):
    slug, title = "no-inbox", "Your party has no inbox"


class InvalidCursor(Unprocessable):
    slug, title = "invalid-cursor", "The cursor is not one of your inbox's"
