"""Human labels for the data standard's column names and codes, for reports and dashboards.

Results keep the standard's codes (``drug_alcohol_service``, ``1_to_2y``); only renderers turn them
into words. An unlisted code falls back to its own text with underscores as spaces, so a new code
in the standard still reads sensibly before it gets a label here.
"""

from __future__ import annotations

from .schema import UNKNOWN

CHARACTERISTICS: dict[str, str] = {
    "local_authority": "Local authority",
    "referral_year": "Referral year",
    "referral_source": "Referral source",
    "employed_at_referral": "In work when referred",
    "age": "Age (years)",
    "sex": "Sex",
    "ethnicity": "Ethnicity",
    "main_substance": "Main substance",
    "treatment_status": "Drug and alcohol treatment",
    "time_since_last_job": "Time since last job",
    "benefits": "Benefits",
    "gp_visit_recent": "Saw a GP in the last 3 months",
    "ae_visit_recent": "Attended A&E in the last 3 months",
    "housing_tenure": "Housing",
    "criminal_conviction": "Has a criminal conviction",
    "work_confidence": "Confidence about work (0 to 10)",
    "highest_qualification": "Highest qualification",
    "discharge_reason": "Reason for leaving the service",
    "integration_strength": "Integration with drug and alcohol treatment",
    "co_located": "Specialists based in the treatment service",
    "mode": "How the meeting was held",
    "group": "Group",
    "meeting_band": "IPS meetings attended",
}

# Codes whose label depends on the characteristic ("none" is not the same thing everywhere).
_CODES_BY_CHARACTERISTIC: dict[str, dict[str, str]] = {
    "referral_source": {
        "drug_alcohol_service": "Drug and alcohol service",
        "self": "Self-referral",
        "gp_health": "GP or health service",
        "criminal_justice": "Criminal justice",
        "jobcentre": "Jobcentre Plus",
    },
    "discharge_reason": {
        "support_complete": "Support complete",
        "disengaged": "Disengaged",
        "moved_away": "Moved away",
        "declined": "Declined support",
    },
    "main_substance": {"crack": "Crack cocaine"},
    "treatment_status": {
        "in_treatment": "In treatment",
        "completed_treatment": "Completed treatment",
        "not_in_treatment": "Not in treatment",
    },
    "time_since_last_job": {
        "never_worked": "Never worked",
        "under_1y": "Under 1 year",
        "1_to_2y": "1 to 2 years",
        "2_to_5y": "2 to 5 years",
        "5_to_10y": "5 to 10 years",
        "over_10y": "Over 10 years",
    },
    "benefits": {
        "out_of_work": "Out-of-work benefits",
        "in_work": "In-work benefits",
        "none": "No benefits",
    },
    "housing_tenure": {
        "owner": "Owner-occupier",
        "social_rent": "Social rent",
        "private_rent": "Private rent",
        "supported_temporary": "Supported or temporary",
        "homeless": "Homeless",
    },
    "highest_qualification": {
        "none": "No qualifications",
        "level_1_2": "Level 1 or 2 (GCSE)",
        "level_3": "Level 3 (A level)",
        "level_4_plus": "Level 4 or above (degree)",
    },
    "group": {"ips": "Referred to IPS", "comparison": "Comparison group"},
}

_COMMON_CODES: dict[str, str] = {
    UNKNOWN: "Unknown",
    "yes": "Yes",
    "no": "No",
    "other": "Other",
    "female": "Female",
    "male": "Male",
    "white": "White",
    "mixed": "Mixed",
    "asian": "Asian",
    "black": "Black",
    "alcohol": "Alcohol",
    "opiates": "Opiates",
    "cocaine": "Cocaine",
    "cannabis": "Cannabis",
    "face_to_face": "Face to face",
    "phone": "Phone",
    "video": "Video",
    "strong": "Strong",
    "moderate": "Moderate",
    "weak": "Weak",
}

BREAKDOWNS: dict[str, str] = {
    "overall": "All areas",
    "local_authority": "Local authority",
    "referral_year": "Referral year",
}

TABLE_NAMES: dict[str, str] = {
    "clients": "Clients",
    "meetings": "Meetings",
    "jobs": "Jobs",
    "wellbeing": "Wellbeing",
    "areas": "Areas",
    "fidelity": "Fidelity reviews",
    "staff": "Staff",
    "employer_contacts": "Employer contacts",
    "comparison": "Comparison group",
}


def _fallback(text: str) -> str:
    words = str(text).replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else words


def characteristic_label(name: str) -> str:
    """'time_since_last_job' -> 'Time since last job'."""
    return CHARACTERISTICS.get(name) or _fallback(name)


def has_label(characteristic: str, code: str) -> bool:
    """Whether ``code`` of ``characteristic`` has a label of its own (not the fallback)."""
    return code in _CODES_BY_CHARACTERISTIC.get(characteristic, {}) or code in _COMMON_CODES


def code_label(characteristic: str, code: str | None) -> str:
    """The label of ``code`` in ``characteristic``: ('time_since_last_job', '1_to_2y') -> '1 to 2 years'.

    Characteristics without a code list (local authority, referral year) keep their values as given.
    """
    if code is None or code == "":
        return "Unknown"
    specific = _CODES_BY_CHARACTERISTIC.get(characteristic, {})
    if code in specific:
        return specific[code]
    if code in _COMMON_CODES:
        return _COMMON_CODES[code]
    if characteristic in ("local_authority", "referral_year"):
        return str(code)
    return _fallback(code)


def in_sentence(label: str) -> str:
    """A label inside a sentence: its first letter lower case unless it starts an acronym
    ('Saw a GP in the last 3 months' -> 'saw a GP in the last 3 months'; 'GP or health service'
    stays)."""
    if len(label) > 1 and label[:2].isupper():
        return label
    return label[:1].lower() + label[1:]


def column_words(name: str) -> str:
    """A column in notes about any data: the standard's label, else the name as given (a model of
    another table keeps its own column names)."""
    return CHARACTERISTICS.get(name, name)


def code_words(characteristic: str, code: str) -> str:
    """A code in notes about any data: its label when it has one, else the code as given."""
    return code_label(characteristic, code) if has_label(characteristic, code) else str(code)


def codes_label(characteristic: str, codes: list[str] | tuple[str, ...]) -> str:
    """Several codes of one characteristic in words: ('referral_source', ['jobcentre', 'other'])
    -> 'Jobcentre Plus and Other' (a code without a label as given)."""
    words = [code_words(characteristic, c) for c in codes]
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def table_label(name: str) -> str:
    """'employer_contacts' -> 'Employer contacts'."""
    return TABLE_NAMES.get(name) or _fallback(name)


def breakdown_label(name: str) -> str:
    return BREAKDOWNS.get(name) or _fallback(name)
