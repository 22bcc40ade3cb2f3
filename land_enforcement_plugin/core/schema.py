"""The one source of truth for field names, vocabularies, thresholds and their labels.

Stored values of the controlled vocabularies are the Chinese labels exactly as township staff
type them in spreadsheets (see shared/DOMAIN.md); English labels are for display only.
"""
from dataclasses import dataclass
from enum import Enum

SCHEMA_VERSION = 10

# 1 亩 = 10000/15 m²
M2_PER_MU = 10000.0 / 15.0

# CGCS2000 ellipsoid (official areas are computed on it)
CGCS2000_ELLIPSOID = "EPSG:7019"  # GRS 1980; CGCS2000 differs only in the 4th decimal of 1/f
CGCS2000_A = 6378137.0
CGCS2000_INV_F = 298.257222101
CGCS2000_GEOGRAPHIC = "EPSG:4490"
# CGCS2000 3-degree Gauss-Krüger zones without zone prefix: EPSG:4534 (CM 75°E) .. 4554 (CM 135°E)
GK3_FIRST_EPSG = 4534
GK3_FIRST_CM = 75
GK3_LAST_CM = 135


class Labeled(Enum):
    """An enum whose value is the stored (Chinese) label and which also carries an English one."""

    def __new__(cls, zh, en):
        member = object.__new__(cls)
        member._value_ = zh
        member.en = en
        return member

    @property
    def zh(self):
        return self.value

    @classmethod
    def values(cls):
        return [m.value for m in cls]

    @classmethod
    def parse(cls, text):
        """Return the member for a hand-typed label, tolerating blanks and full-width spaces."""
        if text is None:
            return None
        cleaned = str(text).replace("\u3000", " ").strip()
        if not cleaned:
            return None
        for member in cls:
            if cleaned == member.value:
                return member
        raise ValueError(cleaned)


class Verdict(Labeled):
    LAWFUL = ("合法", "Lawful")
    UNLAWFUL = ("违法", "Unlawful")
    OTHER = ("其他", "Other")


class LandUse(Labeled):
    CONSTRUCTION = ("建设用地", "Construction land")
    FACILITY_FARMLAND = ("设施农用地", "Facility farmland")
    TEMPORARY = ("临时用地", "Temporary land")
    OTHER = ("其他", "Other")


class LawfulKind(Labeled):
    APPROVED_CONSTRUCTION = ("批准建设用地", "Approved construction land")
    ADVANCE_USE = ("先行用地", "Advance land use")
    FACILITY_FILED = ("设施农用地备案", "Facility farmland filed")
    TEMPORARY_APPROVED = ("临时用地批准", "Temporary land approved")
    RURAL_HOUSING = ("农村宅基地批准", "Rural housing approved")
    OTHER = ("其他合法", "Other lawful")


class ViolationType(Labeled):
    BUILT_WITHOUT_APPROVAL = ("未批先建", "Built without approval")
    APPROVED_LESS_USED_MORE = ("批少占多", "Approved less, used more")
    APPROVED_A_USED_B = ("批甲占乙", "Approved A, used B")
    USED_BEFORE_SUPPLY = ("未供即用", "Used before supply")
    ILLEGAL_MINING = ("非法采矿", "Illegal mining")
    GREENHOUSE_HOUSING = ("大棚房", "Greenhouse housing")
    OTHER = ("其他违法", "Other violation")


class OtherKind(Labeled):
    FALSE_CHANGE = ("伪变化", "False change")
    NO_CHANGE = ("未变化", "No change")
    FARM_STRUCTURE = ("农业结构调整", "Farm structure adjustment")
    OTHER = ("其他", "Other")


class RectificationStatus(Labeled):
    NOT_STARTED = ("未整改", "Not started")
    IN_PROGRESS = ("整改中", "In progress")
    DONE = ("已整改", "Rectified")


class Measure(Labeled):
    DEMOLISH_RESTORE = ("拆除复耕", "Demolish and restore cultivation")
    CONFISCATE = ("没收", "Confiscate")
    RETROACTIVE_PERMIT = ("补办手续", "Retroactive permit")
    FINE = ("罚款", "Fine")
    TRANSFER = ("移送", "Transfer")
    OTHER = ("其他", "Other")


class CaseFiled(Labeled):
    YES = ("是", "Yes")
    NO = ("否", "No")


class LeadSource(Labeled):
    SATELLITE = ("卫片", "Satellite patches")
    PATROL = ("巡查", "Patrol")
    VILLAGE_REPORT = ("村级报告", "Village report")
    PUBLIC_REPORT = ("群众举报", "Public report")
    MEDIA = ("媒体曝光", "Media")
    ASSIGNED_FROM_ABOVE = ("上级交办", "Assigned from above")


