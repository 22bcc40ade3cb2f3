"""The field-verification sheet (现场核查表) township staff return, filled for ~70 % of the patches.

Values come from the controlled vocabularies (DOMAIN.md) and agree with the data: a patch fully
covered by an approval is 合法 with that approval's number, a partly covered one 违法 批少占多,
and so on. Like real returns, some cells carry stray blanks or full-width spaces (to be accepted),
dates are typed several ways, and three rows are wrong on purpose (to be refused).
"""
import datetime
import io
import re
import zipfile

from . import names

HEADERS = ("监测编号", "乡镇名称", "判定结果", "用地类型", "违法类型", "批准文号", "整改状态", "整改措施",
           "是否立案", "线索来源", "核查人", "核查日期", "备注")
FILLED_SHARE = 0.70
SLOPPY_SHARE = 0.05  # vocabulary cells typed with surrounding blanks / full-width spaces
LEAD_SOURCES = (("卫片", 0.70), ("巡查", 0.12), ("村级报告", 0.08), ("群众举报", 0.05), ("媒体曝光", 0.02),
                ("上级交办", 0.03))
MEASURES = ("拆除复耕", "没收、罚款", "补办手续、罚款", "拆除复耕、罚款", "移送", "罚款")
OTHER_KINDS = ("伪变化", "未变化", "农业结构调整")
FIXED_TIME = datetime.datetime(2024, 12, 31, 0, 0, 0)
VOCABULARY_COLUMNS = ("判定结果", "用地类型", "违法类型", "整改状态", "整改措施", "是否立案", "线索来源")


def _pick(rng, weighted):
    values, weights = zip(*weighted)
    return values[int(rng.choice(len(values), p=[w / sum(weights) for w in weights]))]


def verdict_for(rng, patch):
    """(判定结果, 用地类型, 违法类型, 批准文号, 备注) that agree with the patch's approvals."""
    approval = patch.approval
    if approval.get("status") == "full":
        kinds, number = approval["kinds"], approval["approval"].pzwh
        if kinds == ["ssny"]:
            return "合法", "设施农用地", None, number, "设施农用地已备案"
        if kinds == ["lsyd"]:
            return "合法", "临时用地", None, number, "临时用地已批准"
        if "gd" not in kinds and rng.random() < 0.5:
            return "违法", "建设用地", "未供即用", number, "已批未供"
        return "合法", "建设用地", None, number, None
    if approval.get("status") == "partial":
        return "违法", "建设用地", "批少占多", approval["approval"].pzwh, f"批准范围约占{approval['share']:.0%}"
    draw = rng.random()
    if draw < 0.35:
        return "其他", "其他", None, None, str(rng.choice(OTHER_KINDS))
    if patch.bhlx == "推填土":
        violation = "非法采矿" if rng.random() < 0.3 else "其他违法"
        return "违法", "其他", violation, None, None
    if patch.land_use == "1202" or rng.random() < 0.06:
        return "违法", "设施农用地", "大棚房", None, None
    return "违法", "建设用地", ("未批先建" if rng.random() < 0.85 else "批甲占乙"), None, None


def record_for(rng, patch, township_name, inspector):
    verdict, land_use, violation, number, notes = verdict_for(rng, patch)
    record = dict.fromkeys(HEADERS)
    record.update({"监测编号": patch.jcbh, "乡镇名称": township_name, "判定结果": verdict, "用地类型": land_use,
                   "违法类型": violation, "批准文号": number, "线索来源": _pick(rng, LEAD_SOURCES),
                   "核查人": inspector, "备注": notes})
    if verdict == "违法":
        status = _pick(rng, (("未整改", 0.4), ("整改中", 0.3), ("已整改", 0.3)))
        record["整改状态"] = status
        if status != "未整改":
            record["整改措施"] = str(rng.choice(MEASURES))
        record["是否立案"] = "是" if patch.tbmj >= 10 or rng.random() < 0.35 else "否"
    hsx = datetime.date.fromisoformat(patch.hsx)
    record["核查日期"] = hsx + datetime.timedelta(days=int(rng.integers(7, 76)))
    return record


def _typed_date(rng, day):
    """Dates as staff enter them: mostly real date cells, some typed text."""
    draw = rng.random()
    if draw < 0.85:
        return day
    if draw < 0.95:
        return day.strftime("%Y/%m/%d")
    return f"{day.year}年{day.month}月{day.day}日"


