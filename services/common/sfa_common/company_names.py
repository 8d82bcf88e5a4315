"""Company-name normalisation (pure): the key for duplicate checks and conflict checks.

A Chinese registered name is 行政区划 + 字号 + 行业 + 组织形式 (企业名称登记管理规定),
optionally followed by a branch (…有限公司上海分公司, …银行浦东支行, …（望京店）).
``company_name(text)`` reads a name into those parts; ``normalise_company_name`` is
the comparison key built from them; ``company_match.compare_company_names`` decides
whether two names are one company and says why. After a rule change, recompute the
stored keys with scripts/rekey_company_names.py (``company_rekey``).

Folding, in order: Unicode NFKC (full-width -> half-width), case, traditional ->
simplified (OpenCC), Arabic ordinals -> Chinese numerals (第１ -> 第一, cn2an),
quotation marks and punctuation; then the parts:
- a branch is folded onto its parent: the key of a branch is its parent's key;
- legal forms (股份有限公司, （特殊普通合伙）, Co., Ltd., GmbH ...) and their one-character
  typos (股分有限公司, 有线公司) are dropped;
- places (every province, prefecture and county, from packaged data: see
  ``company_places``) are dropped at the start, in brackets (（中国）, (Beijing)) and at
  the end (欧莱雅中国) when a distinctive 字号 is left; they stay where the place is what
  tells the body apart: before trade words only (北京银行, 上海科技发展) and before an
  institution (北京师范大学, 上海证券交易所, 杭州市公安局, 上海第七人民医院).
"""
import functools
import re
import unicodedata
from dataclasses import dataclass

from sfa_common import company_places
from sfa_common.company_places import COUNTY, NATION, PREFECTURE, PROVINCE

MAX_NAME_LENGTH = 200

# -- Latin names (unchanged rules) ------------------------------------------------------
_EN_SUFFIXES = [
    "company limited", "co ltd", "co limited", "corporation", "incorporated", "limited",
    "company", "holdings", "holding", "group", "corp", "inc", "ltd", "llc", "plc", "gmbh",
    "co", "sa", "s a", "n v", "s r l", "s p a", "a g", "ag", "bv", "pte", "pty", "llp",
    "lp", "nv", "spa", "srl", "sas", "kk", "pvt", "private limited", "oy", "ab", "se",
    "aktiengesellschaft", "kabushiki kaisha", "societe anonyme", "sociedad anonima",
    "limited liability company", "public limited company",
]

# -- Chinese legal forms (组织形式), longest first --------------------------------------
_LEGAL_FORMS = sorted([
    "股份有限公司", "有限责任公司", "有限公司", "集团有限公司", "集团股份有限公司",
    "股份合作公司", "控股集团", "集团公司", "集团", "控股", "股份公司", "总公司", "公司",
    "特殊普通合伙", "普通合伙", "有限合伙", "合伙企业", "有限合伙企业", "普通合伙企业",
    "个人独资企业", "独资企业",
    "个体工商户", "工作室", "厂", "总厂", "商行", "总部",
], key=len, reverse=True)
# Forms a one-character typo of which is still the form (股分有限公司, 有线公司).
_TYPO_FORMS = ("股份有限公司", "有限责任公司", "有限公司")
# Words in brackets that are a legal form, not part of the name.
_BRACKET_FORMS = {"特殊普通合伙", "普通合伙", "有限合伙", "集团", "控股", "股份", "总部",
                  "有限", "有限公司"}

# -- branches (分支机构) ------------------------------------------------------------------
_BRANCH_WORDS = sorted([
    "分公司", "子公司", "支公司", "中心支公司", "分行", "支行", "分理处", "储蓄所", "分店",
    "门店", "专卖店",
    "旗舰店", "营业部", "营业厅", "营业所", "办事处", "代表处", "联络处", "分部", "分厂",
    "分所", "分院", "分社", "分中心", "分局", "经营部", "服务部", "分校", "校区", "店",
    "研究所", "研究院", "设计院", "实验室",
], key=len, reverse=True)
# Branch words that are also bodies of their own (新华书店, 中国科学院化学研究所): a
# branch only right after a company's name (华为技术有限公司成都研究所).
_BRANCH_IF_COMPANY = ("店", "研究所", "研究院", "设计院", "实验室")
# The word a parent's name ends with, where a branch's own label begins after it.
_PARENT_ENDS = sorted(["公司", "银行", "集团", "总行", "事务所", "合伙", "企业", "酒店",
                       "商场", "超市", "中心", "医院", "学校", "研究院", "出版社", "保险"],
                      key=len, reverse=True)