@dataclass(frozen=True)
class Field:
    """A canonical field of the task database."""

    name: str
    zh: str
    en: str
    kind: str  # "str", "int", "real", "date", "datetime"
    synonyms: tuple = ()


# Canonical patch fields mapped from the source at import. Synonyms are compared case-insensitively.
JCBH = Field("jcbh", "监测编号", "Monitoring number", "str",
             ("JCBH", "监测编号", "TBBH", "图斑编号", "BH", "编号", "TBYBH", "监测图斑编号"))
XZQDM = Field("xzqdm", "行政区代码", "Admin code", "str",
              ("XZQDM", "行政区代码", "行政区划代码", "XZQHDM", "XZDM", "QHDM"))
XZQMC = Field("xzqmc", "行政区名称", "Admin name", "str",
              ("XZQMC", "行政区名称", "行政区划名称", "XZQHMC", "XZMC", "QHMC"))
TBMJ = Field("tbmj", "图斑面积", "Patch area (source)", "real",
             ("TBMJ", "图斑面积", "JCMJ", "监测面积", "MJ", "面积"))
QSX = Field("qsx", "前时相", "Earlier image date", "str",
            ("QSX", "前时相", "QSXSJ", "前时相时间"))
HSX = Field("hsx", "后时相", "Later image date", "str",
            ("HSX", "后时相", "HSXSJ", "后时相时间"))
BHLX = Field("bhlx", "变化类型", "Change type", "str",
             ("BHLX", "变化类型", "BHLB", "TBLX", "图斑类型"))
PC = Field("pc", "批次", "Batch", "str", ("PC", "批次", "PCH", "批次号"))

# The township as the delivery names it (Zhejiang's SSXZ and the like): a cross-check only, the
# township of a patch is always the overlay's (TOWNSHIP_CODE / TOWNSHIP_NAME below).
DELIVERED_TOWNSHIP = Field("delivered_township", "下发乡镇", "Delivered township", "str",
                           ("SSXZ", "所属乡镇", "乡镇名称", "XZMC_XZ", "SSXZMC"))
# The cultivated area the delivery states (监测耕地面积, m² as delivered; schema 8): compared with the
# overlay's cultivated area per patch, never used in a figure.
DELIVERED_CULTIVATED = Field("delivered_cultivated_m2", "下发耕地面积", "Delivered cultivated area", "real",
                             ("JCGDMJ", "监测耕地面积", "ZYGDMJ", "占用耕地面积"))

# The patch fields of schema version 1 (migration 1 creates these, and only these, forever).
PATCH_SOURCE_FIELDS_V1 = (JCBH, XZQDM, XZQMC, TBMJ, QSX, HSX, BHLX, PC)
PATCH_SOURCE_FIELDS = PATCH_SOURCE_FIELDS_V1 + (DELIVERED_TOWNSHIP, DELIVERED_CULTIVATED)
REQUIRED_SOURCE_FIELDS = (JCBH,)

# Fields the plugin adds to every patch.
BATCH = Field("batch", "导入批次", "Import batch", "str")
SRC_ATTRS = Field("src_attrs", "源属性", "Source attributes (JSON)", "str")
IMPORT_NOTE = Field("import_note", "导入说明", "Import note", "str")
REPAIRED = Field("geom_repaired", "几何已修复", "Geometry repaired", "int")
IMPORTED_AT = Field("imported_at", "导入时间", "Imported at", "datetime")

PATCH_FIELDS_V1 = PATCH_SOURCE_FIELDS_V1 + (BATCH, SRC_ATTRS, IMPORT_NOTE, REPAIRED, IMPORTED_AT)
PATCH_FIELDS = PATCH_FIELDS_V1 + (DELIVERED_TOWNSHIP, DELIVERED_CULTIVATED)

# Layer and table names in the task database.
PATCHES_LAYER = "patches"
PATCHES_SOURCE_LAYER = "patches_source"  # the same patches in the source geometry and CRS
VERIFICATIONS_TABLE = "verifications"
AUDIT_TABLE = "audit_log"
META_TABLE = "task_meta"
SOURCE_FILES_TABLE = "source_files"
IMPORT_ISSUES_TABLE = "import_issues"

# Thresholds (seed values; every one is a user setting).
UNLAWFUL_CULTIVATED_RATIO_LIMIT = 0.15  # yuanqu_2023
WARNING_PBF_MU = 5.0  # yiyuan_2019
WARNING_GENERAL_CULTIVATED_MU = 10.0  # yiyuan_2019

CULTIVATED_DLBM = ("0101", "0102", "0103")

