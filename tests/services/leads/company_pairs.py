"""Labelled company-name pairs for the registration conflict check, and its precision
and recall on them. ``python tests/services/leads/company_pairs.py`` prints the figures
for the rule the service uses and for the measures it was chosen over.

Each pair is (name, name, same company?). The tricky ones are here on purpose: legal
suffixes, full-width letters, （中国）/(Beijing) brackets, city and province prefixes
that say where (北京华为) against places that say who (北京银行 / 上海银行), national
prefixes, English names, typos, group members that are different companies, and
names where one is a prefix of the other.
"""
import difflib
import sys
from pathlib import Path

from sfa_common.company_names import normalise_company_name

SAME, DIFFERENT = True, False

PAIRS = [
    # -- the same company -------------------------------------------------------------
    ("华为技术有限公司", "华为技术（中国）有限公司", SAME),
    ("北京华为技术有限公司", "华为技术有限公司", SAME),
    ("ＡＢＣ Technology Co., Ltd.", "ABC Technology Ltd", SAME),
    ("腾讯科技（深圳）有限公司", "腾讯科技有限公司", SAME),
    ("阿里巴巴（中国）网络技术有限公司", "阿里巴巴网络技术有限公司", SAME),
    ("上海市第一人民医院", "上海第一人民医院", SAME),
    ("中国建设银行股份有限公司", "建设银行", SAME),
    ("Microsoft Corporation", "Microsoft Corp.", SAME),
    ("The Boeing Company", "Boeing", SAME),
    ("小米科技有限责任公司", "小米科技有限公司", SAME),
    ("深圳市大疆创新科技有限公司", "大疆创新科技有限公司", SAME),
    ("京东集团股份有限公司", "京东集团", SAME),
    ("联想（北京）有限公司", "联想集团有限公司", SAME),
    ("比亚迪股份有限公司", "比亚迪汽车有限公司", SAME),
    ("华为技术有限公司", "华为技术公司", SAME),
    ("Huawei Technologies Co., Ltd.", "HUAWEI TECHNOLOGIES CO LTD", SAME),
    ("Siemens AG", "Siemens (China) Co., Ltd.", SAME),
    ("美团点评", "北京美团点评", SAME),
    ("海尔集团公司", "青岛海尔股份有限公司", SAME),
    ("字节跳动有限公司", "北京字节跳动科技有限公司", SAME),
    ("网易（杭州）网络有限公司", "网易网络有限公司", SAME),
    ("中兴通讯股份有限公司", "中兴通讯", SAME),
    ("广东美的制冷设备有限公司", "美的制冷设备有限公司", SAME),
    ("格力电器", "珠海格力电器股份有限公司", SAME),
    ("百度在线网络技术（北京）有限公司", "百度在线网络技术有限公司", SAME),
    ("International Business Machines Corp", "International Business Machines Corporation",
     SAME),
    ("Acme Widgets Inc.", "ACME WIDGETS, INC", SAME),
    ("Ｔｅｎｃｅｎｔ Holdings Limited", "Tencent Holdings Ltd", SAME),
    ("三一重工股份有限公司", "三一重工", SAME),
    ("顺丰速运有限公司", "顺丰速运（集团）有限公司", SAME),
    ("宁德时代新能源科技股份有限公司", "宁德时代新能源科技有限公司", SAME),
    ("招商银行股份有限公司", "招商银行", SAME),
    ("中国平安保险（集团）股份有限公司", "平安保险股份有限公司", SAME),
    ("蔚来汽车", "上海蔚来汽车有限公司", SAME),
    ("Alibaba Group Holding Limited", "Alibaba Group", SAME),
    ("北京字节跳动网络技术有限公司", "字节跳动网络技术有限公司", SAME),
    ("中国移动通信集团有限公司", "中国移动通信有限公司", SAME),
    ("Shenzhen Mindray Bio-Medical Electronics Co., Ltd.", "Mindray Bio-Medical Electronics",
     SAME),
    ("杭州海康威视数字技术股份有限公司", "海康威视数字技术有限公司", SAME),
    ("Procter & Gamble Company", "Procter and Gamble Co", SAME),
    ("腾迅科技有限公司", "腾讯科技有限公司", SAME),            # a typo: 迅 for 讯
    ("Hewlett-Packard Company", "Hewlett Packard Inc.", SAME),
    ("苏州科沃斯机器人有限公司", "科沃斯机器人股份有限公司", SAME),
    ("江苏恒瑞医药股份有限公司", "恒瑞医药", SAME),
    ("广州市白云山医药集团股份有限公司", "白云山医药集团", SAME),
    # -- different companies ------------------------------------------------------------
    ("北京银行", "上海银行", DIFFERENT),
    ("上海汽车集团股份有限公司", "北京汽车集团有限公司", DIFFERENT),
    ("山东航空股份有限公司", "四川航空股份有限公司", DIFFERENT),
    ("上海科技发展有限公司", "北京科技发展有限公司", DIFFERENT),
    ("中国银行", "中国建设银行", DIFFERENT),
    ("华为技术有限公司", "华夏银行", DIFFERENT),
    ("平安银行", "平安保险", DIFFERENT),
    ("Apple Inc.", "Applied Materials Inc.", DIFFERENT),
    ("长城汽车股份有限公司", "长城宽带网络服务有限公司", DIFFERENT),
    ("中信银行", "中信证券", DIFFERENT),
    ("招商银行", "招商证券", DIFFERENT),
    ("腾讯科技有限公司", "腾达科技有限公司", DIFFERENT),
    ("深圳市第一人民医院", "上海市第一人民医院", DIFFERENT),
    ("北京第二人民医院", "北京第三人民医院", DIFFERENT),
    ("中国工商银行", "中国农业银行", DIFFERENT),
    ("General Motors Company", "General Electric Company", DIFFERENT),
    ("American Express", "American Airlines", DIFFERENT),
    ("Bank of China", "Bank of Communications", DIFFERENT),
    ("华润置地有限公司", "华润万家有限公司", DIFFERENT),
    ("阿里巴巴", "阿里健康", DIFFERENT),
    ("上海电气集团", "上海电力股份有限公司", DIFFERENT),
    ("Microsoft Corporation", "Microchip Technology Inc.", DIFFERENT),
    ("Delta Air Lines", "Delta Electronics", DIFFERENT),
    ("京东方科技集团股份有限公司", "京东集团", DIFFERENT),
    ("中国人民保险集团", "中国人寿保险", DIFFERENT),
    ("东方航空", "南方航空", DIFFERENT),
    ("ABC Technology Co., Ltd.", "ABD Technology Co., Ltd.", DIFFERENT),
    ("深圳华强集团", "深圳华侨城集团", DIFFERENT),
    ("中国石油", "中国石化", DIFFERENT),
    ("华为技术有限公司", "华硕电脑股份有限公司", DIFFERENT),
    ("Siemens AG", "Siemens Energy AG", DIFFERENT),
    ("北京大学", "清华大学", DIFFERENT),
    ("浙江大华技术股份有限公司", "浙江大学", DIFFERENT),
    ("上海浦东发展银行", "上海农商银行", DIFFERENT),
    ("Tencent Holdings", "Tencent Music Entertainment", DIFFERENT),
    ("Sony Group Corporation", "Sanyo Electric Co., Ltd.", DIFFERENT),
    ("美的集团", "美的置业", DIFFERENT),
    ("中国国际航空", "中国东方航空", DIFFERENT),
    ("海康威视", "海信视像", DIFFERENT),
    ("Oracle Corporation", "Orange S.A.", DIFFERENT),
]

