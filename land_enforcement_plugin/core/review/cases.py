"""Enforcement cases (违法案件查处整改全过程): a case per unlawful patch or several patches, its
违法主体, and its acts from 发现 to 销号, append-only and each audited (执法全过程记录制度,
lingchuan_2023, mnr_2021). The rules of the documents are checked when an act is recorded, so a
case never reaches a state they forbid; the figures of 违法案件查处整改情况统计表 come from the acts.

Attachments (decisions, scans, after photos) are kept like photos: copied into
`<task>_cases/<case>/` beside the task, hashed, and carried in the package. A shared (PostGIS)
task also keeps their bytes in its database, so every computer of the bureau gets them where it
needs them (the package, the case panel); each is checked against its SHA-256 when used.
"""
import datetime
import os
import shutil

from .. import schema, schema_cases
from ..errors import LandEnforcementError
from ..files import safe_name
from ..intake.jcbh import monitoring_numbers
from ..reproducible import file_sha256
from ..store import open_task, task_files_folder, task_name
from ..workbook import MU_FORMAT, PERCENT_FORMAT, add_table, new_workbook, save
from .photos import PHOTO_SUFFIXES, fetch_kept_files, image_problem, kept_file_path
from .sheets import clean_text, header_key, parse_value, read_tables
from .states import COUNTY, login_role
from .verification import township_of

_K = schema_cases.ActKind
CASE_SHEET_TITLE = "案件办理"
_YUAN_PER_WAN = 10000.0


# -- values ------------------------------------------------------------------------------------
def parse_field(spec, raw):
    """One typed value of a case or act field -> stored value; LandEnforcementError when wrong."""
    if spec.kind == "real":
        text = clean_text(raw)
        if text is None:
            return None
        try:
            return float(str(text).replace(",", ""))
        except ValueError:
            raise LandEnforcementError(f"{spec.zh}“{text}”不是数字", f"{spec.en} '{text}' is not a number") from None
    value, problem = parse_value(spec, raw)
    if problem is not None:
        raise LandEnforcementError(problem.zh, problem.en)
    return value


def _listed(value):
    return [part for part in (value or "").split("、") if part]


def folder(task_path):
    """Where a task's case attachments are copied: `<task>_cases/` beside it."""
    return os.path.join(task_files_folder(task_path), task_name(task_path) + "_cases")


def attachment_path(task_path, file):
    """Where an attachment recorded as `file` (relative to the task's folder) is now."""
    return kept_file_path(task_path, file, folder(task_path))


def fetch_attachments(task_path, store, rows):
    """Bring the attachments `rows` (case_attachments rows) recorded on another computer onto this
    one from a shared task's database, and check each found against its SHA-256: a replaced one
    (on disk or in the database) refuses them all. Returns how many were fetched."""
    return fetch_kept_files(task_path, rows, store.keeps_photo_files and (
        lambda row: store.case_file(row["case_key"], row["sha256"])),
        lambda row: attachment_path(task_path, row["file"]), ("个案件附件", "case attachment(s)", "文件", "files"))


def local_attachments(task_path, rows):
    """The paths on this computer of the attachments `rows`, fetched and checked (fetch_attachments)."""
    with open_task(task_path) as store:
        fetch_attachments(task_path, store, rows)
    return [attachment_path(task_path, row["file"]) for row in rows]


