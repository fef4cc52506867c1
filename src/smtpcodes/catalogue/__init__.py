"""The knowledge base: data files with provenance, validated and compiled, looked up by code."""

from smtpcodes.catalogue._loader import Catalogue, load_catalogue
from smtpcodes.catalogue._schema import (
    Actor,
    Closes,
    Confusion,
    Entry,
    Kind,
    NextStep,
    Pair,
    RegistryRow,
    Retry,
    Source,
    Text,
    Tier,
    Transcript,
)

__all__ = [
    "Actor",
    "Catalogue",
    "Closes",
    "Confusion",
    "Entry",
    "Kind",
    "NextStep",
    "Pair",
    "RegistryRow",
    "Retry",
    "Source",
    "Text",
    "Tier",
    "Transcript",
    "load_catalogue",
]