# Field spellings of the red-line layers (compared case-insensitively, the first found wins): map
# them, never one hard-coded spelling. A townships layer spells its code and name as a patch layer
# spells its XZQDM / XZQMC; a village layer its village names, or a village-level XZQMC.
TOWNSHIP_CODE_FIELDS = XZQDM.synonyms
TOWNSHIP_NAME_FIELDS = XZQMC.synonyms
DLBM_FIELDS = ("DLBM", "地类编码")
APPROVAL_NUMBER_FIELDS = ("PZWH", "批准文号", "WH", "文号", "BAH", "备案号")
APPROVAL_KIND_FIELDS = ("PZLX", "批准类型", "LX")
VILLAGE_NAME_FIELDS = ("CJMC", "村名称", "村名", "CMC", "ZLDWMC", "坐落单位名称", *TOWNSHIP_NAME_FIELDS)

# Overlay results on each patch (m², full precision) and in the township split table.
AREA_M2 = Field("area_m2", "图斑面积(椭球)", "Patch area", "real")
CULTIVATED_M2 = Field("cultivated_m2", "占耕地面积", "Cultivated land", "real")
PBF_M2 = Field("pbf_m2", "占永久基本农田面积", "Permanent basic farmland", "real")
GENERAL_CULTIVATED_M2 = Field("general_cultivated_m2", "占一般耕地面积", "General cultivated land", "real")
ECO_M2 = Field("eco_m2", "占生态保护红线面积", "Ecological red line", "real")
APPROVED_M2 = Field("approved_m2", "已批准面积", "Approved", "real")
# The area fields of schema version 2 (migration 2 creates these, and only these, forever).
OVERLAY_AREA_FIELDS_V2 = (AREA_M2, CULTIVATED_M2, PBF_M2, GENERAL_CULTIVATED_M2, ECO_M2, APPROVED_M2)
# 自然保护地 (schema 8, an optional overlay layer): the reserve's own area, and the area on permanent
# basic farmland or a reserve (their union, so land in both counts once: yiyuan_2019 三(四)).
NATURE_RESERVE_M2 = Field("nature_reserve_m2", "占自然保护地面积", "Nature reserve", "real")
PBF_OR_RESERVE_M2 = Field("pbf_or_reserve_m2", "占永久基本农田或自然保护地面积",
                          "Permanent basic farmland or nature reserve", "real")
OVERLAY_AREA_FIELDS = OVERLAY_AREA_FIELDS_V2 + (NATURE_RESERVE_M2, PBF_OR_RESERVE_M2)

SUGGESTED_VERDICT = Field("suggested_verdict", "建议判定", "Suggested verdict", "str")
SUGGESTED_APPROVAL = Field("suggested_approval_no", "建议批准文号", "Suggested approval number", "str")
PRIORITY = Field("high_priority", "重点图斑", "High priority", "int")
SUGGESTION_REASONS = Field("suggestion_reasons", "预判依据", "Pre-judgement reasons (JSON)", "str")
OVERLAY_MODE = Field("area_mode", "面积算法", "Area mode", "str")
OVERLAY_FINGERPRINT = Field("overlay_fingerprint", "比对输入指纹", "Overlay input fingerprint", "str")
OVERLAY_AT = Field("overlay_at", "比对时间", "Overlay computed at", "datetime")
OVERLAY_PATCH_FIELDS_V2 = OVERLAY_AREA_FIELDS_V2 + (SUGGESTED_VERDICT, SUGGESTED_APPROVAL, PRIORITY,
                                                    SUGGESTION_REASONS, OVERLAY_MODE, OVERLAY_FINGERPRINT,
                                                    OVERLAY_AT)
OVERLAY_PATCH_FIELDS = OVERLAY_AREA_FIELDS + (SUGGESTED_VERDICT, SUGGESTED_APPROVAL, PRIORITY, SUGGESTION_REASONS,
                                              OVERLAY_MODE, OVERLAY_FINGERPRINT, OVERLAY_AT)

# Where a patch lies, from the overlay (schema 7): the township holding its largest part, and the
# village when a village layer was given. Deliveries carry the county's code on every patch, so
# this, never the delivered XZQDM/XZQMC, is the township shown, filtered, grouped and exported.
TOWNSHIP_CODE = Field("township_code", "所属乡镇代码", "Township code", "str")
TOWNSHIP_NAME = Field("township_name", "所属乡镇", "Township", "str")
VILLAGE_NAME = Field("village_name", "所属村", "Village", "str")
OVERLAY_PLACE_FIELDS = (TOWNSHIP_CODE, TOWNSHIP_NAME, VILLAGE_NAME)
# The one group (sheets, QField projects, per-person lists, progress) of the patches that have no
# township yet: not overlaid, or outside every township polygon. Never the delivered county.
UNPLACED_TOWNSHIP = ("未落乡镇", "No township")
# Said where a patch's township is shown before the overlay gave it one.
NOT_OVERLAID = ("未比对", "Not overlaid yet")
# Said where a patch's areas are shown while it has none: never overlaid, or its shape changed
# when delivered again (its old areas were dropped).
NEEDS_OVERLAY = ("待叠加分析", "Run the overlay")
# How the overlay's stored area modes (ellipsoid.AreaMode values) read in tables and the package.
AREA_MODE_LABELS = {"ellipsoidal": ("椭球面积", "Ellipsoidal"), "planar": ("平面面积", "Planar")}

