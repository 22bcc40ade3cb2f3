"""`make demo`: build the demo county and run the headless pipeline on it, as a bureau would.

The plugin is installed into a private QGIS profile under the output folder and driven through
`qgis_process`, exactly the way the province's and the city's scripts will call it; the user's
own QGIS profile is left alone.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

# E402 is wrong for these two: demodata is found only through the sys.path line above.
from demodata.county import APPROVAL_LAYERS as APPROVAL_LAYER_KINDS  # noqa: E402
from demodata.county import generate_county  # noqa: E402

APPROVAL_LAYERS = [name for name, _ in APPROVAL_LAYER_KINDS]


def qgis_process(profile, *args, refused=False):
    """stdout of a qgis_process call; with refused=True the call must fail, and what it said is returned."""
    env = dict(os.environ, QGIS_CUSTOM_CONFIG_PATH=profile, QT_QPA_PLATFORM="offscreen")
    completed = subprocess.run(["qgis_process", *args], env=env, capture_output=True, text=True)
    if refused:
        if completed.returncode == 0:
            raise SystemExit(f"qgis_process {' '.join(args[:2])} should have refused")
        return completed.stdout + completed.stderr
    if completed.returncode != 0:
        sys.stderr.write(completed.stdout + completed.stderr)
        raise SystemExit(f"qgis_process {' '.join(args[:2])} failed")
    return completed.stdout


def _arguments(parameters):
    # A list is passed as the parameter repeated, qgis_process's way for multiple layers.
    return [f"{name}={item}" for name, value in parameters.items()
            for item in (value if isinstance(value, list) else [value])]


def run_algorithm(profile, algorithm, **parameters):
    output = qgis_process(profile, "--json", "run", algorithm, "--", *_arguments(parameters))
    return json.loads(output[output.index("{"):])["results"]


def install_plugin(profile):
    plugins_dir = os.path.join(profile, "profiles", "default", "python", "plugins")
    env = dict(os.environ, QGIS_CUSTOM_CONFIG_PATH=profile)
    subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "build.py"), "install",
                    "--plugins-dir", plugins_dir], check=True, env=env, stdout=subprocess.DEVNULL)


def _styled(layer, fill, outline, width=0.2, opacity=1.0):
    from qgis.core import QgsFillSymbol, QgsSingleSymbolRenderer

    symbol = QgsFillSymbol.createSimple({"color": fill, "outline_color": outline, "outline_width": str(width)})
    symbol.setOpacity(opacity)
    layer.setRenderer(QgsSingleSymbolRenderer(symbol))
    return layer


def write_roster(out, demo):
    """One village field chief per demo township (from its first village), the default person for its patches."""
    first_village = {}
    for code, name in demo["villages"]:
        first_village.setdefault(code[:9], name)
    path = os.path.join(out, "roster.csv")
    with open(path, "w", encoding="utf-8-sig") as f:
        f.write("姓名,角色,乡镇代码,村,电话,默认\n")
        for number, (code, name) in enumerate(sorted(demo["townships"]), start=1):
            f.write(f"{name[:2]}田长{number},村级田长,{code},{first_village[code[:9]]},1380000{number:04d},是\n")
    return path


def write_project(out, demo, task_path):
    """A QGIS project with the task's patches over the red lines, for `make qgis`."""
    from qgis.core import (
        QgsApplication,
        QgsPalLayerSettings,
        QgsProject,
        QgsReferencedRectangle,
        QgsVectorLayer,
        QgsVectorLayerSimpleLabeling,
    )

    app = QgsApplication([], False)
    app.initQgis()
    project = QgsProject.instance()
    encodings = {"gbk": "GBK", "gbk_lying_cpg": "GBK", "utf8_gbk_ldid": "UTF-8", "utf8": "UTF-8"}

    def layer(name, title):
        made = QgsVectorLayer(demo["layers"][name], title, "ogr")
        if name in demo["layer_encodings"]:  # set by hand, as a bureau does when it first sees the names garbled
            made.setProviderEncoding(encodings[demo["layer_encodings"][name]])
        return made

    cultivated = layer("cultivated", "耕地（三调 0101/0102/0103）")
    cultivated.setSubsetString("DLBM IN ('0101','0102','0103')")
    townships = _styled(layer("townships", "乡镇界"), "0,0,0,0", "40,40,40", 0.6)
    labels = QgsPalLayerSettings()
    labels.fieldName = "XZQMC"
    townships.setLabeling(QgsVectorLayerSimpleLabeling(labels))
    townships.setLabelsEnabled(True)
    patches = _styled(QgsVectorLayer(f"{task_path}|layername=patches", "卫片图斑", "ogr"),
                      "230,30,30,90", "200,0,0", 0.5)
    pbf = _styled(layer("pbf", "永久基本农田"), "230,190,60", "200,150,20", 0.2, 0.6)
    eco = _styled(layer("eco_redline", "生态保护红线"), "90,170,90", "40,120,40", 0.3, 0.5)
    villages = _styled(layer("villages", "村界"), "0,0,0,0", "120,120,120", 0.2)
    for item in (_styled(cultivated, "245,235,200", "220,205,170", 0.1), pbf, eco, villages, townships, patches):
        project.addMapLayer(item)
    project.setCrs(patches.crs())
    # Opens on the whole county rather than at 1:1.
    project.viewSettings().setDefaultViewExtent(QgsReferencedRectangle(townships.extent(), townships.crs()))
    project.writeEntry("land_enforcement", "task_path", task_path)
    # The Office comparison tab's layer choices, as a user would have made them.
    for role, item in (("townships", townships), ("cultivated", cultivated), ("permanent_farmland", pbf),
                       ("eco_redline", eco)):
        project.writeEntry("land_enforcement", f"overlay/{role}", item.id())
    path = os.path.join(out, "demo.qgz")
    project.write(path)
    app.exitQgis()
    return path


