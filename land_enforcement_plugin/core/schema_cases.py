"""The acts of an enforcement case (违法案件查处整改全过程, issue 20): their kinds and vocabularies, the
details each kind takes and requires, the case sheet's columns and the case statistics table.
Part of the schema: schema.py keeps the case tables and the case's own fields, which the task
database stores as columns; the acts' details are kept as their values."""
from .schema import C_CASE, C_PATCHES, CASE_FIELDS, Field, Labeled, LeadSource, Measure, VerificationField


class ActKind(Labeled):
    DISCOVERY = ("发现", "Discovered")
    STOP = ("制止", "Stopped")
    REPORT = ("报告", "Reported")
    FILING = ("立案", "Case filed")
    DECISION = ("处罚决定", "Penalty decision")
    TRANSFER = ("移送", "Transferred")
    ACCOUNTABILITY = ("问责", "Accountability")
    RECTIFICATION = ("整改", "Rectification ordered")
    ACCEPTANCE = ("整改验收", "Rectification accepted")
    CLOSING = ("结案", "Closed")
    WRITE_OFF = ("销号", "Written off")


class StopResult(Labeled):
    EFFECTIVE = ("有效", "Effective")
    INEFFECTIVE = ("无效", "Ineffective")


class ReportRecipient(Labeled):
    """制止无效: 报告县政府，并抄送供电、供水、供气 (wuzhai_2023 三)."""

    COUNTY_GOVERNMENT = ("县政府", "County government")
    POWER = ("供电", "Power supplier")
    WATER = ("供水", "Water supplier")
    GAS = ("供气", "Gas supplier")


class TransferTarget(Labeled):
    POLICE = ("公安", "Police")
    COURT = ("法院强制执行", "Court (enforcement)")
    DISCIPLINE = ("纪检监察", "Discipline inspection")


class Discipline(Labeled):
    PARTY = ("党纪处分", "Party discipline")
    GOVERNMENT = ("政务处分", "Government sanction")


class QualityCheck(Labeled):
    PASSED = ("合格", "Passed")
    FAILED = ("不合格", "Failed")


# An act: its kind and date, then the details each kind takes.
A_KIND = VerificationField("kind", "行为", "Act", ActKind, synonyms=("环节", "办理环节"))
A_DATE = VerificationField("act_date", "日期", "Date", kind="date", synonyms=("办理日期",))
A_CHANNEL = VerificationField("channel", "发现渠道", "Found through", LeadSource, synonyms=("线索来源",))
A_STOP_MEASURES = VerificationField("stop_measures", "制止措施", "Stop measures")
A_STOP_RESULT = VerificationField("stop_result", "制止结果", "Stop result", StopResult)
A_RECIPIENTS = VerificationField("recipients", "报告对象", "Reported to", ReportRecipient, multiple=True,
                                 synonyms=("报告及抄送单位",))
A_CASE_NO = VerificationField("case_no", "立案号", "Case number", synonyms=("立案编号",))
A_DOC_NO = VerificationField("decision_no", "处罚决定书文号", "Decision number", synonyms=("决定书文号",))
A_FINE = VerificationField("fine_yuan", "罚款金额(元)", "Fine (yuan)", kind="real", synonyms=("罚款",))
A_CONFISCATED_YUAN = VerificationField("confiscated_yuan", "没收金额(元)", "Confiscated (yuan)", kind="real",
                                       synonyms=("没收违法所得",))
A_DEMOLISH_M2 = VerificationField("demolish_m2", "拆除面积(平方米)", "Demolished (m²)", kind="real")
A_CONFISCATED_M2 = VerificationField("confiscated_m2", "没收面积(平方米)", "Confiscated (m²)", kind="real")
A_TRANSFER_TO = VerificationField("transfer_to", "移送机关", "Transferred to", TransferTarget, synonyms=("移送单位",))
A_PERSONS = VerificationField("persons", "问责人员", "Persons held accountable", synonyms=("被问责人",))
A_DISCIPLINE = VerificationField("discipline", "处分类型", "Sanction", Discipline, multiple=True)
A_DEADLINE = VerificationField("deadline", "整改期限", "Rectification deadline", kind="date")
A_MEASURES = VerificationField("measures", "整改措施", "Measures", Measure, multiple=True)
A_RESTORED_M2 = VerificationField("restored_m2", "复耕面积(平方米)", "Restored to cultivation (m²)", kind="real")
A_QUALITY = VerificationField("quality_check", "耕地质量验收", "Cultivated land quality check", QualityCheck)
A_NOTE = VerificationField("note", "说明", "Note", synonyms=("备注",))
ACT_DETAIL_FIELDS = (A_CHANNEL, A_STOP_MEASURES, A_STOP_RESULT, A_RECIPIENTS, A_CASE_NO, A_DOC_NO, A_FINE,
                     A_CONFISCATED_YUAN, A_DEMOLISH_M2, A_CONFISCATED_M2, A_TRANSFER_TO, A_PERSONS, A_DISCIPLINE,
                     A_DEADLINE, A_MEASURES, A_RESTORED_M2, A_QUALITY, A_NOTE)
