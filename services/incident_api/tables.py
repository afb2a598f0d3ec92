"""The incident API's declarative base: its tables live in their own metadata."""

from sqlmodel import SQLModel

from services.common.db import new_registry


class Table(SQLModel, registry=new_registry()):
    pass