def _sloppy(rng, value):
    """A value with stray blanks or full-width spaces around it (the importer must accept these)."""
    pad = str(rng.choice([" ", "\u3000", "  ", " \u3000"]))
    return pad + value if rng.random() < 0.5 else value + pad


def build_records(rng, patches, townships):
    """(records, visit dates by JCBH, unfilled patches)."""
    inspectors = {}
    order = rng.permutation(len(patches))
    filled = sorted(order[:int(round(FILLED_SHARE * len(patches)))])
    unfilled = [patches[k] for k in sorted(order[int(round(FILLED_SHARE * len(patches))):])]
    records, visits = [], {}
    for k in filled:
        patch = patches[k]
        inspector = inspectors.setdefault(patch.township, str(rng.choice(names.INSPECTORS)))
        record = record_for(rng, patch, townships.names[patch.township], inspector)
        visits[patch.jcbh] = record["核查日期"]
        records.append(record)
    return records, visits, unfilled


def bad_rows(rng, county_code, patches, unfilled, townships, year):
    """Three rows a careful import must refuse, each with what is wrong."""
    unknown = f"{county_code}{year}{len(patches) + 500:06d}"
    code_patch, date_patch = unfilled[0], unfilled[1]
    base = {"判定结果": "违法", "用地类型": "建设用地", "违法类型": "未批先建", "整改状态": "未整改",
            "是否立案": "否", "线索来源": "卫片", "核查人": "王建国", "核查日期": datetime.date(year, 11, 20)}
    rows = [
        (dict(base, 监测编号=unknown, 乡镇名称=townships.names[0]),
         f"监测编号“{unknown}”不在图斑中 / unknown monitoring number"),
        (dict(base, 监测编号=code_patch.jcbh, 乡镇名称=townships.names[code_patch.township], 违法类型="乱占耕地"),
         "违法类型“乱占耕地”不在允许值中 / violation type not in the vocabulary"),
        (dict(base, 监测编号=date_patch.jcbh, 乡镇名称=townships.names[date_patch.township], 核查日期=f"{year}-13-08"),
         f"核查日期“{year}-13-08”不是日期 / verification date is not a date"),
    ]
    return [(dict(dict.fromkeys(HEADERS), **row), problem) for row, problem in rows]


def write_sheet(rng, path, records, bad):
    """Write the sheet; bad rows are spread through it. Returns [{row, jcbh, problem}]."""
    import openpyxl
    from openpyxl.styles import Font

    rows = [(record, None) for record in records]
    for n, (record, problem) in enumerate(bad):
        rows.insert(int(len(rows) * (n + 1) / (len(bad) + 1)), (record, problem))
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "核查结果"
    sheet.append(list(HEADERS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    reported, sloppy = [], 0
    for index, (record, problem) in enumerate(rows):
        values = []
        for header in HEADERS:
            value = record[header]
            if header == "核查日期" and isinstance(value, datetime.date) and problem is None:
                value = _typed_date(rng, value)
            elif header in VOCABULARY_COLUMNS and value and problem is None and rng.random() < SLOPPY_SHARE:
                value, sloppy = _sloppy(rng, value), sloppy + 1
            values.append(value)
        sheet.append(values)
        excel_row = index + 2
        sheet.cell(excel_row, HEADERS.index("核查日期") + 1).number_format = "yyyy-mm-dd"
        if problem:
            reported.append({"row": excel_row, "jcbh": record["监测编号"], "problem": problem})
    for letter, width in zip("ABCDEFGHIJKLM", (20, 12, 10, 12, 12, 26, 10, 18, 10, 10, 10, 12, 24)):
        sheet.column_dimensions[letter].width = width
    workbook.properties.creator = "demodata"
    workbook.properties.created = FIXED_TIME
    workbook.save(path)
    make_reproducible(path)
    return reported, sloppy


def make_reproducible(path):
    """openpyxl stamps the save time into docProps/core.xml and the zip entries: fix both."""
    with zipfile.ZipFile(path) as archive:
        entries = [(info.filename, archive.read(info.filename)) for info in archive.infolist()]
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            if name == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rb"\g<1>" + stamp + rb"\g<2>", data)
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    with open(path, "wb") as handle:
        handle.write(buffer.getvalue())