# One unlawful patch's case from clue to 销号, each act dated after the one before (the documents' order).
CASE_ACTS = [
    ("制止", 1, {"制止措施": "下达责令停止违法行为通知书", "制止结果": "有效"}),
    ("立案", 8, {"立案号": "沂自然资立〔2024〕15号"}),
    ("处罚决定", 30, {"处罚决定书文号": "沂自然资罚〔2024〕9号", "罚款金额(元)": 30000}),  # + 拆除面积
    ("问责", 40, {"问责人员": "悦庄镇分管负责人", "处分类型": "政务处分"}),
    ("整改", 41, {"整改期限": 100, "整改措施": "拆除复耕、罚款"}),  # deadline: days after discovery
    ("整改验收", 95, {"耕地质量验收": "合格"}),  # + 复耕面积, the after photo
    ("结案", 100, {}),
    ("销号", 115, {}),
]


def case_patch(task_path, patches):
    """The unlawful patch with the most cultivated land among `patches` (those with imagery): its facts."""
    import sqlite3

    marks = ",".join("?" * len(patches))
    with sqlite3.connect(task_path) as db:
        return db.execute(
            "SELECT p.jcbh, p.township_name, p.area_m2, p.cultivated_m2, v.verify_date, v.lead_source "
            f"FROM patches p JOIN verifications v ON v.jcbh = p.jcbh WHERE v.verdict = '违法' AND p.jcbh IN ({marks}) "
            "ORDER BY p.cultivated_m2 DESC, p.jcbh LIMIT 1", list(patches)).fetchone()