# -- what a case's acts say --------------------------------------------------------------------
def case_state(acts, patch_facts, today=None):
    """The standing of a case from its acts (in order) and its patches' facts: dict with status
    (the last act's kind), filed, decided, closed, written_off, deadline, overdue, accepted, the
    amounts and areas, the transfers and accountability counts."""
    today = today or datetime.date.today().isoformat()
    kinds = [a["kind"] for a in acts]
    details = [(a["kind"], a["details"]) for a in acts]

    def total(kind, name):
        return sum(d.get(name) or 0.0 for k, d in details if k == kind.value)

    deadlines = [d.get(schema_cases.A_DEADLINE.name) for k, d in details if k == _K.RECTIFICATION.value]
    deadline = deadlines[-1] if deadlines else None
    passed = schema_cases.QualityCheck.PASSED.value
    accepted = any(k == _K.ACCEPTANCE.value and d.get(schema_cases.A_QUALITY.name) == passed for k, d in details)
    closed = _K.CLOSING.value in kinds
    transfers = [d.get(schema_cases.A_TRANSFER_TO.name) for k, d in details if k == _K.TRANSFER.value]
    return {
        "status": kinds[-1] if kinds else None,
        "discovered": next((a["act_date"] for a in acts if a["kind"] == _K.DISCOVERY.value), None),
        "filed": _K.FILING.value in kinds, "decided": _K.DECISION.value in kinds,
        "closed": closed, "written_off": _K.WRITE_OFF.value in kinds, "accepted": accepted,
        "deadline": deadline, "overdue": bool(deadline and deadline < today and not accepted and not closed),
        "fine_yuan": total(_K.DECISION, schema_cases.A_FINE.name),
        "confiscated_yuan": total(_K.DECISION, schema_cases.A_CONFISCATED_YUAN.name),
        "demolish_m2": total(_K.DECISION, schema_cases.A_DEMOLISH_M2.name),
        "confiscated_m2": total(_K.DECISION, schema_cases.A_CONFISCATED_M2.name),
        "restored_m2": sum(d.get(schema_cases.A_RESTORED_M2.name) or 0.0 for k, d in details if k == _K.ACCEPTANCE.value
                           and d.get(schema_cases.A_QUALITY.name) == schema_cases.QualityCheck.PASSED.value),
        "transfers": transfers,
        "accountable": sum(len(_listed(d.get(schema_cases.A_PERSONS.name))) for k, d in details
                           if k == _K.ACCOUNTABILITY.value),
        "measures": [m for k, d in details if k == _K.RECTIFICATION.value
                     for m in _listed(d.get(schema_cases.A_MEASURES.name))],
        "unreported_stop": _unreported_stop(details),
        "area_m2": sum(f.get(schema.AREA_M2.name) or 0.0 for f in patch_facts.values()),
        "cultivated_m2": sum(f.get(schema.CULTIVATED_M2.name) or 0.0 for f in patch_facts.values()),
        "pbf_m2": sum(f.get(schema.PBF_M2.name) or 0.0 for f in patch_facts.values()),
    }


def _unreported_stop(details):
    """制止无效 not yet followed by a 报告 (to 县政府, copied to 供电、供水、供气: wuzhai_2023 三)."""
    pending = False
    for kind, values in details:
        if kind == _K.STOP.value:
            ineffective = values.get(schema_cases.A_STOP_RESULT.name) == schema_cases.StopResult.INEFFECTIVE.value
            pending = pending or ineffective
        elif kind == _K.REPORT.value:
            pending = False
    return pending


