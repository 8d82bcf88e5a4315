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
# Words that say what kind of body or trade, not which one. A place prefix is kept when
# all that follows it is made of these words: 北京银行 and 上海银行, 上海汽车 and 北京汽车,
# 山东航空 and 四川航空, 上海科技发展 and 北京科技发展 are different bodies, told apart
# only by the place. (A single list of whole names could not cover the combinations.)
_GENERIC = {
    # finance
    "银行", "农商", "农村", "商业", "信用社", "证券", "保险", "人寿", "财险", "信托", "投资",
    "基金", "期货", "金融", "租赁", "担保",
    # technology and industry
    "科技", "技术", "信息", "网络", "软件", "数据", "电子", "电气", "电器", "电力", "电机",
    "能源", "新能源", "汽车", "工业", "重工", "机械", "机床", "设备", "仪器", "仪表",
    "材料", "化工", "石化", "石油", "钢铁", "有色", "冶金", "建材", "水泥", "纺织", "服装",
    "食品", "啤酒", "饮料", "乳业", "医药", "药业", "制药", "生物", "医疗", "器械",
    # transport and utilities
    "航空", "航运", "海运", "港务", "港口", "物流", "快递", "交通", "铁路", "地铁",
    "轨道", "公交", "机场", "高速", "燃气", "自来水", "水务", "热力", "环保", "环境",
    "电信", "移动", "联通",
    # building, trade, services
    "建设", "建工", "建筑", "城建", "城投", "地产", "房地产", "置业", "实业", "贸易",
    "商贸", "进出口", "百货", "商场", "酒店", "旅游", "文化", "传媒", "出版", "日报",
    "报业", "电视台", "卫视", "广播", "咨询", "服务", "管理", "发展", "国际", "农业",
    # public bodies
    "医院", "人民医院", "中医院", "第一", "第二", "第三", "第四", "第五", "第六", "人民",
    "大学", "学院", "中学", "小学", "研究院", "研究所", "设计院", "实验室",
}
_LONGEST_GENERIC = max(map(len, _GENERIC))


def _is_generic(text):
    """True if ``text`` is made entirely of generic words (e.g. 科技发展, 第一人民医院)."""
    ends = {0}  # positions that a run of generic words reaches from the start
    for end in range(1, len(text) + 1):
        if any(end - size in ends and text[end - size:end] in _GENERIC
               for size in range(1, min(end, _LONGEST_GENERIC) + 1)):
            ends.add(end)
    return len(text) in ends


def _drop_place_brackets(text):
    def replace(match):
        inner = match.group(1).strip()
        bare = inner.rstrip("".join(_PLACE_WORDS))
        is_place = bare in _PLACES or inner.isascii() and inner.replace(" ", "").isalpha()
        return " " if is_place else f" {inner} "
    return _BRACKETED.sub(replace, text)


def _strip_article(text):
    """"The Boeing Company" is Boeing: a leading English article names no one."""
    return text[4:] if text.startswith("the ") and len(text) > 4 else text


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
    """Drop leading places (广东省深圳市 -> both) while something distinctive is left.
    Where the rest is generic the place is what tells the body apart and stays, but its
    administrative word goes: 上海市第一人民医院 and 上海第一人民医院 are one hospital."""
    for place in _PLACES:
        if text.startswith(place):
            rest = text[len(place):]
            for word in _PLACE_WORDS:
                if rest.startswith(word):
                    rest = rest[len(word):]
                    break
            # 中国 names a national body: 中国建设银行 is the only 建设银行, so only a bare
            # trade word (中国银行, 中国移动) keeps it; a city or province is kept before any
            # run of trade words (上海科技发展 is not 北京科技发展).
            generic = rest in _GENERIC if place == "中国" else _is_generic(rest)
            if len(rest) >= _MIN_DISTINCTIVE and not generic:
                return _strip_place_prefix(rest)
            return place + rest if rest else text
    return text


def normalise_company_name(name):
    """The comparison key of a company name ('' for a blank name)."""
    text = unicodedata.normalize("NFKC", name or "").casefold()
    text = _drop_place_brackets(text)
    text = re.sub(r"[.,&'·・]", " ", text)
    text = " ".join(text.split())
    text = _strip_article(text)
    text = _strip_suffixes(text)
    if not text.isascii():
        text = _strip_place_prefix(text.replace(" ", ""))
        text = _strip_suffixes(text)
    return _NOT_WORD.sub("", text)
