"""The clinic's vocabulary: indication codes and their plain names (API.md, DOMAIN.md)."""

from __future__ import annotations

from enum import StrEnum


class Indication(StrEnum):
    FACIAL_WRINKLES = "facial_wrinkles"
    FINE_LINES = "fine_lines"
    ACNE_SCARS = "acne_scars"
    INCISIONAL_SCARS = "incisional_scars"
    STRETCH_MARKS = "stretch_marks"
    BURN_SCARS = "burn_scars"
    HYPERPIGMENTATION = "hyperpigmentation"
    AGE_SPOTS = "age_spots"
    SKIN_LAXITY = "skin_laxity"
    UNEVEN_SKIN_TONE = "uneven_skin_tone"
    ENLARGED_PORES = "enlarged_pores"

    @property
    def label(self) -> str:
        return INDICATION_LABELS[self]


INDICATION_LABELS: dict[Indication, str] = {
    Indication.FACIAL_WRINKLES: "Facial wrinkles",
    Indication.FINE_LINES: "Fine lines",
    Indication.ACNE_SCARS: "Acne scars",
    Indication.INCISIONAL_SCARS: "Incisional (surgical) scars",
    Indication.STRETCH_MARKS: "Stretch marks",
    Indication.BURN_SCARS: "Burn scars",
    Indication.HYPERPIGMENTATION: "Hyperpigmentation",
    Indication.AGE_SPOTS: "Age spots",
    Indication.SKIN_LAXITY: "Skin laxity",
    Indication.UNEVEN_SKIN_TONE: "Uneven skin tone",
    Indication.ENLARGED_PORES: "Enlarged pores",
}

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