def refusal(acts, patch_facts, kind, act_date, details, today=None):
    """Why the documents forbid recording this act now: (zh, en), or None when it may be recorded."""
    today = today or datetime.date.today().isoformat()
    state = case_state(acts, patch_facts, today)
    kind = schema_cases.ActKind(kind)
    if not act_date:
        return "缺少日期", "Missing date"
    if act_date > today:
        return f"日期 {act_date} 晚于今天", f"The date {act_date} is after today"
    if not acts and kind is not _K.DISCOVERY:
        return "案件的第一项记录须是“发现”", "A case's first act must be 发现 (discovery)"
    if state["discovered"] and act_date < state["discovered"]:
        return (f"日期 {act_date} 早于发现日期 {state['discovered']}",
                f"The date {act_date} is before the discovery ({state['discovered']})")
    missing = [spec for spec in schema_cases.ACT_REQUIRED[kind] if details.get(spec.name) in (None, "")]
    if missing:
        return (f"{kind.zh}缺少必填项：{'、'.join(s.zh for s in missing)}",
                f"{kind.en}: missing {', '.join(s.en for s in missing)}")
    if state["written_off"]:
        return "案件已销号，不能再记录", "The case is written off; nothing more can be recorded"
    if state["closed"] and kind is not _K.WRITE_OFF:
        return "案件已结案，只能销号", "The case is closed; it can only be written off"
    if kind is _K.WRITE_OFF and not state["closed"]:
        return "未结案的案件不能销号", "A case not closed cannot be written off"
    if kind is _K.DISCOVERY and acts:
        return "案件已记录发现", "The case already has its discovery"
    if kind is _K.DECISION and not state["filed"]:
        return "未立案不能作出处罚决定", "No penalty decision before the case is filed (立案)"
    if kind is _K.REPORT and schema_cases.ReportRecipient.COUNTY_GOVERNMENT.value not in _listed(
            details.get(schema_cases.A_RECIPIENTS.name)):
        return ("制止无效须报告县政府（并抄送供电、供水、供气）", "An ineffective stop is reported to the county "
                "government (copied to the power, water and gas suppliers)")
    measures = _listed(details.get(schema_cases.A_MEASURES.name))
    if (kind is _K.RECTIFICATION and schema.Measure.RETROACTIVE_PERMIT.value in measures
            and state["pbf_m2"] > 0):
        return ("占用永久基本农田的违法用地不能补办手续", "Unlawful use of permanent basic farmland cannot get a "
                "retroactive permit (补办手续)")
    if kind is _K.CLOSING:
        return _closing_refusal(state)
    return None


def _closing_refusal(state):
    if state["unreported_stop"]:
        return ("制止无效尚未报告县政府，不能结案",
                "Stopping failed and was not reported to the county government; not closed")
    if not state["measures"]:
        return "未记录整改，不能结案", "No rectification recorded; not closed"
    substitutes = {m.value for m in schema_cases.SUBSTITUTE_MEASURES}
    if state["cultivated_m2"] > 0 and set(state["measures"]) <= substitutes:
        return ("占用耕地的案件不得以罚款、补办手续取代拆除、没收"
                "（自然资源部办公厅《关于完善早发现早制止严查处工作机制的意见》）：须拆除复耕或没收后结案",
                "A case on cultivated land is not closed by a fine or a retroactive permit alone (mnr_2021): "
                "demolish and restore, or confiscate, first")
    if not state["accepted"]:
        return ("整改未经验收合格（复耕须耕地质量验收），不能结案",
                "The rectification has not passed acceptance "
                "(restored land needs the cultivated-land quality check); not closed")
    return None


# -- recording ---------------------------------------------------------------------------------
def _next_key(existing):
    numbers = [int(key[3:]) for key in existing if key.startswith("AJ-") and key[3:].isdigit()]
    return f"AJ-{max(numbers, default=0) + 1:04d}"


def open_case(task_path, jcbhs, facts):
    """A new case over the patches `jcbhs` with its facts (CASE_FIELDS name -> typed value).
    Returns its key (AJ-0001, ...)."""
    jcbhs = list(dict.fromkeys(j.strip() for j in jcbhs if j and j.strip()))
    if not jcbhs:
        raise LandEnforcementError("案件至少要有一个图斑", "A case needs at least one patch")
    parsed = {spec.name: parse_field(spec, facts.get(spec.name)) for spec in schema.CASE_FIELDS}
    if not parsed[schema.C_SUBJECT_NAME.name]:
        raise LandEnforcementError("缺少违法主体", "Missing the offender (违法主体)")
    with open_task(task_path) as store:
        _check_county(store)
        known = store.case_patch_facts(jcbhs)
        unknown = [j for j in jcbhs if j not in known]
        if unknown:
            raise LandEnforcementError(f"任务中没有图斑：{'、'.join(unknown)}", f"No such patch: {', '.join(unknown)}")
        key = _next_key(c["case_key"] for c in store.cases())
        store.create_case(key, parsed, jcbhs)
        return key


