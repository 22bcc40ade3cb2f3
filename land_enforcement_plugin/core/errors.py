"""Errors that reach the user: always in Chinese and English."""


class LandEnforcementError(Exception):
    """A problem the user can act on (bad input, wrong choice); never a programming error."""

    def __init__(self, zh, en):
        super().__init__(f"{zh} / {en}")
        self.zh = zh
        self.en = en
