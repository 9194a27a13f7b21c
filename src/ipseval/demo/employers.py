"""Employers: sectors and their mix by sex, fictitious employer names, and specialists' employer contacts.

Jobs and employer contacts draw on the same sectors and names, so they are generated in one place."""

from __future__ import annotations

import numpy as np

from .areas import _STRENGTH, _Staff
from .days import _LOCKDOWN, _REMOTE, CUT, START, _back_to_weekday

_SECTORS = (
    "hospitality",
    "retail",
    "construction",
    "care",
    "logistics",
    "cleaning",
    "office",
    "security",
    "manufacturing",
    "transport",
    "grounds maintenance",
    "charity and peer support",
)
_SECTOR_BASE = np.array([16, 14, 11, 10, 10, 10, 7, 5, 4, 5, 4, 4], dtype=float)
_SECTOR_MALE = np.array([1, 1, 2.2, 0.5, 1.4, 0.9, 0.8, 1.5, 1.2, 1.5, 1.5, 1], dtype=float)
_SECTOR_FEMALE = np.array([1.1, 1.2, 0.15, 2.4, 0.6, 1.2, 1.5, 0.4, 0.8, 0.4, 0.4, 1.2], dtype=float)
_SECTOR_P_MALE = _SECTOR_BASE * _SECTOR_MALE / (_SECTOR_BASE * _SECTOR_MALE).sum()
_SECTOR_P_FEMALE = _SECTOR_BASE * _SECTOR_FEMALE / (_SECTOR_BASE * _SECTOR_FEMALE).sum()
_SELF_EMP_SECTORS = [
    _SECTORS.index(s) for s in ("construction", "cleaning", "grounds maintenance", "transport")
]
_NAME_FIRST = (
    "Ash", "Birch", "Bramble", "Cedar", "Elder", "Fern", "Hazel", "Holly", "Juniper", "Larch",
    "Linden", "Maple", "Rowan", "Sorrel", "Thistle", "Willow", "Alder", "Heron", "Kestrel", "Plover",
    "Wren", "Fallow", "Marten", "Quill",
)  # fmt: skip
_NAME_SECOND = (
    "brook",
    "field",
    "gate",
    "hurst",
    "mead",
    "stead",
    "vale",
    "wick",
    "well",
    "ridge",
    "cote",
    "moor",
)
_SECTOR_NOUNS = {
    "hospitality": ("Kitchen", "Café", "Bistro", "Hotel", "Catering", "Dining Rooms"),
    "retail": ("Stores", "Market", "Home & Garden", "Mini Mart", "Outlet", "Hardware"),
    "construction": ("Builders", "Construction", "Groundworks", "Scaffolding", "Roofing", "Interiors"),
    "care": ("Care", "Home Care", "Care Home", "Support Services", "Lodge Care"),
    "logistics": ("Logistics", "Distribution", "Couriers", "Freight", "Warehousing"),
    "cleaning": ("Cleaning Services", "Facilities", "Hygiene", "Window Cleaning"),
    "office": ("Associates", "Consulting", "Property Management", "Office Services", "Accounts"),
    "security": ("Security", "Guarding", "Door Services"),
    "manufacturing": ("Joinery", "Print Works", "Bakery", "Engineering", "Metalworks"),
    "transport": ("Cars", "Transport", "Coaches", "Removals"),
    "grounds maintenance": ("Landscapes", "Gardening", "Grounds Maintenance", "Tree Care"),
    "charity and peer support": ("Recovery Trust", "Community Project", "Foundation", "Peer Network"),
}
_SUFFIXES = ("Ltd", "Ltd", "Ltd", "", "& Co", "Group", "Ltd", "CIC")


def _employer_pool(
    rng: np.random.Generator, per_sector: int = 40
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Fictitious employer names by sector: (names, offset of each sector, count per sector)."""
    names: list[str] = []
    offsets, counts = [], []
    for sector in _SECTORS:
        seen: set[str] = set()
        nouns = _SECTOR_NOUNS[sector]
        while len(seen) < per_sector:
            first = (
                _NAME_FIRST[rng.integers(len(_NAME_FIRST))] + _NAME_SECOND[rng.integers(len(_NAME_SECOND))]
            )
            suffix = _SUFFIXES[rng.integers(len(_SUFFIXES))]
            if sector == "charity and peer support":
                suffix = ""
            seen.add(f"{first} {nouns[rng.integers(len(nouns))]} {suffix}".strip())
        offsets.append(len(names))
        counts.append(per_sector)
        names.extend(sorted(seen))
    return names, np.array(offsets), np.array(counts)


# Employer contacts a week per full-time specialist by the borough's integration strength (strong,
# moderate, weak): about three in four are face to face outside the remote-working period, so
# strong boroughs log around five face-to-face contacts a week (item 17 of the fidelity scale: 4),
# weak ones under three (2).
_CONTACTS_PER_WEEK = np.array([7.0, 5.5, 3.5])


def _employer_contacts(rng: np.random.Generator, staff: _Staff, n_employers: int) -> tuple[np.ndarray, ...]:
    sid, days = [], []
    for s in range(len(staff.ids)):
        first = max(int(staff.start[s]), START - 30)
        last = CUT if staff.end[s] < 0 else min(int(staff.end[s]), CUT)
        weeks = max(last - first, 0) / 7
        count = rng.poisson(_CONTACTS_PER_WEEK[_STRENGTH[staff.area[s]]] * staff.fte[s] * weeks)
        d = rng.integers(first, last + 1, size=count)
        keep = ~((d >= _LOCKDOWN[0]) & (d < _LOCKDOWN[1])) | (rng.random(count) < 0.45)
        d = np.sort(_back_to_weekday(d[keep]))
        d = np.maximum(d, first)
        sid.append(np.full(d.size, s))
        days.append(d)
    sid_a, day_a = np.concatenate(sid), np.concatenate(days)
    remote = (day_a >= _REMOTE[0]) & (day_a < _REMOTE[1])
    f2f = rng.random(day_a.size) < np.where(remote, 0.3, 0.74)
    employer = rng.integers(0, n_employers, size=day_a.size)
    return sid_a, day_a, employer, f2f
