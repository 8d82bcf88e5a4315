"""Whether two company names are one company, decided on their parts, and why (pure).

``compare_company_names(a, b, threshold)`` answers a ``NameMatch``: the decision, a
score, which parts matched and what was folded on the way, with a one-line
explanation in zh-CN and en for the reviewer.

The decision, in order:
1. the same key (``company_names``: traditional, numerals, branch, places, legal form
   folded) -> same name;
2. both keep a place (an institution or a trade-words-only name) and the places differ
   -> different, whatever the rest (上海证券交易所 / 深圳证券交易所);
3. the keys differ only in numerals -> different (第二 / 第三人民医院);
4. a one-character typo of a Chinese key (the longer of four or more characters): a sound-alike
   substitution (腾迅 / 腾讯, same pinyin) or a dropped character inside the name
   (not one that ends the 字号: 京东 / 京东方 are two companies) -> similar name;
5. Dice similarity of the keys' bigrams >= threshold -> similar name.
"""
import functools
from dataclasses import dataclass

from sfa_common.company_names import company_name

_NUMERALS = set("零一二三四五六七八九十百千0123456789")
_MIN_TYPO_LENGTH = 4

FOLD_LABELS = {  # fold -> (en, zh)
    "traditional": ("traditional characters", "繁体字"),
    "numerals": ("numerals", "数字写法"),
    "punctuation": ("punctuation", "标点"),
    "ampersand": ("& / and", "&与and"),
    "branch": ("branch to its parent", "分支机构归入总机构"),
    "place": ("place dropped", "去掉地名"),
    "legal_form": ("legal form", "组织形式"),
    "legal_form_typo": ("typo in the legal form", "组织形式错字"),
    "typo": ("one-character typo", "单字错漏"),
    "industry": ("trade words on one side only", "一方无行业词"),
    "similar": ("similar spelling", "写法相近"),
}
PART_LABELS = {"place": ("place", "地名"), "core": ("name", "字号"),
               "industry": ("trade", "行业"), "legal_form": ("legal form", "组织形式")}


def bigrams(text):
    if len(text) < 2:
        return {text} if text else set()
    return {text[index:index + 2] for index in range(len(text) - 1)}


def dice(first, second):
    if not first or not second:
        return 0.0
    if first == second:
        return 1.0
    a, b = bigrams(first), bigrams(second)
    return 2 * len(a & b) / (len(a) + len(b))


@dataclass(frozen=True)
class NameMatch:
    same: bool
    exact: bool          # the same key
    score: float
    matched: tuple = ()  # parts equal on both sides: place, core, industry, legal_form
    folded: tuple = ()   # what was folded to decide (FOLD_LABELS keys)
    details: tuple = ()  # (fold, what: 上海分公司, 北京, 有限公司 / 股份有限公司) where it helps

    def __bool__(self):
        return self.same

    def explanation(self):
        """``{matched, folded, en, zh}``: why, in one line each language."""
        return {"matched": list(self.matched), "folded": list(self.folded),
                "details": dict(self.details), "en": self._line(0), "zh": self._line(1)}

    def _line(self, lang):
        if not self.same:
            return "different names" if lang == 0 else "名称不同"
        parts = [PART_LABELS[p][lang] for p in self.matched]
        details = dict(self.details)
        folds = [FOLD_LABELS[f][lang] + (f" ({details[f]})" if lang == 0 and f in details else
                                         f"（{details[f]}）" if f in details else "")
                 for f in self.folded]
        if lang == 0:
            head = "same name" if self.exact else f"similar name ({self.score:.2f})"
            line = f"{head}: {', '.join(parts) or 'key'} match"
            return line + (f"; folded {', '.join(folds)}" if folds else "")
        head = "名称相同" if self.exact else f"名称相似（{self.score:.2f}）"
        line = f"{head}：{'、'.join(parts) or '规范名'}一致"
        return line + (f"；已归并{'、'.join(folds)}" if folds else "")


@functools.cache
def _pinyin(char):
    from pypinyin import lazy_pinyin  # packaged dictionary, loaded on first use
    return lazy_pinyin(char)[0]


def _sound_alike_substitution(a, b):
    differ = [(x, y) for x, y in zip(a, b, strict=True) if x != y]
    if len(differ) != 1:
        return False
    x, y = differ[0]
    return not x.isascii() and not y.isascii() and _pinyin(x) == _pinyin(y)