# The details each act takes (the form shows these) and those it requires.
ACT_DETAILS = {
    ActKind.DISCOVERY: (A_CHANNEL,),
    ActKind.STOP: (A_STOP_MEASURES, A_STOP_RESULT),
    ActKind.REPORT: (A_RECIPIENTS,),
    ActKind.FILING: (A_CASE_NO,),
    ActKind.DECISION: (A_DOC_NO, A_FINE, A_CONFISCATED_YUAN, A_DEMOLISH_M2, A_CONFISCATED_M2),
    ActKind.TRANSFER: (A_TRANSFER_TO,),
    ActKind.ACCOUNTABILITY: (A_PERSONS, A_DISCIPLINE),
    ActKind.RECTIFICATION: (A_DEADLINE, A_MEASURES),
    ActKind.ACCEPTANCE: (A_RESTORED_M2, A_QUALITY),
    ActKind.CLOSING: (),
    ActKind.WRITE_OFF: (),
}
ACT_REQUIRED = {
    ActKind.DISCOVERY: (A_CHANNEL,), ActKind.STOP: (A_STOP_MEASURES, A_STOP_RESULT), ActKind.REPORT: (A_RECIPIENTS,),
    ActKind.FILING: (A_CASE_NO,), ActKind.DECISION: (A_DOC_NO,), ActKind.TRANSFER: (A_TRANSFER_TO,),
    ActKind.ACCOUNTABILITY: (A_PERSONS, A_DISCIPLINE), ActKind.RECTIFICATION: (A_DEADLINE, A_MEASURES),
    ActKind.ACCEPTANCE: (A_QUALITY,), ActKind.CLOSING: (), ActKind.WRITE_OFF: (),
}
# Measures that alone never close a case on cultivated land: 该拆除的必须拆除，该没收的必须没收，
# 不得以罚款、补办手续取代 (mnr_2021 五).
SUBSTITUTE_MEASURES = (Measure.FINE, Measure.RETROACTIVE_PERMIT)
# The case sheet's columns (one row per act; the case's own facts repeated on each).
CASE_SHEET_FIELDS = (C_CASE, C_PATCHES) + CASE_FIELDS + (A_KIND, A_DATE) + ACT_DETAIL_FIELDS

# 违法案件查处整改情况统计表: one row per township plus the county row.
CASE_STAT_FIELDS = (
    Field("xzqdm", "乡镇代码", "Township code", "str"),
    Field("xzqmc", "乡镇名称", "Township", "str"),
    Field("case_count", "案件数", "Cases", "int"),
    Field("patch_mu", "涉案面积(亩)", "Case area (mu)", "real"),
    Field("cultivated_mu", "其中耕地(亩)", "Of which cultivated (mu)", "real"),
    Field("filed_count", "立案数", "Filed", "int"),
    Field("decided_count", "作出处罚决定数", "Penalty decisions", "int"),
    Field("fine_wan", "罚款(万元)", "Fines (10,000 yuan)", "real"),
    Field("confiscated_wan", "没收金额(万元)", "Confiscated (10,000 yuan)", "real"),
    Field("demolished_mu", "拆除面积(亩)", "Demolished (mu)", "real"),
    Field("confiscated_mu", "没收面积(亩)", "Confiscated (mu)", "real"),
    Field("restored_mu", "复耕面积(亩)", "Restored to cultivation (mu)", "real"),
    Field("police_count", "移送公安数", "Transferred to police", "int"),
    Field("court_count", "申请法院强制执行数", "Transferred to court", "int"),
    Field("discipline_count", "移送纪检监察数", "Transferred to discipline inspection", "int"),
    Field("accountable_count", "问责人数", "Persons held accountable", "int"),
    Field("closed_count", "结案数", "Closed", "int"),
    Field("written_off_count", "销号数", "Written off", "int"),
    Field("closed_rate", "结案率", "Closed rate", "real"),
    Field("overdue_count", "逾期未整改数", "Rectification overdue", "int"),
)
CASE_STAT_TITLE = ("违法案件查处整改情况统计表", "Enforcement cases: investigation and rectification")