_REGIONS = ("华东", "华南", "华北", "华中", "华西", "西南", "西北", "东北", "大中华", "亚太")
_GOVERNMENT_BRANCH_HEADS = ("街道", "驻")  # 街道办事处 is a government office, 驻京办 ...

# -- trade words (行业) and institutions -------------------------------------------------
# No maintained machine-readable list of the industry words used in names exists on
# PyPI (GB/T 4754 is a classification, not a vocabulary): this is the short list of
# trade words that, after a place, say what kind of body and not which one.
_GENERIC = {
    "银行", "农商", "农村", "商业", "信用社", "证券", "保险", "人寿", "财险", "信托", "投资",
    "基金", "期货", "金融", "租赁", "担保", "资产", "资本", "财务",
    "科技", "技术", "信息", "网络", "软件", "数据", "电子", "电气", "电器", "电力", "电机",
    "能源", "新能源", "汽车", "工业", "重工", "机械", "机床", "设备", "仪器", "仪表",
    "材料", "化工", "石化", "石油", "钢铁", "有色", "冶金", "建材", "水泥", "纺织", "服装",
    "食品", "啤酒", "饮料", "乳业", "医药", "药业", "制药", "生物", "医疗", "器械",
    "煤矿", "矿业", "煤业", "电网", "供电", "烟草", "盐业", "粮油", "农机", "造船", "船舶",
    "航空", "航运", "海运", "港务", "港口", "物流", "快递", "交通", "铁路", "地铁",
    "轨道", "公交", "机场", "高速", "燃气", "自来水", "水务", "热力", "环保", "环境",
    "电信", "移动", "联通", "通信", "广电", "邮政",
    "建设", "建工", "建筑", "城建", "城投", "地产", "房地产", "置业", "实业", "贸易",
    "商贸", "进出口", "百货", "商场", "酒店", "旅游", "文化", "传媒", "出版", "日报",
    "报业", "电视台", "卫视", "广播", "咨询", "服务", "管理", "发展", "国际", "农业",
    "连锁", "超市", "餐饮", "教育", "培训", "体育", "演艺", "会展", "印刷", "包装",
    "医院", "人民医院", "中医院", "人民", "大学", "学院", "中学", "小学", "研究院",
    "研究所", "设计院", "实验室", "第", "一", "二", "三", "四", "五", "六", "七", "八",
    "九", "十", "百", "零",
}
_LONGEST_GENERIC = max(map(len, _GENERIC))
# A body that exists once per place: the place is part of who it is.
_INSTITUTIONS = sorted([
    "大学", "学院", "学校", "中学", "小学", "幼儿园", "党校", "医院", "卫生院", "卫生所",
    "诊所", "保健院", "妇幼保健院", "疾病预防控制中心", "血站", "交易所", "交易中心",
    "局", "厅", "委员会", "人民政府", "政府", "法院", "检察院", "公安局", "派出所", "海关",
    "税务局", "监狱", "看守所", "支队", "大队", "研究院", "研究所", "科学院", "设计院",
    "图书馆", "博物馆", "美术馆", "档案馆", "体育馆", "电视台", "电台", "广播电台",
    "报社", "日报社", "协会", "商会", "学会", "联合会", "工会", "红十字会", "基金会",
    "办公室", "街道办事处", "管委会", "管理委员会", "研究中心", "中心",
], key=len, reverse=True)

