"""The regional pharmacovigilance centre (CRPV) an establishment declares to, from its FINESS.

Health professionals declare suspected adverse reactions to the centre of their territory
(CSP R.5121-161); the territories are data (``data/pharmacovigilance_centres.toml``, with its
source and its limits), so that a change of map is a data change.
"""

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from routing.wording import Text

DATA_FILE = Path(__file__).parent / "data" / "pharmacovigilance_centres.toml"


@dataclass(frozen=True)
class RegionalCentre:
    """One regional pharmacovigilance centre and the university hospital it sits in."""

    city: str
    hospital: str
    departments: tuple[str, ...]
    source: str

    @property
    def name(self) -> Text:
        return {
            "fr": f"CRPV de {self.city} ({self.hospital})",
            "en": f"Regional pharmacovigilance centre of {self.city} ({self.hospital})",
        }


#: What is said when the territory of the establishment's centre is not in the data.
UNNAMED: Text = {
    "fr": "CRPV de la région de l'établissement",
    "en": "the regional pharmacovigilance centre of the establishment's region",
}


def department_of(finess: str) -> str:
    """The department a FINESS number begins with (2A/2B for Corsica; "97" for every overseas
    department, whose own digit this service does not read: no overseas centre is in the data)."""
    return finess.strip().upper()[:2]


@lru_cache(maxsize=1)
def _by_department() -> dict[str, RegionalCentre]:
    with open(DATA_FILE, "rb") as handle:
        raw = tomllib.load(handle)
    centres: dict[str, RegionalCentre] = {}
    for spec in raw["centre"]:
        centre = RegionalCentre(spec["city"], spec["hospital"], tuple(spec["departments"]), raw["source"])
        for department in centre.departments:
            if department in centres:
                raise ValueError(f"department {department} is served by two centres in {DATA_FILE.name}")
            centres[department] = centre
    return centres


def centre_for(finess: str | None) -> RegionalCentre | None:
    """The centre serving the establishment of *finess*, or ``None`` when the data do not say."""
    if not finess:
        return None
    return _by_department().get(department_of(finess))
