"""The messages more than one module shows the user, each kind written once in Chinese and English.

A module with a message of its own keeps it; a kind said in several places (an unknown monitoring
number, a file not found, a cancelled run) comes from here, so that it reads the same everywhere.
"""
from typing import NamedTuple

from .errors import LandEnforcementError


class Message(NamedTuple):
    """A message in both languages; unpacks as (zh, en) wherever a pair is expected (a Problem, an
    import issue, a refused file)."""

    zh: str
    en: str

    def error(self):
        """The message as the error to raise."""
        return LandEnforcementError(self.zh, self.en)

    def then(self, more):
        """This message followed by `more` (a Message): unknown_jcbh(j).then(NOT_ATTACHED)."""
        return Message(self.zh + more.zh, self.en + more.en)


CANCELLED = Message("已取消", "Cancelled")
IMPORT_CANCELLED = Message("导入已取消，任务库未改动", "Import cancelled; the task database is unchanged")
MISSING_JCBH = Message("缺少监测编号", "Missing monitoring number")
NOT_ATTACHED = Message("，未附加", "; not attached")
NO_TOWNSHIPS_LAYER = Message("请选择乡镇界图层", "Choose the townships layer")


def cancelled(zh_work, en_work):
    """A long run stopped by the user: cancelled("市级汇总", "City summary")."""
    return Message(f"{zh_work}已取消", f"{en_work} cancelled")


def unknown_jcbh(jcbh):
    """A monitoring number that names no patch of the task."""
    return Message(f"任务库中没有监测编号“{jcbh}”", f"Unknown monitoring number '{jcbh}'")


def duplicate_jcbh(row, sheet=None):
    """A monitoring number given again: the first `row` (of `sheet`, when the file has several) had it."""
    if sheet is None:
        return Message(f"监测编号重复（与第 {row} 行相同）", f"Duplicate monitoring number (same as row {row})")
    return Message(f"监测编号重复（与工作表“{sheet}”第 {row} 行相同）",
                   f"Duplicate monitoring number (same as row {row} of sheet '{sheet}')")


def file_not_found(path):
    return Message(f"找不到文件：{path}", f"File not found: {path}")


def missing_package(package, zh_task, en_task):
    """An optional Python package not installed: `zh_task` / `en_task` say what cannot be done."""
    return Message(f"缺少 Python 包 {package}，无法{zh_task}",
                   f"The Python package {package} is missing; cannot {en_task}")