_OPEN, _CLOSE = "([{（【〔［｛〈《「『", ")]}）】〕］｝〉》」』"
_BRACKETED = re.compile(r"\(([^()]*)\)")
_QUOTES = re.compile(r"[\"'“”‘’「」『』《》〈〉]")
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)
_ENDS_PUNCT = re.compile(r"^[^\w(]+|[^\w)]+$", re.UNICODE)
_ORDINAL = re.compile(r"(?<=第)\d+|\d+(?=中学|小学|中(?![国华心])|医院|人民医院|研究所|研究院|"
                      r"设计院|分公司|分店|分厂|厂|支队|大队|中队|号|分院|分局|分校|幼儿园|"
                      r"局|处|团|师|军)")
_NUMERALS = set("零一二三四五六七八九十百千0123456789")
_MIN_DISTINCTIVE = 2

FOLDS = ("traditional", "numerals", "punctuation", "ampersand", "branch", "place",
         "legal_form", "legal_form_typo", "industry", "typo", "similar")


@functools.cache
def _t2s():
    import opencc  # packaged dictionaries, loaded on first use
    return opencc.OpenCC("t2s")


def _an2cn(digits):
    import cn2an
    return cn2an.an2cn(digits)


@dataclass(frozen=True)
class CompanyName:
    """A company name read into its parts. ``place`` is what the key keeps (empty when
    the places were dropped); ``dropped_places`` what it dropped."""
    original: str
    key: str
    place: str = ""
    core: str = ""          # 字号: the distinctive part
    industry: str = ""      # trailing trade words (科技, 电子商务 ...)
    legal_form: str = ""    # as written (有限公司, 股分有限公司, co ltd)
    branch: str = ""        # the branch's own label (上海分公司, 浦东支行)
    dropped_places: tuple = ()
    folds: frozenset = frozenset()
    latin: bool = False


def _is_generic(text):
    """True if ``text`` is made entirely of generic words (e.g. 科技发展, 第一人民医院)."""
    ends = {0}
    for end in range(1, len(text) + 1):
        if any(end - size in ends and text[end - size:end] in _GENERIC
               for size in range(1, min(end, _LONGEST_GENERIC) + 1)):
            ends.add(end)
    return len(text) in ends


def is_generic(text):
    return _is_generic(text)


def _generic_tail(text):
    """Where the trailing run of generic words begins (len(text) when there is none);
    never 0, so a name of trade words only keeps them as its core."""
    start = len(text)
    changed = True
    while changed:
        changed = False
        for size in range(min(_LONGEST_GENERIC, start - 1), 1, -1):
            if text[start - size:start] in _GENERIC:
                start -= size
                changed = True
                break
    return start


def _is_institution(text):
    return any(text.endswith(word) for word in _INSTITUTIONS)


# -- the steps --------------------------------------------------------------------------

def _clean(name, folds):
    text = unicodedata.normalize("NFKC", name or "").casefold()
    unaccented = "".join(c for c in unicodedata.normalize("NFKD", text)
                         if not unicodedata.combining(c))
    if unaccented.isascii():  # Nestlé is Nestle; a CJK name is left as it is
        text = unaccented
    if not text.isascii():
        simplified = _t2s().convert(text)
        if simplified != text:
            folds.add("traditional")
            text = simplified
    text = text.translate(str.maketrans(_OPEN + _CLOSE, "(" * len(_OPEN) + ")" * len(_CLOSE)))
    unquoted = _QUOTES.sub(" ", text)
    trimmed = _ENDS_PUNCT.sub("", unquoted).strip()
    if trimmed != _QUOTES.sub("", text).strip() and _QUOTES.sub("", text).strip():
        folds.add("punctuation")
    return trimmed


def _fold_ordinals(text, folds):
    folded = _ORDINAL.sub(lambda m: _an2cn(m.group(0)), text)
    if folded != text:
        folds.add("numerals")
    return folded