PATCH_TOWNSHIPS_TABLE = "patch_townships"
OVERLAY_RUNS_TABLE = "overlay_runs"

# Verification records (现场核查结果): one per patch, keyed by JCBH.
# name, spreadsheet header (kept exactly as township staff know it), English, vocabulary.
@dataclass(frozen=True)
class VerificationField:
    name: str
    zh: str
    en: str
    vocabulary: type = None  # a Labeled enum, or None for free text
    multiple: bool = False  # several vocabulary values, separated by 、 ， , ； ;
    kind: str = "str"
    # Other headers township staff use for the column (matched after header normalisation:
    # full-width forms folded, brackets with their content, '*' and spaces dropped).
    synonyms: tuple = ()


V_JCBH = VerificationField("jcbh", "监测编号", "Monitoring number",
                           synonyms=("JCBH", "图斑编号", "监测图斑编号", "图斑监测编号"))
V_TOWNSHIP = VerificationField("xzqmc", "乡镇名称", "Township", synonyms=("乡镇", "所属乡镇", "乡镇街道", "乡镇名"))
V_VERDICT = VerificationField("verdict", "判定结果", "Verdict", Verdict,
                              synonyms=("判定", "合法性判定", "合法性判定结果", "判定结论"))
V_LAND_USE = VerificationField("land_use", "用地类型", "Land use", LandUse, synonyms=("用地性质",))
V_LAWFUL_KIND = VerificationField("lawful_kind", "合法类型", "Lawful kind", LawfulKind, synonyms=("合法用地类型",))
V_VIOLATION = VerificationField("violation_type", "违法类型", "Violation type", ViolationType,
                                synonyms=("违法用地类型", "违法情形"))
V_OTHER_KIND = VerificationField("other_kind", "其他类型", "Other kind", OtherKind)
V_APPROVAL_NO = VerificationField("approval_no", "批准文号", "Approval number",
                                  synonyms=("批准文号/备案号", "批准文号或备案号", "备案号", "批文号", "用地批准文号"))
V_RECT_STATUS = VerificationField("rect_status", "整改状态", "Rectification status", RectificationStatus,
                                  synonyms=("整改进展",))
V_MEASURES = VerificationField("rect_measures", "整改措施", "Rectification measures", Measure, multiple=True,
                               synonyms=("整改方式",))
V_CASE_FILED = VerificationField("case_filed", "是否立案", "Case filed", CaseFiled, synonyms=("立案",))
V_LEAD_SOURCE = VerificationField("lead_source", "线索来源", "Lead source", LeadSource, synonyms=("发现方式",))
V_INSPECTOR = VerificationField("inspector", "核查人", "Inspector", synonyms=("核查人员", "核查人员姓名"))
V_DATE = VerificationField("verify_date", "核查日期", "Verification date", kind="date", synonyms=("核查时间",))
V_NOTES = VerificationField("notes", "备注", "Notes", synonyms=("说明", "备注说明"))
# When the township's own work (patrol, report) found the violation (schema 8): a daily-work lead
# counts as daily enforcement only if found on or before the later image (yiyuan_2019 三(六)).
V_DISCOVERY_DATE = VerificationField("discovery_date", "发现日期", "Discovery date", kind="date",
                                     synonyms=("发现时间", "线索发现日期"))

# The spreadsheet template's columns, in order (合法类型 / 其他类型 are accepted when present).
SPREADSHEET_FIELDS = (V_JCBH, V_TOWNSHIP, V_VERDICT, V_LAND_USE, V_VIOLATION, V_APPROVAL_NO, V_RECT_STATUS,
                      V_MEASURES, V_CASE_FILED, V_LEAD_SOURCE, V_DISCOVERY_DATE, V_INSPECTOR, V_DATE, V_NOTES)
VERIFICATION_FIELDS = (V_VERDICT, V_LAND_USE, V_LAWFUL_KIND, V_VIOLATION, V_OTHER_KIND, V_APPROVAL_NO,
                       V_RECT_STATUS, V_MEASURES, V_CASE_FILED, V_LEAD_SOURCE, V_DISCOVERY_DATE, V_INSPECTOR,
                       V_DATE, V_NOTES)
