"""Company-name normalisation: the duplicate-check key (查重) for customers and leads.

Two tables: names one company goes by, which must share a key, and names of different
companies, which must not. A false "same" links a lead to the wrong customer; a false
"different" creates a duplicate customer.
"""
import pytest

from sfa_common.company_names import normalise_company_name

SAME = [
    # (why, one spelling, another spelling)
    ("full-width vs half-width Latin", "ＡＢＣ Technology Co., Ltd.", "ABC Technology Co., Ltd."),
    ("full-width everything", "ＨＵＡＷＥＩ　ＴＥＣＨＮＯＬＯＧＩＥＳ　ＣＯ．，ＬＴＤ．",
     "Huawei Technologies Co., Ltd"),
    ("full-width brackets", "华为技术（中国）有限公司", "华为技术(中国)有限公司"),
    ("case", "TENCENT HOLDINGS LTD", "Tencent Holdings Ltd"),
    ("spaces inside a Chinese name", "上海 浦东 发展 银行", "上海浦东发展银行"),
    ("spaces and punctuation in English", "Acme, Inc.", "ACME INC"),
    ("quotation marks", "“顺丰”速运有限公司", "顺丰速运"),
    ("middle dot", "可口可乐·中国", "可口可乐中国"),
    ("有限公司 vs none", "比亚迪有限公司", "比亚迪"),
    ("股份有限公司 vs 有限公司", "华为技术股份有限公司", "华为技术有限公司"),
    ("有限责任公司", "小米科技有限责任公司", "小米科技"),
    ("集团股份有限公司", "美的集团股份有限公司", "美的"),
    ("集团控股有限公司", "阿里巴巴集团控股有限公司", "阿里巴巴集团"),
    ("集团公司", "海尔集团公司", "海尔"),
    ("（中国） bracket", "阿里巴巴（中国）有限公司", "阿里巴巴集团"),
    ("（集团） bracket", "顺丰速运（集团）有限公司", "顺丰速运有限公司"),
    ("city in brackets vs city prefix", "腾讯科技（深圳）有限公司", "深圳市腾讯科技有限公司"),
    ("city in brackets vs none", "网易（杭州）网络有限公司", "网易网络有限公司"),
    ("北京 prefix", "北京字节跳动科技有限公司", "字节跳动科技有限公司"),
    ("北京 prefix and （中国）", "北京华为技术有限公司", "华为技术（中国）有限公司"),
    ("上海市 prefix", "上海市锦江国际酒店有限公司", "锦江国际酒店"),
    ("深圳市 prefix", "深圳市大疆创新科技有限公司", "大疆创新科技有限公司"),
    ("省 prefix", "安徽省科大讯飞股份有限公司", "科大讯飞股份有限公司"),
    ("province and city prefixes", "广东省深圳市华为技术有限公司", "华为技术有限公司"),
    ("city prefix vs province prefix", "珠海格力电器股份有限公司", "广东格力电器有限公司"),
    ("中国 prefix on a national body", "中国建设银行股份有限公司", "建设银行"),
    ("中国 prefix and （集团）", "中国平安保险（集团）股份有限公司", "平安保险"),
    ("市 dropped where the city is kept", "上海市第一人民医院", "上海第一人民医院"),
    ("bank keeps its city, loses its legal form", "北京银行股份有限公司", "北京银行"),
    ("English Co., Ltd.", "Shanghai Electric Group Co., Ltd.", "Shanghai Electric"),
    ("English Inc.", "Apple Inc.", "apple"),
    ("English Corporation vs Corp.", "Microsoft Corporation", "Microsoft Corp."),
    ("English Group Limited", "Lenovo Group Limited", "LENOVO"),
    ("English Holding Limited", "Alibaba Group Holding Limited", "Alibaba"),
    ("English (China) Co., Limited", "IBM (China) Co., Limited", "IBM"),
    ("English (Shanghai) vs AG", "Siemens (Shanghai) Co., Ltd.", "Siemens AG"),
    ("English Company Limited", "Haier Smart Home Company Limited", "haier smart home"),
    ("English GmbH", "Robert Bosch GmbH", "Robert Bosch"),
    ("English leading The", "The Boeing Company", "Boeing"),
    ("English &", "Procter & Gamble Co.", "Procter Gamble"),
]