def _strip_branch(text):
    """``(parent, branch label)``: the branch part of a name, when it ends with one."""
    labels = []
    while True:
        word = next((w for w in _BRANCH_WORDS if text.endswith(w) and len(text) > len(w)),
                    None)
        if word is None:
            break
        head = text[: -len(word)]
        if word in _BRANCH_IF_COMPANY and _parent_end(head, ("公司", "集团")) is None:
            break  # 书店, 饭店, 中国科学院化学研究所: the body itself, not a branch
        if any(head.endswith(g) for g in _GOVERNMENT_BRANCH_HEADS):
            break
        cut = _parent_end(head)
        if cut is None:
            cut = _strip_trailing_places(head)
        if cut is None or cut < _MIN_DISTINCTIVE:
            break
        labels.insert(0, text[cut:])
        text = text[:cut]
    return text, "".join(labels)


def _parent_end(head, ends=_PARENT_ENDS):
    """Where the parent's name ends in ``head``: after its last legal form or parent word
    when at most a short label follows it (…有限公司上海, …银行浦东)."""
    best = None
    for end in ends:
        at = head.rfind(end)
        if at > 0 and len(head) - (at + len(end)) <= 12:
            cut = at + len(end)
            best = cut if best is None else max(best, cut)
    return best


def _strip_trailing_places(head):
    """Where a run of places and region words at the end of ``head`` begins."""
    cut = len(head)
    changed = True
    while changed and cut > 0:
        changed = False
        place = company_places.place_ending(head[:cut],
                                            levels=(NATION, PROVINCE, PREFECTURE, COUNTY))
        if place is not None:
            cut -= len(place.name)
            changed = True
            continue
        for region in _REGIONS:
            for written in (region + "区", region):
                if head[:cut].endswith(written):
                    cut -= len(written)
                    changed = True
                    break
            if changed:
                break
    return cut if cut < len(head) else None


def _strip_brackets(text, folds, places, branches):
    def replace(match):
        inner = match.group(1).strip()
        bare = inner.replace(" ", "")
        if not bare:
            return ""
        if company_places.is_place(bare) or bare.isascii() and bare.isalpha():
            places.append(bare)
            return " "
        if bare in _BRACKET_FORMS:
            folds.add("legal_form")
            return " "
        if any(bare.endswith(w) for w in _BRANCH_WORDS):
            branches.append(bare)
            return " "
        return f" {inner} "
    previous = None
    while previous != text:
        previous, text = text, _BRACKETED.sub(replace, text)
    return text.replace("(", " ").replace(")", " ")


def _strip_legal_forms(text, folds):
    found = []
    while True:
        form = next((f for f in _LEGAL_FORMS if text.endswith(f) and len(text) > len(f)), None)
        typo = _typo_form(text)
        if typo is not None and (form is None or len(typo) > len(form)):
            form = typo
            folds.add("legal_form_typo")
        if form is None:
            break
        found.insert(0, form)
        text = text[: -len(form)]
    return text, "".join(found)


def _typo_form(text):
    """The tail of ``text`` that is one character off a legal form (股分有限公司,
    有线公司, 有限工司, 有限司), or None."""
    from rapidfuzz.distance import Levenshtein
    for form in _TYPO_FORMS:
        for size in (len(form) + 1, len(form), len(form) - 1):
            tail = text[-size:]
            if (len(text) > size + 1 and tail[-1] in "司可" and tail != form
                    and tail[1:] not in _LEGAL_FORMS
                    and Levenshtein.distance(tail, form) == 1):
                return tail
    return None


# A town or township after its county (东莞市长安镇): below the packaged divisions.
_TOWN = re.compile(r"[\u4e00-\u9fff]{1,3}?(镇|乡|街道)")


def _strip_leading_places(text):
    """``(rest, places)``: the places written at the start, each after the one before."""
    found = []
    while True:
        place = company_places.place_at(text, after_place=bool(found))
        if place is None and found:
            town = _TOWN.match(text)
            if town and len(text) - town.end() >= _MIN_DISTINCTIVE:
                name = town.group(0)
                place = company_places.Place(name, name, COUNTY + 1, True)
        if place is None or len(text) - len(place.name) < 1:
            return text, found
        found.append(place)
        text = text[len(place.name):]
        for word in ("省", "市", "区", "县"):
            if text.startswith(word) and len(text) > 1 and not company_places.place_at(text):
                text = text[1:]
                break