# Set on a record when its patch was re-delivered with another shape (old and new area in the text):
# the verdict was made on the old shape and needs a look. Cleared when the record is saved again.
RECHECK = Field("recheck", "需复核", "Needs re-check", "str")
OPTIONAL_SPREADSHEET_FIELDS = (V_LAWFUL_KIND, V_OTHER_KIND)

# What each verdict requires (DOMAIN.md; issue: the verdict form).
REQUIRED_FOR_ALL = (V_INSPECTOR, V_DATE, V_LEAD_SOURCE)
# 用地类型 decides whether a patch is 新增建设用地 in the ratio's denominator (yuanqu_2023 三(三)).
REQUIRED_BY_VERDICT = {
    Verdict.LAWFUL: (V_LAND_USE, V_APPROVAL_NO),
    Verdict.UNLAWFUL: (V_LAND_USE, V_VIOLATION, V_RECT_STATUS, V_CASE_FILED),
    Verdict.OTHER: (),
}
# Measures are required once rectification has started.
MEASURES_REQUIRED_UNLESS = RectificationStatus.NOT_STARTED

# How a verification change reached the database (recorded in the audit log).
CHANNEL_FORM = "form"
CHANNEL_SPREADSHEET = "spreadsheet"
CHANNEL_QFIELD = "qfield"
CHANNEL_IMPORT = "import"  # a patch delivered again with another shape marks its record 需复核
CHANNEL_LABELS = {CHANNEL_FORM: ("表单", "Form"), CHANNEL_SPREADSHEET: ("核查表", "Verification sheet"),
                  CHANNEL_QFIELD: ("QField", "QField"), CHANNEL_IMPORT: ("图斑导入", "Patch import")}  # zh, en

# Township metrics (乡镇统计与问责预警): one row per township plus the county row.
TOWNSHIP_METRICS_TABLE = "township_metrics"
COUNTY_ROW_SUFFIX = "000000"  # county row xzqdm = 6-digit county code + this

# Lead sources that count as the township's own daily work (yiyuan_2019 三(六): 巡查、举报电话和微信;
# village reports under the field-chief system). 媒体曝光 and 上级交办 are not the township's own
# finding. The task's rules profile (core/rules.py) may set another list.
DAILY_ENFORCEMENT_SOURCES = (LeadSource.PATROL, LeadSource.VILLAGE_REPORT, LeadSource.PUBLIC_REPORT)


@dataclass(frozen=True)
class Thresholds:
    """Accountability thresholds; the defaults are the seed documents' values."""

    unlawful_cultivated_ratio: float = UNLAWFUL_CULTIVATED_RATIO_LIMIT  # flagged above (yuanqu_2023)
    warning_pbf_mu: float = WARNING_PBF_MU  # flagged at or above (yiyuan_2019)
    warning_general_cultivated_mu: float = WARNING_GENERAL_CULTIVATED_MU  # at or above (yiyuan_2019)