PRECISION_FLOOR, RECALL_FLOOR = 0.95, 0.9


def _dice(a, b):
    from leads.conflicts import similarity
    return similarity(a, b)


def _difflib(a, b):
    return difflib.SequenceMatcher(None, a, b).ratio() if a and b else 0.0


def _jaccard(a, b):
    from leads.conflicts import bigrams
    first, second = bigrams(a), bigrams(b)
    return len(first & second) / len(first | second) if first and second else 0.0


def _dice_or_prefix(a, b):
    shorter, longer = sorted((a, b), key=len)
    return 1.0 if len(shorter) >= 2 and longer.startswith(shorter) else _dice(a, b)


MEASURES = {"bigram dice (used)": _dice, "difflib ratio": _difflib,
            "bigram jaccard": _jaccard, "dice + whole-prefix": _dice_or_prefix}


def evaluate(same_company, pairs=PAIRS):
    """Precision and recall of ``same_company(name, name)`` over the labelled pairs,
    with the pairs it got wrong."""
    true_pos = false_pos = false_neg = 0
    wrong = []
    for first, second, same in pairs:
        said = same_company(first, second)
        true_pos += said and same
        false_pos += said and not same
        false_neg += same and not said
        if said != same:
            wrong.append((first, second, same))
    precision = true_pos / (true_pos + false_pos) if true_pos + false_pos else 1.0
    recall = true_pos / (true_pos + false_neg) if true_pos + false_neg else 1.0
    return precision, recall, wrong


def rule_for(measure, threshold):
    def same_company(first, second):
        a, b = normalise_company_name(first), normalise_company_name(second)
        return a == b or measure(a, b) >= threshold
    return same_company


def service_rule(threshold=None):
    from leads.conflicts import DEFAULT_THRESHOLD, company_names_conflict

    def same_company(first, second):
        return company_names_conflict(first, second,
                                      DEFAULT_THRESHOLD if threshold is None else threshold)
    return same_company


def main():
    from leads.conflicts import DEFAULT_THRESHOLD
    same = sum(1 for *_, label in PAIRS if label)
    print(f"{len(PAIRS)} labelled pairs: {same} same company, {len(PAIRS) - same} different")
    precision, recall, wrong = evaluate(service_rule())
    print(f"service rule (same code | same normalised name | dice >= {DEFAULT_THRESHOLD}): "
          f"precision {precision:.3f}  recall {recall:.3f}")
    for first, second, label in wrong:
        print(f"    wrong: {first} / {second} (labelled {'same' if label else 'different'})")
    print("\nmeasure by threshold (precision / recall):")
    thresholds = (0.6, 0.7, 0.75, 0.8, 0.85, 0.9)
    print(" " * 22 + "".join(f"{t:>13}" for t in thresholds))
    for name, measure in MEASURES.items():
        cells = []
        for threshold in thresholds:
            p, r, _ = evaluate(rule_for(measure, threshold))
            cells.append(f"{p:.2f} / {r:.2f}")
        print(f"{name:<22}" + "".join(f"{cell:>13}" for cell in cells))


if __name__ == "__main__":
    root = Path(__file__).resolve().parents[3]
    sys.path[:0] = [str(root / "services" / "leads"), str(root / "services" / "common")]
    main()