def _drop_inner_place(text):
    """阿里巴巴中国网络技术 -> 阿里巴巴网络技术, 网易杭州网络 -> 网易网络: a nation,
    province or city between a distinctive 字号 and trade words only."""
    for at in range(_MIN_DISTINCTIVE, len(text) - 1):
        place = company_places.place_at(text, at)
        if place is None or place.level == COUNTY:
            continue
        after = text[at + len(place.name):]
        if (after and _is_generic(after) and not _is_generic(text[:at])
                and not _is_institution(text)):
            return text[:at] + after, place.name
    return text, None


def _read_chinese(text, folds):
    places_dropped, branches = [], []
    text = _strip_brackets(text, folds, places_dropped, branches)
    text = re.sub(r"[&＆+]", "", text)
    text = _NOT_WORD.sub("", text)
    text, branch = _strip_branch(text)
    if branch or branches:
        folds.add("branch")
        branch = branch + "".join(branches)
    text, legal_form = _strip_legal_forms(text, folds)
    if branch:  # 上海分公司 of …有限公司: the parent's form comes before the branch
        text, more = _strip_legal_forms(text, folds)
        legal_form = more + legal_form
    rest, leading = _strip_leading_places(text)
    rest, more_form = _strip_legal_forms(rest, folds)
    legal_form += more_form
    kept = ""
    if leading:
        national_only = all(p.level == NATION for p in leading)
        if national_only:  # 中国建设银行 is the only 建设银行; 中国银行 is not 银行
            keeps = rest in _GENERIC or rest in _INSTITUTIONS
        else:
            keeps = _is_generic(rest) or _is_institution(rest)
        if len(rest) < _MIN_DISTINCTIVE or keeps:
            kept = leading[-1].short if not national_only else "中国"
            if national_only and leading[-1].name != "中国":
                kept = leading[-1].name
        places_dropped += [p.name for p in leading]
    if not kept:
        trailing = company_places.place_ending(rest)
        if trailing is not None:
            head = rest[: -len(trailing.name)]
            if len(head) >= _MIN_DISTINCTIVE and not _is_generic(head) and not _is_institution(
                    rest):
                places_dropped.append(trailing.name)
                rest = head
                rest, more_form = _strip_legal_forms(rest, folds)
                legal_form += more_form
        rest, dropped = _drop_inner_place(rest)
        if dropped:
            places_dropped.append(dropped)
    if kept:
        places_dropped = [p for p in places_dropped if p != kept and
                          company_places.short_name(p) != kept]
    if not rest and not kept:  # a name that is only a place: keep it whole
        rest = text
    tail = _generic_tail(rest)
    if places_dropped:
        folds.add("place")
    if legal_form:
        folds.add("legal_form")
    return CompanyName(original="", key=_NOT_WORD.sub("", kept + rest), place=kept,
                       core=rest[:tail], industry=rest[tail:], legal_form=legal_form,
                       branch=branch, dropped_places=tuple(places_dropped),
                       folds=frozenset(folds))


def _strip_article(text):
    """"The Boeing Company" is Boeing: a leading English article names no one."""
    return text[4:] if text.startswith("the ") and len(text) > 4 else text


def _strip_en_suffixes(text):
    removed = []
    changed = True
    while changed:
        changed = False
        words = text.split()
        if len(words) > 2 and " ".join(words[-2:]) in _EN_SUFFIXES:
            removed.insert(0, " ".join(words[-2:]))
            words, changed = words[:-2], True
        elif len(words) > 1 and words[-1] in _EN_SUFFIXES:
            removed.insert(0, words.pop())
            changed = True
        text = " ".join(words)
    return text, " ".join(removed)