def run_case(profile, out, task_path, patches):
    """The case of one unlawful patch taken from clue to 销号 through caseopen and caseact, then casereport:
    the statistics printed. Returns the case workbook."""
    import datetime

    from land_enforcement_plugin.core import schema, schema_cases

    jcbh, township, area_m2, cultivated_m2, verify_date, lead = case_patch(task_path, patches)
    case = run_algorithm(profile, "landenforcement:caseopen", DATABASE=task_path, PATCHES=jcbh,
                         SUBJECT_NAME=f"{township}某建材公司", SUBJECT_TYPE=schema.SubjectType.values().index("单位"),
                         SUBJECT_ID="91370323MA3C00000X", PROJECT="建材堆场", ACTUAL_USE="堆放建材")["CASE"]
    found = datetime.date.fromisoformat(verify_date)
    kinds = schema_cases.ActKind.values()
    run_algorithm(profile, "landenforcement:caseact", DATABASE=task_path, CASE=case, ACT=kinds.index("发现"),
                  DATE=found.isoformat(), DETAILS=json.dumps({"发现渠道": lead if lead in schema.LeadSource.values()
                                                            else "卫片"}, ensure_ascii=False))
    after_photo = sorted(p for p in os.listdir(os.path.join(out, "photos")) if p.startswith(jcbh))[:1]
    for kind, days, details in CASE_ACTS:
        details = dict(details)
        if kind == "处罚决定":
            details["拆除面积(平方米)"] = round(area_m2, 2)
        elif kind == "整改":
            details["整改期限"] = (found + datetime.timedelta(days=details["整改期限"])).isoformat()
        elif kind == "整改验收":
            details["复耕面积(平方米)"] = round(cultivated_m2, 2)
        attachments = [os.path.join(out, "photos", name) for name in after_photo] if kind == "整改验收" else []
        run_algorithm(profile, "landenforcement:caseact", DATABASE=task_path, CASE=case, ACT=kinds.index(kind),
                      DATE=(found + datetime.timedelta(days=days)).isoformat(),
                      DETAILS=json.dumps(details, ensure_ascii=False), ATTACHMENTS=";".join(attachments))
    print(f"case {case} on {jcbh} ({township}, {cultivated_m2 / schema.M2_PER_MU:.2f} mu cultivated): "
          f"{1 + len(CASE_ACTS)} acts through caseact, 发现 {found} → 销号")
    workbook = os.path.join(out, "cases.xlsx")
    sheets = os.path.join(out, "case_sheets")
    shutil.rmtree(sheets, ignore_errors=True)
    report = run_algorithm(profile, "landenforcement:casereport", DATABASE=task_path, OUTPUT=workbook, SHEETS=sheets)
    print(f"casereport: {report['CASES']} cases, {report['CLOSED']} closed, {report['OVERDUE']} overdue, "
          f"{report['SHEET_COUNT']} township case sheets")
    import openpyxl

    rows = list(openpyxl.load_workbook(workbook, read_only=True).worksheets[0].iter_rows(values_only=True))
    county = dict(zip(rows[0], rows[-1]))  # 违法案件查处整改情况统计表: the county row last
    print("    " + ", ".join(f"{name} {_shown(value)}" for name, value in county.items()
                             if isinstance(value, (int, float)) and value))
    return workbook


def _shown(value):
    return f"{value:g}" if isinstance(value, int) else f"{value:.4g}"


