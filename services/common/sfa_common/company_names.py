"""Company-name normalisation (pure): the key for duplicate checks and conflict checks.

"ＡＢＣ Technology Co., Ltd." and "abc technology" normalise alike; so do
"北京华为技术有限公司" and "华为技术（中国）有限公司" -> "华为技术".
Steps: Unicode NFKC (full-width -> half-width), case-fold, drop brackets that only
say where (（中国）, (Beijing)), drop legal forms and suffixes (股份有限公司, 有限公司,
集团, Co., Ltd., Inc., ...), drop a leading city/province prefix when something
distinctive is left, then drop spaces and punctuation.
"""
import re
import unicodedata

# Longest first, so 股份有限公司 goes before 有限公司 and 公司.
_CN_SUFFIXES = sorted([
    "股份有限公司", "有限责任公司", "有限公司", "集团有限公司", "集团股份有限公司",
    "控股集团", "集团公司", "集团", "控股", "股份公司", "总公司", "分公司", "公司",
    "有限合伙", "合伙企业", "工作室", "厂",
], key=len, reverse=True)
_EN_SUFFIXES = [
    "company limited", "co ltd", "co limited", "corporation", "incorporated", "limited",
    "company", "holdings", "holding", "group", "corp", "inc", "ltd", "llc", "plc", "gmbh",
    "co", "sa", "ag", "bv", "pte", "pty",
]
# Province and major-city prefixes that are usually where, not who.
_PLACES = sorted([
    "北京", "上海", "天津", "重庆", "广州", "深圳", "杭州", "南京", "苏州", "成都", "武汉",
    "西安", "长沙", "郑州", "青岛", "大连", "宁波", "厦门", "福州", "济南", "沈阳", "合肥",
    "昆明", "无锡", "东莞", "佛山", "珠海", "哈尔滨", "长春", "石家庄", "太原", "南昌",
    "南宁", "贵阳", "兰州", "海口", "乌鲁木齐", "呼和浩特", "银川", "西宁", "拉萨",
    "广东", "江苏", "浙江", "山东", "河南", "河北", "湖北", "湖南", "四川", "福建", "安徽",
    "辽宁", "吉林", "黑龙江", "江西", "广西", "云南", "贵州", "山西", "陕西", "甘肃",
    "海南", "内蒙古", "宁夏", "青海", "新疆", "西藏", "中国",
], key=len, reverse=True)
_PLACE_WORDS = ("省", "市", "自治区", "特别行政区")
_BRACKETED = re.compile(r"[\(\[（【]([^\)\]）】]*)[\)\]）】]")
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)
_MIN_DISTINCTIVE = 2  # characters that must remain after dropping a place prefix
# Words that say what kind of body, not which one: 北京银行 keeps 北京.
_GENERIC = {
    "银行", "农商银行", "商业银行", "科技", "医院", "大学", "电视台", "证券", "保险", "电力",
    "地铁", "机场", "日报", "港务", "燃气", "自来水", "水务", "公交", "电信", "移动", "联通",
    "人民医院", "第一人民医院", "中学", "实验室", "研究院", "设计院", "建工", "城投",
}


def _drop_place_brackets(text):
    def replace(match):
        inner = match.group(1).strip()
        bare = inner.rstrip("".join(_PLACE_WORDS))
        is_place = bare in _PLACES or inner.isascii() and inner.replace(" ", "").isalpha()
        return " " if is_place else f" {inner} "
    return _BRACKETED.sub(replace, text)


def _strip_suffixes(text):
    changed = True
    while changed:
        changed = False
        for suffix in _CN_SUFFIXES:
            if text.endswith(suffix) and len(text) > len(suffix):
                text, changed = text[: -len(suffix)].rstrip(), True
                break
        words = text.split()
        while len(words) > 1 and words[-1] in _EN_SUFFIXES:
            words.pop()
            changed = True
        if len(words) > 2 and " ".join(words[-2:]) in _EN_SUFFIXES:
            words = words[:-2]
            changed = True
        text = " ".join(words)
    return text


def _strip_place_prefix(text):
    for place in _PLACES:
        if text.startswith(place):
            rest = text[len(place):]
            for word in _PLACE_WORDS:
                if rest.startswith(word):
                    rest = rest[len(word):]
                    break
            if len(rest) >= _MIN_DISTINCTIVE and rest not in _GENERIC:
                return rest
    return text


def normalise_company_name(name):
    """The comparison key of a company name ('' for a blank name)."""
    text = unicodedata.normalize("NFKC", name or "").casefold()
    text = _drop_place_brackets(text)
    text = re.sub(r"[.,&'·・]", " ", text)
    text = " ".join(text.split())
    text = _strip_suffixes(text)
    if not text.isascii():
        text = _strip_place_prefix(text.replace(" ", ""))
        text = _strip_suffixes(text)
    return _NOT_WORD.sub("", text)