# name, zh, en, kind of every township_metrics column of schema version 3 (migration 3 creates
# these, and only these, forever), in table order.
METRIC_FIELDS_V3 = (
    Field("xzqdm", "行政区代码", "Admin code", "str"),
    Field("xzqmc", "行政区名称", "Admin name", "str"),
    Field("patch_count", "图斑数", "Patches", "int"),
    Field("patch_mu", "图斑面积(亩)", "Patch area (mu)", "real"),
    Field("verified_count", "已核查数", "Verified", "int"),
    Field("unverified_count", "未核查数", "Not yet verified", "int"),
    Field("lawful_count", "合法数", "Lawful", "int"),
    Field("lawful_mu", "合法面积(亩)", "Lawful area (mu)", "real"),
    Field("unlawful_count", "违法数", "Unlawful", "int"),
    Field("unlawful_mu", "违法面积(亩)", "Unlawful area (mu)", "real"),
    Field("other_count", "其他数", "Other", "int"),
    Field("other_mu", "其他面积(亩)", "Other area (mu)", "real"),
    Field("construction_cultivated_mu", "新增建设用地占用耕地(亩)", "New construction land on cultivated land (mu)",
          "real"),
    Field("unlawful_cultivated_mu", "违法占用耕地(亩)", "Unlawful cultivated land (mu)", "real"),
    Field("unlawful_pbf_mu", "违法占用永久基本农田(亩)", "Unlawful permanent basic farmland (mu)", "real"),
    Field("unlawful_general_cultivated_mu", "违法占用一般耕地(亩)", "Unlawful general cultivated land (mu)", "real"),
    Field("unlawful_eco_mu", "违法占用生态保护红线(亩)", "Unlawful ecological red line (mu)", "real"),
    Field("unlawful_cultivated_ratio", "违法占用耕地面积比例", "Unlawful cultivated ratio", "real"),
    Field("ratio_flag", "比例超标", "Ratio above limit", "int"),
    Field("interview_flag", "约谈预警", "Warning interview", "int"),
    Field("rectified_area_mu", "已整改面积(亩)", "Rectified (mu)", "real"),
    Field("rectifying_area_mu", "整改中面积(亩)", "Rectification in progress (mu)", "real"),
    Field("unrectified_area_mu", "未整改面积(亩)", "Not rectified (mu)", "real"),
    Field("rectification_rate", "整改率", "Rectification rate", "real"),
    Field("unrectified_cultivated_mu", "未整改违法占用耕地(亩)", "Unrectified unlawful cultivated land (mu)", "real"),
    Field("daily_found_count", "日常执法发现数", "Unlawful found by daily enforcement", "int"),
    Field("daily_found_share", "日常执法发现比例", "Share found by daily enforcement", "real"),
)
# Added by schema 8 (issue 16: the rules as the documents write them).
METRIC_FIELDS_V9 = (
    Field("unlawful_reserve_mu", "违法占用自然保护地(亩)", "Unlawful nature reserve (mu)", "real"),
    Field("unlawful_pbf_or_reserve_mu", "违法占用永久基本农田或自然保护地(亩)",
          "Unlawful permanent basic farmland or nature reserve (mu)", "real"),
    Field("ratio_incomplete", "比例待补用地类型", "Ratio incomplete (land use missing)", "int"),
    Field("case_flag_count", "达到追责标准案件数", "Cases over the accountability limits", "int"),
    Field("unrectified_pbf_mu", "未整改违法占用永久基本农田(需补划)(亩)",
          "Unrectified unlawful permanent basic farmland, to re-designate (mu)", "real"),
    Field("unrectified_general_cultivated_mu", "未整改违法占用一般耕地(亩)",
          "Unrectified unlawful general cultivated land (mu)", "real"),
    Field("permit_off_pbf_mu", "补办手续(非永久基本农田)(亩)", "Retroactive permits off farmland (mu)", "real"),
    Field("daily_found_mu", "日常执法发现面积(亩)", "Area found by daily enforcement (mu)", "real"),
    Field("daily_rectified_count", "日常执法发现已整改数", "Found by daily work and rectified", "int"),
    Field("daily_rectified_mu", "日常执法发现已整改面积(亩)", "Found by daily work and rectified (mu)", "real"),
    Field("satellite_found_count", "卫片发现数", "Found by the satellite", "int"),
    Field("satellite_found_mu", "卫片发现面积(亩)", "Found by the satellite (mu)", "real"),
    Field("satellite_rectified_count", "卫片发现已整改数", "Found by the satellite and rectified", "int"),
    Field("satellite_rectified_mu", "卫片发现已整改面积(亩)", "Found by the satellite and rectified (mu)", "real"),
    Field("suspect_concealed_count", "疑似瞒报数", "Suspected concealment", "int"),
    Field("doubtful_rectified_count", "整改存疑数", "Rectification in doubt", "int"),
)
METRIC_FIELDS = METRIC_FIELDS_V3 + METRIC_FIELDS_V9

# Field photos (现场照片), copied beside the task database and pointed at from the photos layer.
PHOTOS_LAYER = "photos"
PHOTO_MAX_DISTANCE_M = 100.0  # a photo farther than this from its patch is flagged (a setting)

# Review and return (处理状态, schema 10): per patch, from the township's verification to the report.
# A patch without a row is 待核查. Township logins submit; county logins approve, return with a
# reason, report and reopen (mnr_2021 六: the county's 审查 of what townships report).
REVIEW_STATES_TABLE = "review_states"


class ReviewState(Labeled):
    PENDING = ("待核查", "To verify")
    SUBMITTED = ("乡镇已核查", "Submitted by the township")
    APPROVED = ("县级审核通过", "Approved by the county")
    RETURNED = ("退回", "Returned")
    REPORTED = ("已上报", "Reported")


# Verification records of patches in these states cannot change (a county return or reopening first).
REVIEW_LOCKED_STATES = (ReviewState.APPROVED, ReviewState.REPORTED)
# The states a township submits a patch from (to 乡镇已核查; the database's lep_submit_review holds it to them).
TOWNSHIP_REVIEW_FROM = (ReviewState.PENDING, ReviewState.RETURNED)
REVIEW_STATE = Field("review_state", "处理状态", "Review state", "str")
REVIEW_OPINION = Field("review_opinion", "审核意见", "Review opinion", "str")

# Spot checks (抽查): reproducible stratified samples of verified patches and their re-checks.
SPOT_CHECK_DRAWS_TABLE = "spot_check_draws"
SPOT_CHECKS_TABLE = "spot_checks"

# Planning conformity (规划符合性), an extra pass after the overlay: area of each patch per zone.
PLANNING_CONFORMITY_TABLE = "planning_conformity"


