"""Duplicate keys of a lead and the duplicate warning (pure, no I/O).

Two leads are duplicates when they share a phone (digits only, so "+86 10 1234 5678"
is "+861012345678"), an email (case-insensitive) or a normalised company name.
"""
import re

from sfa_common.company_names import normalise_company_name

_NOT_DIGIT = re.compile(r"\D")


def phone_key(phone):
    return _NOT_DIGIT.sub("", phone) or None if phone else None


def email_key(email):
    return email.strip().casefold() or None if email else None


def keys(lead):
    """The stored comparison keys of a lead's facts."""
    return {"normalised_company": normalise_company_name(lead["company"]),
            "phone_key": phone_key(lead.get("phone")),
            "email_key": email_key(lead.get("email"))}


# The public name of each key in a warning.
MATCHED_ON = (("phone_key", "phone"), ("email_key", "email"), ("normalised_company", "company"))


def duplicate_filter(lead_keys):
    """A filter for leads sharing any key of ``lead_keys`` (None when it has none)."""
    alternatives = [{field: lead_keys[field]} for field, _ in MATCHED_ON if lead_keys[field]]
    return {"$or": alternatives} if alternatives else None


def duplicates(lead_keys, others):
    """``[{lead_id, matched_on}]`` for each of ``others`` sharing a key with the lead."""
    found = []
    for other in others:
        matched = [name for field, name in MATCHED_ON
                   if lead_keys[field] and other.get(field) == lead_keys[field]]
        if matched:
            found.append({"lead_id": str(other["_id"]), "matched_on": matched})
    return found
