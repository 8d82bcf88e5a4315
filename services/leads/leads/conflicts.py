"""The deal-registration conflict check (pure, no I/O).

A registration conflicts with an existing customer (and that customer's open
opportunities) or with another partner's active registration when they name the
same company: the same unified social credit code, the same normalised name
(``sfa_common.company_names``), or a similar one.

Similarity is the Sørensen-Dice coefficient over the character bigrams of the
normalised names. Chosen over difflib's ratio and bigram Jaccard by measuring all of
them on the labelled pairs in tests/services/leads/company_pairs.py (run it to see
the figures): Dice keeps precision where difflib's longest-common-run counting
scores 北京第二人民医院 / 北京第三人民医院 or "ABC Technology" / "ABD Technology" near
0.9, and it is symmetric and cheap. A name that is a whole prefix of the other
(比亚迪 / 比亚迪汽车) is not given extra credit: that rule also matches 京东 / 京东方科技
and Siemens / Siemens Energy, and it lost precision on the set.

Given the raw names (``find_conflicts`` passes them), names are compared on their parts
instead (``sfa_common.company_match``, issue 14): a branch matches its parent, two
institutions of different places never match, one-character typos do, and the
conflict carries an ``explanation`` (matched parts, folds, one line in en and zh).
Measured by class on tests/services/leads/company_name_pairs.py with
bench/company_names.py. Candidates come from an anchored search on the key's first
characters where the second may be a sound-alike (``company_names.candidate_pattern``).
"""
from dataclasses import dataclass, field

from sfa_common.company_match import compare_company_names

CREDIT_CODE, SAME_NAME, SIMILAR_NAME = "credit_code", "same_name", "similar_name"
DEFAULT_THRESHOLD = 0.85


def bigrams(text):
    """The set of adjacent character pairs (a one-character name is its own 'pair')."""
    if len(text) < 2:
        return {text} if text else set()
    return {text[index:index + 2] for index in range(len(text) - 1)}


def similarity(first, second):
    """Dice coefficient of the two normalised names' bigram sets, 0.0 .. 1.0."""
    if not first or not second:
        return 0.0
    if first == second:
        return 1.0
    a, b = bigrams(first), bigrams(second)
    return 2 * len(a & b) / (len(a) + len(b))


@dataclass(frozen=True)
class Match:
    score: float
    reasons: tuple
    # Why the names match ({matched, folded, en, zh}); None when only keys were compared.
    explanation: dict = field(default=None, compare=False)

    def __bool__(self):
        return bool(self.reasons)


def match(normalised, credit_code, other_normalised, other_credit_code, threshold,
          name=None, other_name=None):
    """Whether two companies look like one, with the score and the reasons. Given the
    raw ``name``s too, the names are compared on their parts (``company_match``: branch,
    typo, institution places) and the match explains itself."""
    reasons = []
    if credit_code and credit_code == other_credit_code:
        reasons.append(CREDIT_CODE)
    explanation = None
    if name is not None and other_name is not None:
        names = compare_company_names(name, other_name, threshold)
        score = names.score
        if names.exact or (normalised and normalised == other_normalised):
            reasons.append(SAME_NAME)
        elif names:
            reasons.append(SIMILAR_NAME)
        explanation = names.explanation()
    else:
        score = similarity(normalised, other_normalised)
        if normalised and normalised == other_normalised:
            reasons.append(SAME_NAME)
        elif score >= threshold:
            reasons.append(SIMILAR_NAME)
    if SAME_NAME in reasons:
        score = max(score, 1.0)
    if CREDIT_CODE in reasons:
        score = 1.0
    return Match(round(score, 3), tuple(reasons), explanation)


def names_conflict(normalised, other_normalised, threshold=DEFAULT_THRESHOLD):
    """The name part of the rule alone, on keys only."""
    return bool(match(normalised, None, other_normalised, None, threshold))


def company_names_conflict(name, other_name, threshold=DEFAULT_THRESHOLD):
    """The name part of the rule on raw names (what the labelled pairs measure)."""
    return bool(match(None, None, None, None, threshold, name, other_name))


def candidate_prefix(normalised):
    """The prefix the stores select candidates by (an anchored, indexed search): two
    characters of a Chinese name, three of a Latin one."""
    size = 2 if normalised[:1] and not normalised[:1].isascii() else 3
    return normalised[:size]


def _conflict(kind, record_id, name, partner_org_id, found):
    conflict = {"kind": kind, "record_id": record_id, "name": name,
                "partner_org_id": partner_org_id, "score": found.score,
                "reasons": list(found.reasons)}
    if found.explanation is not None:
        conflict["explanation"] = found.explanation
    return conflict


def find_conflicts(draft, accounts, registrations, threshold):
    """Conflicts of ``draft`` ({normalised_company, unified_social_credit_code} and,
    to compare names on their parts and explain each conflict, ``company``) with
    candidate ``accounts`` (``match_accounts`` of the opportunities service, each with
    its open opportunities) and other partners' active ``registrations``; the
    strongest first."""
    normalised = draft["normalised_company"]
    code = draft.get("unified_social_credit_code")
    company = draft.get("company")
    conflicts = []
    for account in accounts:
        found = match(normalised, code, account["normalised_name"],
                      account.get("unified_social_credit_code"), threshold,
                      company, account.get("name") if company is not None else None)
        if not found:
            continue
        conflicts.append(_conflict("customer", account["account_id"], account["name"], None,
                                   found))
        conflicts += [_conflict("opportunity", opportunity["id"], opportunity["name"],
                                opportunity.get("partner_org_id"), found)
                      for opportunity in account.get("open_opportunities", [])]
    for registration in registrations:
        found = match(normalised, code, registration["normalised_company"],
                      registration.get("unified_social_credit_code"), threshold,
                      company, registration.get("company") if company is not None else None)
        if found:
            conflicts.append(_conflict("registration", str(registration["_id"]),
                                       registration["company"],
                                       registration["partner_org_id"], found))
    order = {"customer": 0, "opportunity": 1, "registration": 2}
    return sorted(conflicts, key=lambda c: (-c["score"], order[c["kind"]], c["record_id"]))