def _dropped_character(longer, shorter, longer_core):
    for index in range(len(longer)):
        if longer[:index] + longer[index + 1:] == shorter:
            dropped = longer[index]
            if index == 0 or dropped in _NUMERALS:
                return False
            ends_core = index == len(longer_core) - 1
            # 京东 / 京东方 are two companies; 阿里巴巴 / 阿里巴 is a doubled letter missed.
            return not ends_core or longer[index - 1] == dropped
    return False


def _is_typo(first, second):
    a, b = first.key, second.key
    if first.latin or second.latin or max(len(a), len(b)) < _MIN_TYPO_LENGTH:
        return False
    if len(a) == len(b):
        return _sound_alike_substitution(a, b)
    if abs(len(a) - len(b)) == 1:
        longer, shorter = (first, second) if len(a) > len(b) else (second, first)
        return _dropped_character(longer.key, shorter.key, longer.core)
    return False


def _place_only_one_side(placed, bare):
    """北京清华大学 / 清华大学: an institution named with and without its place, where
    the rest is distinctive (第一人民医院 alone is no one)."""
    from sfa_common.company_names import is_generic
    rest = placed.key[len(placed.place):]
    return (bool(placed.place) and not bare.place and placed.key.startswith(placed.place)
            and rest == bare.key and len(rest) >= 3 and not is_generic(rest))


def _trade_words_only_one_side(full, brand):
    """字节跳动科技 / 字节跳动: the same 字号, one with trade words and one without."""
    return (not brand.industry and not full.place and not brand.place and full.industry
            and brand.key == full.core and len(full.core) >= 2 and not full.latin)


def _without_numerals(text):
    return "".join(c for c in text if c not in _NUMERALS)


def _matched_parts(first, second):
    parts = []
    for part in ("place", "core", "industry", "legal_form"):
        mine, theirs = getattr(first, part), getattr(second, part)
        if mine and mine == theirs:
            parts.append(part)
    return tuple(parts)


def _folded(first, second, extra=()):
    folds = set(first.folds | second.folds)
    if "legal_form" in folds and first.legal_form == second.legal_form:
        folds.discard("legal_form")
    if "place" in folds and first.dropped_places == second.dropped_places:
        folds.discard("place")
    if "branch" in folds and first.branch == second.branch:
        folds.discard("branch")
    from sfa_common.company_names import FOLDS
    return tuple(f for f in FOLDS if f in folds | set(extra))


def _details(first, second, folded):
    """What each fold was about, for the one-line explanation."""
    found = {}
    if "branch" in folded:
        found["branch"] = " / ".join(b for b in (first.branch, second.branch) if b)
    if "place" in folded:
        found["place"] = " / ".join(p for p in dict.fromkeys(
            first.dropped_places + second.dropped_places))
    if "legal_form" in folded:
        found["legal_form"] = " / ".join(f or "-" for f in (first.legal_form,
                                                            second.legal_form))
    if "typo" in folded and len(first.key) == len(second.key):
        found["typo"] = " / ".join(f"{x}/{y}" for x, y in zip(first.key, second.key,
                                                              strict=True) if x != y)
    return tuple((fold, text) for fold, text in found.items() if text)


def _named(same, exact, score, first, second, extra=()):
    folded = _folded(first, second, extra)
    return NameMatch(same, exact, score, _matched_parts(first, second), folded,
                     _details(first, second, folded))


def compare_company_names(one, other, threshold):
    """The decision on two raw company names (see the module docstring)."""
    first, second = company_name(one), company_name(other)
    a, b = first.key, second.key
    if not a or not b:
        return NameMatch(False, False, 0.0)
    score = dice(a, b)
    if a == b:
        return _named(True, True, 1.0, first, second)
    if first.place and second.place and first.place != second.place:
        return NameMatch(False, False, score)
    if _without_numerals(a) == _without_numerals(b):
        return NameMatch(False, False, score)
    if _place_only_one_side(first, second) or _place_only_one_side(second, first):
        return _named(True, False, max(score, threshold), first, second, ("place",))
    if _trade_words_only_one_side(first, second) or _trade_words_only_one_side(second, first):
        return _named(True, False, max(score, threshold), first, second, ("industry",))
    if _is_typo(first, second):
        return _named(True, False, max(score, threshold), first, second, ("typo",))
    if score >= threshold:
        return _named(True, False, score, first, second, ("similar",))
    return NameMatch(False, False, score)