DIFFERENT = [
    # (why, one company, another company)
    ("city banks: the city is the name", "北京银行", "上海银行"),
    ("city banks with legal forms", "北京银行股份有限公司", "上海银行股份有限公司"),
    ("different companies", "华为", "中兴"),
    ("different companies with suffixes", "华为技术有限公司", "中兴通讯股份有限公司"),
    ("generic trade word after a city", "上海科技", "北京科技"),
    ("generic words after a city", "上海科技有限公司", "北京科技有限公司"),
    ("two generic words after a city", "上海科技发展有限公司", "北京科技发展有限公司"),
    ("SAIC vs BAIC", "上海汽车集团股份有限公司", "北京汽车股份有限公司"),
    ("two airlines", "海南航空控股股份有限公司", "四川航空股份有限公司"),
    ("two breweries", "青岛啤酒股份有限公司", "哈尔滨啤酒有限公司"),
    ("two hospitals", "北京第一人民医院", "上海第一人民医院"),
    ("two universities", "北京大学", "南京大学"),
    ("two TV stations", "湖南卫视", "浙江卫视"),
    ("different national banks", "中国银行", "中国农业银行"),
    ("national bank vs the bare trade word", "中国银行", "银行"),
    ("different operators", "中国移动", "中国联通"),
    ("one distinctive word differs", "华为技术有限公司", "华为终端有限公司"),
    ("one distinctive word differs after a city", "深圳市大疆创新科技有限公司",
     "深圳市大疆百旺科技有限公司"),
    ("same brand, different business", "腾讯科技有限公司", "腾讯音乐娱乐有限公司"),
    ("same start, different firm", "招商银行", "招商证券"),
    ("same characters, other order", "京东", "东京"),
    ("group vs its subsidiary", "吉利控股集团", "吉利汽车"),
    ("English: one word differs", "General Motors", "General Electric"),
    ("English: the city is the name", "Bank of Beijing", "Bank of Shanghai"),
    ("English city prefixes are kept", "Shanghai Electric", "Beijing Electric"),
    ("English: a letter differs", "ABC Company", "ABD Company"),
    ("English: a distinctive word added", "Apple Inc.", "Apple Records Ltd."),
]


@pytest.mark.parametrize(("why", "one", "other"), SAME, ids=[row[0] for row in SAME])
def test_names_of_one_company_share_a_key(why, one, other):
    key = normalise_company_name(one)
    assert key == normalise_company_name(other), why
    assert key, "a real name never normalises to nothing"


@pytest.mark.parametrize(("why", "one", "other"), DIFFERENT, ids=[row[0] for row in DIFFERENT])
def test_names_of_different_companies_keep_different_keys(why, one, other):
    assert normalise_company_name(one) != normalise_company_name(other), why


def test_the_tables_are_big_enough_to_mean_something():
    assert len(SAME) >= 25
    assert len(DIFFERENT) >= 15


@pytest.mark.parametrize(("name", "key"), [
    ("北京华为技术有限公司", "华为技术"),  # the example the leads service relies on
    ("ＡＢＣ Technology Co., Ltd.", "abctechnology"),
    ("上海市第一人民医院", "上海第一人民医院"),
])
def test_known_keys(name, key):
    assert normalise_company_name(name) == key


@pytest.mark.parametrize("blank", ["", "   ", "\u3000", None])
def test_a_blank_name_has_the_empty_key(blank):
    assert normalise_company_name(blank) == ""


@pytest.mark.parametrize("name", sorted({n for row in SAME + DIFFERENT for n in row[1:]}))
def test_a_key_is_its_own_key(name):
    # Stored keys can be re-normalised (e.g. after a rule change) without drifting.
    key = normalise_company_name(name)
    assert normalise_company_name(key) == key


@pytest.mark.parametrize("name", ["有限公司", "集团", "Inc.", "北京", "深圳市", "中国"])
def test_a_name_that_is_only_a_suffix_or_a_place_keeps_something(name):
    assert normalise_company_name(name) != ""