class PlanningZone(Labeled):
    DEVELOPMENT_BOUNDARY = ("城镇开发边界", "Urban development boundary")
    ALLOWED = ("允许建设区", "Construction allowed")
    CONDITIONAL = ("有条件建设区", "Construction under conditions")
    RESTRICTED = ("限制建设区", "Construction restricted")


ZONE_AREA_FIELDS = {
    PlanningZone.DEVELOPMENT_BOUNDARY: Field("dev_boundary_m2", "城镇开发边界内面积", "In the development boundary",
                                             "real"),
    PlanningZone.ALLOWED: Field("allowed_m2", "允许建设区面积", "In construction-allowed zones", "real"),
    PlanningZone.CONDITIONAL: Field("conditional_m2", "有条件建设区面积", "In conditional zones", "real"),
    PlanningZone.RESTRICTED: Field("restricted_m2", "限制建设区面积", "In restricted zones", "real"),
}
OUTSIDE_ZONES_M2 = Field("outside_m2", "规划分区外面积", "Outside every planning zone", "real")


class Conformity(Labeled):
    CONFORMS = ("符合规划", "Conforms to the plan")
    CONDITIONAL = ("有条件符合", "Conforms under conditions")
    NONCONFORMING = ("不符合规划", "Does not conform")


CONFORMITY = Field("conformity", "符合规划", "Planning conformity", "str")


# Provincial submission package (成果上报包).
@dataclass(frozen=True)
class ExportColumn:
    """A column of the package's patch layers: its DBF name (at most 10 characters) and the
    canonical field it comes from, whose labels the field dictionary shows."""

    dbf: str
    field: object  # a Field or VerificationField
    kind: str = "str"  # "str", "int", or "area" (m², two decimals)

    @property
    def zh(self):
        return self.field.zh

    @property
    def en(self):
        return self.field.en


REPEAT_OF = Field("repeat_of", "重复图斑（前批次监测编号）", "Repeat of (earlier JCBH)", "str")
PHOTO_COUNT = Field("photo_count", "照片数", "Photos", "int")
EXPORT_COLUMNS = (
    ExportColumn("JCBH", JCBH), ExportColumn("XZQDM", XZQDM), ExportColumn("XZQMC", XZQMC),
    # The overlay's main township (the delivered XZQDM/XZQMC above are often the county's).
    ExportColumn("SSXZDM", TOWNSHIP_CODE), ExportColumn("SSXZMC", TOWNSHIP_NAME), ExportColumn("SSCMC", VILLAGE_NAME),
    ExportColumn("TBMJ", TBMJ, "area"), ExportColumn("QSX", QSX), ExportColumn("HSX", HSX),
    ExportColumn("BHLX", BHLX), ExportColumn("PC", PC), ExportColumn("DRPC", BATCH), ExportColumn("CFTB", REPEAT_OF),
    ExportColumn("TQMJ", AREA_M2, "area"), ExportColumn("GDMJ", CULTIVATED_M2, "area"),
    ExportColumn("JBNTMJ", PBF_M2, "area"), ExportColumn("YBGDMJ", GENERAL_CULTIVATED_M2, "area"),
    ExportColumn("STHXMJ", ECO_M2, "area"), ExportColumn("PZMJ", APPROVED_M2, "area"),
    ExportColumn("ZRBHDMJ", NATURE_RESERVE_M2, "area"), ExportColumn("JBZRMJ", PBF_OR_RESERVE_M2, "area"),
    ExportColumn("MJSF", OVERLAY_MODE), ExportColumn("JYPD", SUGGESTED_VERDICT), ExportColumn("ZDTB", PRIORITY, "int"),
    ExportColumn("PDJG", V_VERDICT), ExportColumn("YDLX", V_LAND_USE), ExportColumn("HFLX", V_LAWFUL_KIND),
    ExportColumn("WFLX", V_VIOLATION), ExportColumn("QTLX", V_OTHER_KIND), ExportColumn("PZWH", V_APPROVAL_NO),
    ExportColumn("ZGZT", V_RECT_STATUS), ExportColumn("ZGCS", V_MEASURES), ExportColumn("SFLA", V_CASE_FILED),
    ExportColumn("XSLY", V_LEAD_SOURCE), ExportColumn("FXRQ", V_DISCOVERY_DATE), ExportColumn("HCR", V_INSPECTOR),
    ExportColumn("HCRQ", V_DATE),
    ExportColumn("BZ", V_NOTES), ExportColumn("ZPS", PHOTO_COUNT, "int"),
    # The review state and the planning conformity (schema 10).
    ExportColumn("CLZT", REVIEW_STATE), ExportColumn("GHFH", CONFORMITY),
    ExportColumn("KFBJMJ", ZONE_AREA_FIELDS[PlanningZone.DEVELOPMENT_BOUNDARY], "area"),
    ExportColumn("YXJSMJ", ZONE_AREA_FIELDS[PlanningZone.ALLOWED], "area"),
    ExportColumn("YTJJSMJ", ZONE_AREA_FIELDS[PlanningZone.CONDITIONAL], "area"),
    ExportColumn("XZJSMJ", ZONE_AREA_FIELDS[PlanningZone.RESTRICTED], "area"),
    ExportColumn("GHWMJ", OUTSIDE_ZONES_M2, "area"),
)
assert all(len(c.dbf) <= 10 for c in EXPORT_COLUMNS) and len({c.dbf for c in EXPORT_COLUMNS}) == len(EXPORT_COLUMNS)