def _check_county(store):
    """Cases are written by the county (bureau mode: a county login or the task's owner); a township
    sends its acts on the case sheet. Refused with a message, not the database's error."""
    if login_role(store) != COUNTY:
        raise LandEnforcementError(
            f"当前登录（{store.user}）无权记录案件：案件由县级登录办理，乡镇请填写案件办理表交县局导入",
            f"This login ({store.user}) may not record cases: cases are the county's; a township fills in "
            "the case sheet for the county to import")


def case_of(store, key):
    case = next((c for c in store.cases() if c["case_key"] == key), None)
    if case is None:
        raise LandEnforcementError(f"没有案件 {key}", f"No case {key}")
    return case


def details_by_name(typed):
    """{detail field name: value} from a mapping keyed by field name or sheet header (罚款金额(元),
    罚款金额, fine_yuan ...): what a script or a JSON parameter hands over. An unknown key is refused."""
    known = {}
    for spec in schema_cases.ACT_DETAIL_FIELDS:
        for name in (spec.name, spec.zh) + spec.synonyms:
            known.setdefault(header_key(name), spec)
    out = {}
    for key, value in typed.items():
        spec = known.get(header_key(key))
        if spec is None:
            allowed = "、".join(s.zh for s in schema_cases.ACT_DETAIL_FIELDS)
            raise LandEnforcementError(f"未知的办理事项“{key}”（可选：{allowed}）", f"Unknown act detail '{key}' "
                                       f"(allowed: {', '.join(s.name for s in schema_cases.ACT_DETAIL_FIELDS)})")
        out[spec.name] = value
    return out


def case_key_for(task_path, text):
    """The case named by `text`: its key (AJ-0001), or the JCBH of one of its patches."""
    text = (text or "").strip()
    with open_task(task_path) as store:
        for case in store.cases():
            if text == case["case_key"] or text in case["jcbhs"]:
                return case["case_key"]
    raise LandEnforcementError(f"没有案件或案件中的图斑：{text}", f"No case, and no patch in a case: {text}")


def parse_act(kind, act_date, details):
    """(kind label, date, {detail name: stored value}) from typed values; only the kind's details."""
    kind_value = parse_field(schema_cases.A_KIND, kind)
    if kind_value is None:
        raise LandEnforcementError("缺少行为", "Missing the act")
    date = parse_field(schema_cases.A_DATE, act_date)
    specs = schema_cases.ACT_DETAILS[schema_cases.ActKind(kind_value)] + (schema_cases.A_NOTE,)
    values = {spec.name: parse_field(spec, details.get(spec.name)) for spec in specs}
    return kind_value, date, {k: v for k, v in values.items() if v is not None}


def record_act(task_path, key, kind, act_date, details=None, attachments=(), today=None, channel=None):
    """Append one act to case `key` after the documents' rules (LandEnforcementError naming the
    rule when refused); `attachments` are files copied beside the task and hashed (and kept in a
    shared task's database, with the act). Returns the act id."""
    kind, act_date, values = parse_act(kind, act_date, details or {})
    missing = [p for p in attachments if not os.path.isfile(p)]
    if missing:
        raise LandEnforcementError(f"找不到附件：{missing[0]}", f"Attachment not found: {missing[0]}")
    for path in attachments:  # a photo is checked as attached field photos are
        problem = image_problem(path) if path.lower().endswith(PHOTO_SUFFIXES) else None
        if problem:
            raise LandEnforcementError(f"{problem[0]}：{path}", f"{problem[1]}: {path}")
    store = open_task(task_path)
    copies = []
    try:
        _check_county(store)
        case = case_of(store, key)
        refused = refusal(store.case_acts(key), store.case_patch_facts(case["jcbhs"]), kind, act_date, values, today)
        if refused:
            raise LandEnforcementError(f"案件 {key}：{refused[0]}", f"Case {key}: {refused[1]}")
        rows = []
        for path in attachments:
            digest, _ = file_sha256(path)
            name = os.path.basename(path)
            target = os.path.join(folder(task_path), safe_name(key), f"{digest[:12]}_{name}")
            if not os.path.exists(target):
                os.makedirs(os.path.dirname(target), exist_ok=True)
                shutil.copy2(path, target + ".partial")
                os.replace(target + ".partial", target)
                copies.append(target)
            rows.append({"file": os.path.relpath(target, task_files_folder(task_path)), "name": name,
                         "sha256": digest})
        with store.transaction():
            act_id = store.append_case_act(key, kind, act_date, values, rows, channel)
            if store.keeps_photo_files:  # a shared task: colleagues on other computers get them too
                for path, row in zip(attachments, rows):
                    with open(path, "rb") as f:
                        store.put_case_file(key, row["sha256"], f.read())
        return act_id
    except Exception:
        for path in copies:
            os.remove(path)
        raise
    finally:
        store.close()


