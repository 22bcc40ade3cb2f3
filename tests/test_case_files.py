"""Case attachments kept like photos in bureau mode, and the 处理状态 a township reads on its sheet."""
import openpyxl
from test_cases import unlawful_task

from land_enforcement_plugin.core import review_states, verification
from land_enforcement_plugin.core.store import open_task

REASON = "现场照片不是本图斑，请重新拍摄"


def _sheet_rows(path):
    sheet = openpyxl.load_workbook(path)["核查结果"]
    headers = [c.value for c in sheet[1]]
    return {row[0].value: dict(zip(headers, (c.value for c in row))) for row in sheet.iter_rows(min_row=2)}


# -- the township's sheet ---------------------------------------------------------------------------
def test_the_township_sheet_shows_which_patches_were_returned_and_why_and_reimports_unchanged(tmp_path):
    task = unlawful_task(tmp_path)
    store = open_task(task)
    try:
        store.apply_verifications({j: {"land_use": "建设用地"} for j in ("T1", "T2")}, "form")  # complete records
        review_states.apply(store, "submit", ["T1", "T2"])
        review_states.apply(store, "return", ["T1"], REASON)
    finally:
        store.close()
    paths = verification.export_templates(task, str(tmp_path / "sheets"))
    town = next(p for p in paths if p.endswith("_城关镇.xlsx"))
    rows = _sheet_rows(town)
    assert [(rows[j]["处理状态"], rows[j]["退回原因"]) for j in ("T1", "T2")] == [("退回", REASON), ("乡镇已核查", None)]
    other = _sheet_rows(next(p for p in paths if p.endswith("_南麻镇.xlsx")))
    assert other["T3"]["处理状态"] == "待核查"
    result = verification.import_spreadsheet(task, town)
    assert [r.status for r in result.rows] == ["unchanged", "unchanged"]
    assert result.sheets[0].ignored == []  # read-only, as the image chips: not a column the staff fill in