# Field photos a verdict needs before the package can be filed (a photo proves the ground truth
# of an unlawful patch and of its rectification).
PHOTOS_REQUIRED_BY_VERDICT = {Verdict.UNLAWFUL: 1}
SHAPEFILE_ENCODINGS = ("GBK", "UTF-8")

# Season control (批次、时间节点、责任分工): milestones per batch, people, assignments, repeats.
MILESTONES_TABLE = "milestones"
PEOPLE_TABLE = "people"
ASSIGNMENTS_TABLE = "assignments"
REPEAT_MIN_OVERLAP = 0.5  # share of the later patch covered by an earlier one to count as the same place


class MilestoneKind(Labeled):
    CHECK_DONE = ("核查完成", "Verification done")
    DATA_REPORTED = ("数据上报", "Data reported")
    RECTIFICATION_DONE = ("整改完成", "Rectification done")
    SUMMARY_REPORTED = ("总结上报", "Summary reported")
    ACCEPTANCE = ("实地验收", "On-site acceptance")


class PersonRole(Labeled):
    TOWNSHIP_CHIEF = ("乡级田长", "Township field chief")
    VILLAGE_CHIEF = ("村级田长", "Village field chief")
    INSPECTOR = ("核查员", "Inspector")


# Milestone dates by batch kind are the `calendar` rule of the rules profile (core/rules.py,
# data/rules/seeds.json: the seed yiyuan_2019's calendar).

# Per township and per assignee (进度): the columns of the progress table and report.
PROGRESS_FIELDS = (
    Field("xzqdm", "乡镇代码", "Township code", "str"),
    Field("xzqmc", "乡镇名称", "Township", "str"),
    Field("assignee", "责任人", "Assignee", "str"),
    Field("assigned", "已分派", "Assigned", "int"),
    Field("verified", "已核查", "Verified", "int"),
    Field("overdue", "逾期未核查", "Overdue", "int"),
    Field("unlawful", "发现违法", "Unlawful found", "int"),
    Field("rectified", "已整改", "Rectified", "int"),
    Field("rectification_overdue", "逾期未整改", "Rectification overdue", "int"),
)


# Enforcement cases (违法案件查处整改全过程): a case per unlawful patch or several patches, its
# 违法主体, and its acts, append-only, each dated, with attachments kept like photos (issue 20).
CASES_TABLE = "cases"
CASE_PATCHES_TABLE = "case_patches"
CASE_ACTS_TABLE = "case_acts"
CASE_ATTACHMENTS_TABLE = "case_attachments"


class SubjectType(Labeled):
    PERSON = ("个人", "Person")
    ORGANISATION = ("单位", "Organisation")
    VILLAGE_COLLECTIVE = ("村集体", "Village collective")
    GOVERNMENT_BODY = ("政府部门", "Government body")


# The case's own facts (one row of the case sheet). Kind "real": a number (yuan, m²).
C_CASE = VerificationField("case_key", "案件编号", "Case", synonyms=("案件号",))
C_PATCHES = VerificationField("jcbhs", "监测编号", "Monitoring numbers", synonyms=("JCBH", "图斑编号"))
C_SUBJECT_NAME = VerificationField("subject_name", "违法主体", "Offender", synonyms=("违法主体名称", "当事人"))
C_SUBJECT_TYPE = VerificationField("subject_type", "主体类型", "Offender type", SubjectType, synonyms=("违法主体类型",))
C_SUBJECT_ID = VerificationField("subject_id", "身份证号或统一社会信用代码", "ID or credit code",
                                 synonyms=("身份证号", "统一社会信用代码", "证件号码"))
C_PROJECT = VerificationField("project_name", "项目名称", "Project")
C_ACTUAL_USE = VerificationField("actual_use", "实际用途", "Actual use")
CASE_FIELDS = (C_SUBJECT_NAME, C_SUBJECT_TYPE, C_SUBJECT_ID, C_PROJECT, C_ACTUAL_USE)