# -- reading -----------------------------------------------------------------------------------
def case_views(store, today=None):
    """Every case with its acts, attachments, patch facts, state and township (the overlay's
    township of its largest patch)."""
    facts = store.case_patch_facts()
    acts, attachments = {}, {}
    for act in store.case_acts():
        acts.setdefault(act["case_key"], []).append(act)
    for row in store.case_attachments():
        attachments.setdefault(row["case_key"], []).append(row)
    views = []
    for case in store.cases():
        mine = {j: facts.get(j, {}) for j in case["jcbhs"]}
        main = max(case["jcbhs"], key=lambda j: (mine[j].get(schema.AREA_M2.name) or 0.0, j))
        township = township_of(mine[main].get(schema.TOWNSHIP_CODE.name), mine[main].get(schema.TOWNSHIP_NAME.name))
        views.append(dict(case, acts=acts.get(case["case_key"], []), attachments=attachments.get(case["case_key"], []),
                          patch_facts=mine, township=township,
                          state=case_state(acts.get(case["case_key"], []), mine, today)))
    return views


def read_cases(task_path, today=None):
    with open_task(task_path) as store:
        return case_views(store, today)


def overdue(views):
    """(case key, township name, deadline) of the cases whose rectification deadline has passed."""
    return [(v["case_key"], v["township"][1], v["state"]["deadline"]) for v in views if v["state"]["overdue"]]


def statistics(views, county_code="", county_name=""):
    """违法案件查处整改情况统计表: a row per township (by code) and the county row last."""
    groups = {}
    for view in views:
        groups.setdefault(view["township"], []).append(view)
    rows = [_stat_row(code, name, groups[(code, name)]) for code, name in sorted(groups)]
    rows.append(_stat_row(county_code + schema.COUNTY_ROW_SUFFIX if county_code else "", county_name or "合计", views))
    return rows


def _stat_row(code, name, views):
    states = [v["state"] for v in views]
    closed = sum(s["closed"] for s in states)

    def mu(key):
        return round(sum(s[key] for s in states) / schema.M2_PER_MU, 4)

    def count_transfers(target):
        return sum(s["transfers"].count(target.value) for s in states)

    return {"xzqdm": code, "xzqmc": name, "case_count": len(views), "patch_mu": mu("area_m2"),
            "cultivated_mu": mu("cultivated_m2"), "filed_count": sum(s["filed"] for s in states),
            "decided_count": sum(s["decided"] for s in states),
            "fine_wan": round(sum(s["fine_yuan"] for s in states) / _YUAN_PER_WAN, 4),
            "confiscated_wan": round(sum(s["confiscated_yuan"] for s in states) / _YUAN_PER_WAN, 4),
            "demolished_mu": mu("demolish_m2"), "confiscated_mu": mu("confiscated_m2"),
            "restored_mu": mu("restored_m2"),
            "police_count": count_transfers(schema_cases.TransferTarget.POLICE),
            "court_count": count_transfers(schema_cases.TransferTarget.COURT),
            "discipline_count": count_transfers(schema_cases.TransferTarget.DISCIPLINE),
            "accountable_count": sum(s["accountable"] for s in states), "closed_count": closed,
            "written_off_count": sum(s["written_off"] for s in states),
            "closed_rate": closed / len(views) if views else 0.0,
            "overdue_count": sum(s["overdue"] for s in states)}