def print_metrics(workbook):
    """The county's ratio and daily enforcement figures, and each flag with the rule and clause it follows."""
    import openpyxl

    book = openpyxl.load_workbook(workbook, read_only=True)
    rows = list(book["乡镇统计"].iter_rows(values_only=True))
    county = dict(zip(rows[0], next(r for r in rows[1:] if r[0] and r[0].endswith("000000"))))
    ratio = county["违法占用耕地面积比例"]
    print(f"    county {county['行政区名称']}: 违法占用耕地面积比例 {'-' if ratio is None else f'{ratio:.1%}'} "
          f"({county['违法占用耕地(亩)']:.2f} / {county['新增建设用地占用耕地(亩)']:.2f} mu); 日常执法发现 "
          f"{county['日常执法发现数']} ({county['日常执法发现面积(亩)']:.2f} mu, {county['日常执法发现已整改数']} "
          f"rectified) vs 卫片发现 {county['卫片发现数']} ({county['卫片发现已整改数']} rectified); "
          f"达到追责标准案件 {county['达到追责标准案件数']}")
    flags = list(book["问责线索"].iter_rows(values_only=True))
    print(f"    {len(flags) - 1} flags (问责线索):")
    for row in flags[1:]:
        flag = dict(zip(flags[0], row))
        print(f"      {flag['类别']} {flag['行政区名称']} {flag['监测编号'] or ''} {flag['说明']} — "
              f"rule {flag['规则']} ({flag['依据（文件 条款）']})")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="build/demo")
    parser.add_argument("--county", default="370323")
    parser.add_argument("--size", default="small", choices=["small", "large"])
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)

    demo = generate_county(out, county_code=args.county, size=args.size, seed=args.seed)
    print(f"demo county {args.county} ({args.size}): {out}")

    profile = os.path.join(out, "qgis-profile")
    install_plugin(profile)

    task_path = os.path.join(out, f"task_{args.county}_2024.gpkg")
    if os.path.exists(task_path):
        os.remove(task_path)  # the demo always starts from a fresh task
    result = run_algorithm(profile, "landenforcement:importpatches", INPUT=demo["patches"], DATABASE=task_path)
    print(f"importpatches: {result['INSERTED']} inserted, {result['REJECTED']} rejected, "
          f"{result['REPAIRED']} geometries repaired")
    for line in result["REPORT"].splitlines()[1:]:
        print("   ", line)

    layers = demo["layers"]  # the delivery's shapefiles, as the bureau received them
    overlay = run_algorithm(
        profile, "landenforcement:overlay", DATABASE=task_path, TOWNSHIPS=layers["townships"],
        CULTIVATED=layers["cultivated"], PERMANENT_FARMLAND=layers["pbf"], ECO_REDLINE=layers["eco_redline"],
        APPROVALS=[layers[name] for name in APPROVAL_LAYERS], VILLAGES=layers["villages"])
    print(f"overlay: {overlay['RECOMPUTED']} patches computed, {overlay['REPAIRED']} red-line features repaired")
    for line in overlay["REPORT"].splitlines():
        if "编码" in line or "乡镇" in line:  # how each delivered layer was read; township cross-checks
            print("   ", line)

    # Township staff's sheet has bad rows: the import refuses it whole and says why; the user
    # reads the report and accepts the valid rows.
    sheet = demo["verification_xlsx"]
    refused = run_algorithm(profile, "landenforcement:importverification", INPUT=sheet, DATABASE=task_path)
    print(f"importverification: {refused['ACCEPTED']} rows valid, {refused['REJECTED']} rejected, "
          f"{refused['CHANGED']} written (all-or-nothing)")
    for line in refused["REPORT"].splitlines()[1:]:
        print("   ", line)
    accepted = run_algorithm(profile, "landenforcement:importverification", INPUT=sheet, DATABASE=task_path,
                             ACCEPT_PARTIAL="true")
    print(f"importverification (partial accepted): {accepted['CHANGED']} verification records written")

    attached = run_algorithm(profile, "landenforcement:attachphotos", INPUT=demo["photos_dir"], DATABASE=task_path)
    print(f"attachphotos: {attached['ATTACHED']} photos attached to {attached['PATCHES']} patches, "
          f"{len(attached['REPORT'].splitlines())} warnings (photo far from its patch or taken too early)")

    # The province's imagery for the batch (synthetic 2 m tiles here): registered with the task, so the
    # imagery dock and the evidence sheets show each covered patch on its before and after image.
    from demodata.imagery import generate_imagery

    made = generate_imagery(demo, out)
    for role, spec in (("before", made["before"]), ("after", made["after"])):
        added = run_algorithm(profile, "landenforcement:addimagery", DATABASE=task_path, FOLDER=spec["folder"],
                              ROLE=["before", "after"].index(role), DATE_FROM=spec["date_from"],
                              DATE_TO=spec["date_to"])
        print(f"addimagery: {spec['name']} ({spec['date_from']}～{spec['date_to']}), {spec['tiles']} tiles "
              f"as one VRT {added['SOURCE']}")
    print(f"   {len(made['patches'])} patches of township {made['township']} have imagery "
          f"({made['bytes'] / 1e6:.1f} MB of tiles in {os.path.join(out, 'imagery')})")

    # Season control: a field chief per township (the roster a bureau keeps), every patch assigned
    # by the township boundary, milestones from the seed calendar, per-person lists and progress.
    roster = write_roster(out, demo)
    shutil.rmtree(os.path.join(out, "assignments"), ignore_errors=True)  # lists of an earlier demo run
    assigned = run_algorithm(profile, "landenforcement:assignpatches", DATABASE=task_path, ROSTER=roster)
    lists = run_algorithm(profile, "landenforcement:exportassignments", DATABASE=task_path,
                          OUTPUT=os.path.join(out, "assignments"))
    progress = run_algorithm(profile, "landenforcement:progressreport", DATABASE=task_path,
                             OUTPUT=os.path.join(out, "progress.xlsx"))
    print(f"assignpatches: {assigned['ASSIGNED']} patches assigned; exportassignments: {lists['FILES']} sheets "
          f"and QField projects; progressreport: {progress['OVERDUE']} patches overdue")

    case_workbook = run_case(profile, out, task_path, made["patches"])

    workbook = os.path.join(out, "township_metrics.xlsx")
    metrics = run_algorithm(profile, "landenforcement:townshipmetrics", DATABASE=task_path, OUTPUT=workbook)
    print(f"townshipmetrics: {metrics['TOWNSHIPS']} townships, {metrics['FLAGGED_TOWNSHIPS']} flagged")
    print_metrics(workbook)

    # Filing the first quarter's results: the unverified patches and missing photos block a final package
    # (the report lists them by JCBH); the bureau files a draft to show the province where it stands,
    # then checks it.
    batch = demo["batches"][0]
    package = os.path.join(out, f"{args.county}_{batch}_成果包.zip")
    for stale in (package, package.replace(".zip", "_草稿.zip")):
        if os.path.exists(stale):
            os.remove(stale)
    refused = qgis_process(profile, "run", "landenforcement:exportpackage", "--",
                           *_arguments({"DATABASE": task_path, "OUTPUT": package, "BATCH": batch}), refused=True)
    blocking = re.search(r"(\d+) blocking problems", refused)
    print(f"exportpackage {batch}: refused, {blocking.group(1) if blocking else 'some'} blocking problems listed by "
          "JCBH (unverified patches, unlawful patches without photos)")
    exported = run_algorithm(profile, "landenforcement:exportpackage", DATABASE=task_path, OUTPUT=package,
                             BATCH=batch, DRAFT="true")
    print(f"exportpackage {batch} (draft): {exported['FILES']} files, {exported['EVIDENCE_SHEETS']} evidence sheets, "
          f"{exported['BLOCKING']} blocking problems, {exported['WARNINGS']} warnings")
    verified = run_algorithm(profile, "landenforcement:verifypackage", INPUT=exported["OUTPUT"])
    print(f"verifypackage: {verified['REPORT']}")

    project = write_project(out, demo, task_path)
    print("outputs:")
    print(f"  task database   {task_path}")
    print(f"  red lines       {demo['redlines']}   (shapefiles as delivered: GBK without .cpg, one UTF-8 "
          "under a GBK LDID, one with a .cpg that lies)")
    print(f"  change patches  {demo['patches']}   (county code on every row, months, {len(demo['batches'])} "
          f"quarters: {', '.join(demo['batches'])})")
    print(f"  no .prj (tests) {demo['extras']['cultivated_without_prj']}")
    print(f"  metrics         {workbook}")
    print(f"  cases           {case_workbook}")
    print(f"  progress        {progress['OUTPUT']}")
    print(f"  per-person lists {lists['OUTPUT']}")
    print(f"  package (draft) {exported['OUTPUT']}")
    print(f"  QGIS project    {project}   (make qgis opens it)")


if __name__ == "__main__":
    main()
