"""File names the plugin makes from what users type or deliver (monitoring numbers, townships, cases)."""
import re


def safe_name(text):
    """A file or folder name from a JCBH (or any label): no separators, no parent references."""
    cleaned = re.sub(r"[^0-9A-Za-z_\-\u4e00-\u9fff]", "_", text)
    return cleaned.strip(".") or "_"