def _read_latin(text, folds):
    places_dropped = []
    text = _strip_brackets(text, folds, places_dropped, [])
    if "&" in text or re.search(r"\band\b", text):
        folds.add("ampersand")
    text = re.sub(r"[.,&'·・]", " ", text)
    words = [w for w in text.split() if w != "and"] or text.split()
    text = _strip_article(" ".join(words))
    text, legal_form = _strip_en_suffixes(text)
    if places_dropped:
        folds.add("place")
    if legal_form:
        folds.add("legal_form")
    key = _NOT_WORD.sub("", text)
    return CompanyName(original="", key=key, core=key, legal_form=legal_form,
                       dropped_places=tuple(places_dropped), folds=frozenset(folds), latin=True)


@functools.lru_cache(maxsize=65536)
def company_name(name):
    """``name`` read into its parts (a blank name has the empty key)."""
    folds = set()
    text = _clean(name if isinstance(name, str) else "", folds)
    if not text.strip():
        return CompanyName(original=name or "", key="")
    if text.isascii():
        read = _read_latin(" ".join(text.split()), folds)
    else:
        text = _fold_ordinals(text, folds)
        read = _read_chinese(text, folds)
    return CompanyName(**{**read.__dict__, "original": name})


def normalise_company_name(name):
    """The comparison key of a company name ('' for a blank name)."""
    return company_name(name).key


_FORM_WORDS = sorted(set(_LEGAL_FORMS) | set(_BRANCH_WORDS), key=len, reverse=True)


def _only_form_words(text):
    """True if ``text`` is made of legal forms and branch words alone (有限公司, 分公司)."""
    while text:
        word = next((w for w in _FORM_WORDS if text.endswith(w)), None)
        if word is None:
            return False
        text = text[: -len(word)]
    return True


def company_name_problem(name):
    """Why ``name`` names no company (None when it does): punctuation or symbols only, or
    a legal form, branch word or place alone (有限公司, 分公司, Inc., 北京市)."""
    if not isinstance(name, str) or not name.strip():
        return "Must not be blank."
    key = company_name(name).key
    if not key:
        return "Names no company: it has no letters or characters, only punctuation or symbols."
    if company_places.is_place(key) or company_places.is_place(key.rstrip("省市区县")):
        return "Names no company: it is only a place."
    compact = _NOT_WORD.sub("", _t2s().convert(unicodedata.normalize("NFKC", name).casefold()))
    words = re.sub(r"[.,&']", " ", unicodedata.normalize("NFKC", name).casefold()).split()
    if _only_form_words(compact) or (name.isascii() and words and all(
            w in _EN_SUFFIXES for w in words)):
        return "Names no company: it is only a legal form or a branch word."
    return None


def is_meaningful_company_name(name):
    return company_name_problem(name) is None


# -- candidate selection ----------------------------------------------------------------

@functools.cache
def _common_homophones():
    """``{toneless pinyin: common characters}`` over GB2312's level-1 characters (the
    3,755 most used: a typo is made with a common character)."""
    from pypinyin import Style, lazy_pinyin  # packaged dictionary, loaded on first use
    by_sound = {}
    for high in range(0xB0, 0xD8):
        for low in range(0xA1, 0xFF):
            try:
                char = bytes((high, low)).decode("gb2312")
            except UnicodeDecodeError:
                continue
            by_sound.setdefault(lazy_pinyin(char, style=Style.NORMAL)[0], set()).add(char)
    return by_sound


def sound_alikes(char):
    """``char`` and the common characters that sound like it (讯: 迅, 逊, 巡 ...)."""
    from pypinyin import Style, lazy_pinyin
    if char.isascii():
        return {char}
    return {char} | _common_homophones().get(lazy_pinyin(char, style=Style.NORMAL)[0], set())


def candidate_pattern(prefix):
    """The anchored regular expression a store selects conflict candidates by, from the
    key prefix it was given (two Chinese characters, three Latin ones). For a Chinese
    prefix its second character may be any sound-alike (腾迅 finds 腾讯): the commonest
    typo. The first character stays literal, so the search is still an index range
    scan over the keys starting with it."""
    if len(prefix) == 2 and not prefix.isascii():
        alikes = "".join(sorted(re.escape(c) for c in sound_alikes(prefix[1])))
        return f"^{re.escape(prefix[0])}[{alikes}]"
    return "^" + re.escape(prefix)
