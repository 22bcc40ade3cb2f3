"""Names and codes a county bureau would recognise: counties, townships, land-use classes, documents.

The township lists of the three seed counties are their real township names; their positions in the
demo data are synthetic (Voronoi cells), so nothing here is meant to match the real map.
"""

COUNTY_NAMES = {"370323": "沂源县", "140827": "垣曲县", "140928": "五寨县"}

# Central towns first: the township nearest the county centre gets the first name.
TOWNSHIP_NAMES = {
    "370323": ["南麻街道", "历山街道", "悦庄镇", "东里镇", "鲁村镇", "大张庄镇", "燕崖镇", "中庄镇",
               "张家坡镇", "石桥镇", "西里镇", "南鲁山镇"],
    "140827": ["新城镇", "古城镇", "历山镇", "王茅镇", "毛家湾镇", "皋落乡", "英言乡", "解峪乡",
               "华峰乡", "长直乡", "蒲掌乡", "同善镇"],
    "140928": ["砚城镇", "小河头镇", "三岔镇", "前所乡", "李家坡乡", "新寨乡", "孙家坪乡", "杏岭子乡",
               "胡会乡", "韩家楼乡", "东秀庄乡", "梁家坪乡"],
}
GENERIC_TOWNSHIP_NAMES = ["城关镇", "东关镇", "西关镇", "南关镇", "北关镇", "河口镇", "新集镇", "柳林乡",
                          "石门乡", "马庄乡", "杨家庄乡", "白水乡", "龙泉镇", "青石乡", "梨园乡", "黄岗镇"]

# Abbreviations used in provincial approval numbers (鲁政土字〔2023〕123号).
PROVINCE_ABBREVIATIONS = {
    "11": "京", "12": "津", "13": "冀", "14": "晋", "15": "蒙", "21": "辽", "22": "吉", "23": "黑",
    "31": "沪", "32": "苏", "33": "浙", "34": "皖", "35": "闽", "36": "赣", "37": "鲁", "41": "豫",
    "42": "鄂", "43": "湘", "44": "粤", "45": "桂", "46": "琼", "50": "渝", "51": "川", "52": "黔",
    "53": "滇", "54": "藏", "61": "陕", "62": "甘", "63": "青", "64": "宁", "65": "新",
}

# 三调 land-use classes (GB/T 21010-2017 and the 三调 working classification): code -> name.
# 1202 is 设施农用地 and 1206 裸土地 in 三调; both appear, since facility farmland matters here.
LAND_USE = {
    "0101": "水田", "0102": "水浇地", "0103": "旱地", "0201": "果园", "0301": "乔木林地",
    "0404": "其他草地", "0702": "农村宅基地", "1003": "公路用地", "1101": "河流水面",
    "1202": "设施农用地", "1206": "裸土地",
}
LAND_USE_CODES = list(LAND_USE)  # class index -> DLBM
CULTIVATED_CODES = ("0101", "0102", "0103")

CHANGE_TYPES = ("新增建设用地", "推填土", "其他")  # BHLX as delivered
BATCH = "2024年度"

ECO_PLACES = ("北部山区", "南部山区", "东部丘陵", "西部山区", "中部河谷", "水库周边", "源头湿地", "森林公园")
ECO_FUNCTIONS = ("水源涵养", "生物多样性维护", "水土保持")

# Approval layers: layer name -> (PZLX as staff write it, Chinese layer title).
APPROVAL_KINDS = {
    "nzy": ("农转用", "农用地转用批准"),
    "zs": ("征收", "土地征收批准"),
    "gd": ("供地", "建设用地供应"),
    "ssny": ("设施农用地备案", "设施农用地备案"),
    "lsyd": ("临时用地", "临时用地批准"),
}

INSPECTORS = ("王建国", "李明", "张伟", "刘洋", "陈静", "赵磊", "孙丽", "周强", "吴海涛", "郑红梅",
              "马俊", "朱晓东", "胡文斌", "高原", "林秀英", "何志刚")


def county_name(county_code):
    return COUNTY_NAMES.get(county_code, f"{county_code}县")


def county_short_name(county_code):
    """沂源县 -> 沂源: the prefix of county-level document numbers."""
    name = county_name(county_code)
    return name[:-1] if name.endswith("县") and len(name) > 2 else name


def township_names(county_code, count):
    names = TOWNSHIP_NAMES.get(county_code, []) + [n for n in GENERIC_TOWNSHIP_NAMES]
    unique = list(dict.fromkeys(names))
    if count > len(unique):
        raise ValueError(f"at most {len(unique)} townships have names")
    return unique[:count]


def approval_number(county_code, kind, year, serial):
    """A document number of the kind a bureau files: provincial for 农转用/征收, county otherwise."""
    province = PROVINCE_ABBREVIATIONS.get(county_code[:2], "省")
    short = county_short_name(county_code)
    pattern = {
        "nzy": f"{province}政土字〔{year}〕{serial}号",
        "zs": f"{province}政征字〔{year}〕{serial}号",
        "gd": f"{short}自然资供字〔{year}〕{serial}号",
        "ssny": f"{short}设农备〔{year}〕{serial}号",
        "lsyd": f"{short}临用地字〔{year}〕{serial}号",
    }
    return pattern[kind]