# -- sheets ------------------------------------------------------------------------------------
def _formats(fields):
    return {i: MU_FORMAT if f.name.endswith(("_mu", "_wan")) else PERCENT_FORMAT
            for i, f in enumerate(fields) if f.name.endswith(("_mu", "_wan", "_rate"))}


def add_statistics_sheet(book, rows, first=False):
    fields = schema_cases.CASE_STAT_FIELDS
    sheet = add_table(book, schema_cases.CASE_STAT_TITLE[0], [f.zh for f in fields],
                      [[row[f.name] for f in fields] for row in rows], _formats(fields), first=first)
    sheet.freeze_panes = "C2"
    return sheet


def _sheet_rows(views):
    """One row per act (the case's facts on each), in case then act order; a case without acts
    gets one row."""
    rows = []
    for view in views:
        head = [view["case_key"], "、".join(view["jcbhs"])] + [view.get(s.name) for s in schema.CASE_FIELDS]
        for act in view["acts"] or [None]:
            details = act["details"] if act else {}
            rows.append(head + [act and act["kind"], act and act["act_date"]]
                        + [details.get(s.name) for s in schema_cases.ACT_DETAIL_FIELDS])
    return rows


def add_case_sheet(book, views, first=False):
    return add_table(book, CASE_SHEET_TITLE, [s.zh for s in schema_cases.CASE_SHEET_FIELDS], _sheet_rows(views),
                     first=first)


def export_case_sheets(task_path, out_dir, today=None):
    """A workbook per township (案件办理 + the statistics of its cases) for the township to fill
    in new acts and return. Unlawful patches without a case get a row with their 监测编号 only.
    Returns the paths written."""
    with open_task(task_path) as store:
        views = case_views(store, today)
        facts = store.case_patch_facts()
    in_case = {j for v in views for j in v["jcbhs"]}
    waiting = {}
    for jcbh, fact in sorted(facts.items()):
        if fact.get("verdict") == schema.Verdict.UNLAWFUL.value and jcbh not in in_case:
            township = township_of(fact.get(schema.TOWNSHIP_CODE.name), fact.get(schema.TOWNSHIP_NAME.name))
            waiting.setdefault(township, []).append(jcbh)
    groups = {}
    for view in views:
        groups.setdefault(view["township"], []).append(view)
    os.makedirs(out_dir, exist_ok=True)
    paths = []
    for township in sorted(set(groups) | set(waiting)):
        book = new_workbook()
        sheet = add_case_sheet(book, groups.get(township, []), first=True)
        for jcbh in waiting.get(township, []):
            sheet.append(["", jcbh])
        add_statistics_sheet(book, statistics(groups.get(township, []))[:-1])
        path = os.path.join(out_dir, f"案件办理_{township[0] or 'none'}_{township[1]}.xlsx")
        save(book, path)
        paths.append(path)
    return paths


def _sheet_columns(table):
    """(header row index, {field: column}) of a case sheet, or None."""
    known = {}
    for spec in schema_cases.CASE_SHEET_FIELDS:
        for name in (spec.zh,) + spec.synonyms:
            known.setdefault(header_key(name), spec)
    for index, row in enumerate(table.rows[:10]):
        columns = {}
        for column, value in enumerate(row):
            spec = known.get(header_key(value)) if value is not None else None
            if spec is not None and spec not in columns:
                columns[spec] = column
        if schema_cases.A_KIND in columns and (schema.C_CASE in columns or schema.C_PATCHES in columns):
            return index, columns
    return None


