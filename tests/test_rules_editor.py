"""One rules profile holds all rules (issue 16): the calendar is the profile's, the Season tab saves
it, and the metrics dock's editor changes any rule with its source in view."""
import json

import pytest
from conftest import wait_for
from qgis.core import QgsSettings
from test_submission import copy_task

from land_enforcement_plugin.core import rules, schema
from land_enforcement_plugin.core.season import metrics
from land_enforcement_plugin.core.season import plan as control
from land_enforcement_plugin.core.store import GeoPackageTaskStore

_SETTINGS = ("land_enforcement/rules_profile", "land_enforcement/milestone_template")


@pytest.fixture
def bureau_settings():
    """The bureau's own profile and old template, put back as they were after the test."""
    settings = QgsSettings()
    saved = {key: settings.value(key) for key in _SETTINGS}
    for key in _SETTINGS:
        settings.remove(key)
    yield settings
    for key, value in saved.items():
        if value is None:
            settings.remove(key)
        else:
            settings.setValue(key, value)


def county_row(result):
    return result.rows[-1]


def test_a_template_saved_before_the_calendar_joined_the_profile_stays_the_bureaus(bureau_settings):
    old = dict(rules.bundled()["calendar"], Q1={"核查完成": "04-20"})
    bureau_settings.setValue("land_enforcement/milestone_template", json.dumps(old, ensure_ascii=False))
    assert rules.saved_profile()["calendar"]["Q1"] == {"核查完成": "04-20"}
    assert control.template_dates("2025Q1") == {"核查完成": "2025-04-20"}


def test_season_tab_saves_the_batch_dates_as_the_calendar_of_the_task_and_the_bureau(season, tmp_path,
                                                                                    bureau_settings):
    from land_enforcement_plugin.gui.season_panel import SeasonPanel

    task = copy_task(season, str(tmp_path))
    panel = SeasonPanel()
    panel.set_task(task)
    panel.batch.setCurrentText("2024Q2")
    assert panel.batch.currentText() == "2024Q2", [panel.batch.itemText(i) for i in range(panel.batch.count())]
    panel.apply_template()
    row = next(r for r in range(panel.milestones.rowCount())
               if (panel.milestones.item(r, 0).text(), panel.milestones.item(r, 1).text()) == ("2024Q2", "核查完成"))
    assert panel.milestones.item(row, 2).text() == "2024-07-10"  # the bundled calendar (yiyuan_2019 四、(二))
    panel.milestones.item(row, 2).setText("2024-07-20")
    said = []
    panel.message.connect(lambda text, level: said.append((text, level)))
    panel.save_template()
    assert said[-1][1] == 0, said
    with GeoPackageTaskStore.open(task) as store:
        assert control.task_calendar(store)["Q2"]["核查完成"] == "07-20"
        assert store.audit_entries()[-1]["field"] == "rules_profile"  # the calendar change is audited
    assert rules.saved_profile()["calendar"]["Q2"]["核查完成"] == "07-20"  # and the bureau's own
    assert rules.saved_profile()["calendar"]["annual"] == rules.bundled()["calendar"]["annual"]


def test_rules_editor_changes_a_threshold_and_a_daily_source_and_the_dock_figures_follow(season, tmp_path,
                                                                                         bureau_settings):
    from land_enforcement_plugin.gui.metrics_dock import MetricsDock

    task = copy_task(season, str(tmp_path))
    with GeoPackageTaskStore.open(task) as store:
        patrolled = sorted(j for j, r in store.verifications().items() if r.get("verdict") == "违法")[:2]
        store.apply_verifications({j: {"lead_source": "巡查", "discovery_date": "2023-06-01"} for j in patrolled},
                                  schema.CHANNEL_FORM)
    dock = MetricsDock()
    dock.set_task(task)
    wait_for(lambda: dock.runner.idle and dock.result is not None)
    before = county_row(dock.result)
    dialog = dock.edit_rules()
    assert dialog.value_item("case_cultivated_mu").text() == "10"
    assert "一律启动责任追究程序" in dialog.value_item("case_cultivated_mu").toolTip()  # the document's words
    assert dialog.check("daily_sources", "巡查").isChecked() and not dialog.check("daily_sources", "卫片").isChecked()
    dialog.value_item("case_cultivated_mu").setText("100")
    dialog.value_item("case_pbf_mu").setText("100")
    dialog.check("daily_sources", "巡查").setChecked(False)
    dialog.accept()
    wait_for(lambda: dock.runner.idle and county_row(dock.result) is not before)
    after = county_row(dock.result)
    with GeoPackageTaskStore.open(task) as store:
        profile = rules.task_profile(store)
        assert profile["case_cultivated_mu"] == 100 and profile["daily_sources"] == ["村级报告", "群众举报"]
        assert store.audit_entries()[-1]["field"] == "rules_profile"
        expected = county_row(metrics.township_metrics(store, profile=profile))
    assert before["case_flag_count"] > 0 and after["case_flag_count"] == 0
    assert before["daily_found_count"] >= 2
    # The two marked here and the demo's own patrol leads found in time no longer count as daily work.
    assert after["daily_found_count"] == expected["daily_found_count"] <= before["daily_found_count"] - 2


def test_rules_editor_refuses_a_wrong_value_naming_the_rule_and_saves_the_bureaus_own(bureau_settings):
    from land_enforcement_plugin.gui.rules_dialog import RulesDialog

    dialog = RulesDialog(rules.bundled())
    assert dialog.value_item("ratio_limit").text() == "15"  # shown in %
    dialog.value_item("ratio_limit").setText("150")
    dialog.accept()
    assert dialog.profile_edited is None and "ratio_limit" in dialog.problem.text()
    dialog.value_item("ratio_limit").setText("many")
    assert dialog.save_as_bureaus() is None and "ratio_limit" in dialog.problem.text()
    dialog.value_item("ratio_limit").setText("20")
    dialog.check("concealment_land_uses", "临时用地").setChecked(False)
    assert dialog.save_as_bureaus() is not None and dialog.problem.text() == ""
    bureau = rules.saved_profile()
    assert bureau["ratio_limit"] == pytest.approx(0.2) and bureau["concealment_land_uses"] == ["设施农用地"]
    assert bureau.rule("ratio_limit").cited == rules.bundled().rule("ratio_limit").cited  # its source kept
