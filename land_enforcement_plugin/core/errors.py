"""Errors that reach the user: always in Chinese and English."""


class LandEnforcementError(Exception):
    """A problem the user can act on (bad input, wrong choice); never a programming error."""

    def __init__(self, zh, en):
        super().__init__(f"{zh} / {en}")
        self.zh = zh
        self.en = en


class Bilingual(str):
    """A report line in both languages: reads "中文 / English" (logs, Processing), and keeps each half
    (.zh, .en) for a screen that shows only the UI's language."""

    def __new__(cls, zh, en):
        line = super().__new__(cls, f"{zh} / {en}")
        line.zh, line.en = zh, en
        return line