def import_case_sheet(task_path, path, today=None, channel=schema.CHANNEL_SPREADSHEET):
    """Append the acts of a returned case sheet: a row whose act the case already has (same kind,
    date and details) is skipped, so a sheet imported twice adds nothing; a row without 案件编号
    opens a case over its 监测编号. A wrong value in any row stops the import before anything is
    written; a rule of the documents refusing a row stops it at that row (the acts before it are
    kept: each was valid), naming the row. Returns (cases opened, acts added, rows unchanged)."""
    planned = []
    for table in read_tables(path):
        found = _sheet_columns(table)
        if found is None:
            continue
        header, columns = found
        for number in range(header + 2, len(table.rows) + 1):
            values = table.rows[number - 1]
            raw = {spec: values[c] if c < len(values) else None for spec, c in columns.items()}
            if clean_text(raw.get(schema_cases.A_KIND)) is None:
                continue
            planned.append((table.name, number, raw))
    if not planned:
        raise LandEnforcementError(f"表格中没有填写的案件办理记录：{os.path.basename(path)}",
                                   f"No filled case rows in {os.path.basename(path)}")
    opened, added, unchanged = 0, 0, 0
    # Parsed first, so a wrong value stops the import before anything is written.
    rows = []
    for sheet, number, raw in planned:
        try:
            details = {spec.name: value for spec, value in raw.items()}
            act = parse_act(raw.get(schema_cases.A_KIND), raw.get(schema_cases.A_DATE), details)
            facts = {spec.name: parse_field(spec, raw.get(spec)) for spec in schema.CASE_FIELDS}
        except LandEnforcementError as exc:
            raise LandEnforcementError(f"“{sheet}”第 {number} 行：{exc.zh}",
                                       f"'{sheet}' row {number}: {exc.en}") from None
        key = clean_text(raw.get(schema.C_CASE))
        jcbhs = monitoring_numbers(clean_text(raw.get(schema.C_PATCHES)) or "")
        rows.append((sheet, number, key, jcbhs, facts, act))
    new_keys = {}
    for sheet, number, key, jcbhs, facts, (kind, act_date, details) in rows:
        try:
            if not key:
                key = new_keys.get(tuple(jcbhs))
                if key is None:
                    key = new_keys[tuple(jcbhs)] = open_case(task_path, jcbhs, facts)
                    opened += 1
            if _already_recorded(task_path, key, kind, act_date, details):
                unchanged += 1
                continue
            record_act(task_path, key, kind, act_date, details, today=today, channel=channel)
            added += 1
        except LandEnforcementError as exc:
            raise LandEnforcementError(
                f"“{sheet}”第 {number} 行：{exc.zh}（此前的 {added} 项记录已保存）",
                f"'{sheet}' row {number}: {exc.en} (the {added} acts before it were saved)") from None
    return opened, added, unchanged


def _already_recorded(task_path, key, kind, act_date, details):
    with open_task(task_path) as store:
        case_of(store, key)
        return any((a["kind"], a["act_date"], a["details"]) == (kind, act_date, details) for a in store.case_acts(key))


# -- package -----------------------------------------------------------------------------------
def package_entries(task_path, views, root):
    """(name inside the zip, source path) of every case attachment: <root>/cases/<case>/<file>,
    fetched from a shared task's database when missing here; a replaced one refuses the package."""
    with open_task(task_path) as store:
        fetch_attachments(task_path, store, [row for view in views for row in view["attachments"]])
    entries = []
    for view in views:
        for row in view["attachments"]:
            source = attachment_path(task_path, row["file"])
            name = f"{root}/cases/{safe_name(view['case_key'])}/{os.path.basename(source)}"
            if os.path.isfile(source) and name not in (e[0] for e in entries):
                entries.append((name, source))
    return entries


# -- report ------------------------------------------------------------------------------------
def write_report(task_path, output, today=None):
    """The county's workbook: the statistics per township and county, every case's acts, and
    the overdue cases. Returns (statistics rows, overdue list)."""
    with open_task(task_path) as store:
        meta = store.meta()
        views = case_views(store, today)
    rows = statistics(views, meta.get("county_code", ""), meta.get("county_name", ""))
    late = overdue(views)
    book = new_workbook()
    add_statistics_sheet(book, rows, first=True)
    add_case_sheet(book, views)
    add_table(book, "逾期未整改", ["案件编号", "乡镇名称", "整改期限"], [list(r) for r in late])
    save(book, output)
    return rows, late
