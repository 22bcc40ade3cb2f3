"""Which Python packages the plugin needs at run time, which are missing, and how to install them.

The list lives in the plugin's metadata.txt, key `python_dependencies` (pip requirement syntax,
comma-separated, e.g. ``openpyxl>=3.0,Pillow>=8``). Packages are looked up with importlib.metadata
and importlib.util.find_spec; they are never imported here. Standard library only, no Qt, so the
plugin can call it before anything else and show the message itself::

    missing = dependencies.find_missing()
    if missing:
        iface.messageBar().pushMessage(title, dependencies.missing_summary(missing),
                                       dependencies.missing_message(missing), Qgis.Warning, 0)
"""
import importlib.metadata
import importlib.util
import re
import sys
from dataclasses import dataclass

from .core.metadata import metadata_value

METADATA_KEY = "python_dependencies"

# Distribution name (normalised) -> top-level module, where they differ.
IMPORT_NAMES = {
    "pillow": "PIL",
    "pyyaml": "yaml",
    "python-dateutil": "dateutil",
    "beautifulsoup4": "bs4",
    "scikit-learn": "sklearn",
    "opencv-python": "cv2",
    "opencv-python-headless": "cv2",
    "gdal": "osgeo",
    "pyproj": "pyproj",
}

# Distribution name (normalised) -> Debian/Ubuntu package, for the Linux hint.
DEBIAN_PACKAGES = {
    "openpyxl": "python3-openpyxl",
    "pillow": "python3-pil",
    "piexif": "python3-piexif",
    "pyyaml": "python3-yaml",
    "python-dateutil": "python3-dateutil",
}

# Distribution name (normalised) -> the features that need it (Chinese, English).
FEATURES = {
    "openpyxl": ("Excel 表格", "spreadsheets"),
    "pillow": ("照片 EXIF", "photo EXIF"),
}

_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[[^\]]*\])?\s*(.*?)\s*$")
_SPECIFIER = re.compile(r"^\s*(===|~=|==|!=|<=|>=|<|>)\s*([^\s,;]+)\s*$")


@dataclass(frozen=True)
class MissingPackage:
    """A requirement that is not met: not installed (installed is None) or in the wrong version."""

    requirement: str  # as written in metadata.txt, e.g. "Pillow>=8"
    name: str  # distribution name, e.g. "Pillow"
    installed: str = None  # the version found, None when not installed

    @property
    def reason_zh(self):
        return "未安装" if self.installed is None else f"已安装 {self.installed}，版本不符合要求"

    @property
    def reason_en(self):
        return "not installed" if self.installed is None else f"version {self.installed} installed, does not match"


def normalise(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def split_requirements(text):
    """"a>=1,<2, b" -> ["a>=1,<2", "b"]: a piece starting with an operator continues the previous one."""
    requirements = []
    for piece in (text or "").replace("\n", ",").split(","):
        piece = piece.strip()
        if not piece:
            continue
        if requirements and piece[0] in "<>=!~":
            requirements[-1] += "," + piece
        else:
            requirements.append(piece)
    return requirements


def read_requirements(path=None):
    """The requirement strings listed in metadata.txt (empty when the file or the key is absent)."""
    return split_requirements(metadata_value(METADATA_KEY, path))


def parse_requirement(requirement):
    """"Pillow>=8,<12" -> ("Pillow", [(">=", "8"), ("<", "12")]). Environment markers are ignored."""
    text = requirement.split(";", 1)[0]
    match = _REQUIREMENT.match(text)
    if not match:
        raise ValueError(f"not a requirement: {requirement!r}")
    name, rest = match.groups()
    specifiers = []
    for part in filter(None, (p.strip() for p in rest.split(","))):
        spec = _SPECIFIER.match(part)
        if not spec:
            raise ValueError(f"not a version specifier: {part!r} in {requirement!r}")
        specifiers.append(spec.groups())
    return name, specifiers


def _release(version):
    match = re.match(r"^\s*v?(\d+(?:\.\d+)*)", version)
    return tuple(int(part) for part in match.group(1).split(".")) if match else ()


def _compare(a, b):
    length = max(len(a), len(b))
    a, b = a + (0,) * (length - len(a)), b + (0,) * (length - len(b))
    return (a > b) - (a < b)


def version_matches(version, operator, wanted):
    """Release-number comparison (pre/post/dev tags are ignored), enough for minimum versions."""
    if operator == "===":
        return version.strip() == wanted.strip()
    if operator in ("==", "!=") and wanted.endswith(".*"):
        prefix = _release(wanted[:-2])
        equal = _release(version)[:len(prefix)] == prefix
        return equal if operator == "==" else not equal
    have, want = _release(version), _release(wanted)
    if not have or not want:
        return True  # cannot tell: do not nag about it
    order = _compare(have, want)
    if operator == "~=":
        return order >= 0 and have[:max(len(want) - 1, 1)] == want[:max(len(want) - 1, 1)]
    return {"==": order == 0, "!=": order != 0, ">=": order >= 0, "<=": order <= 0,
            ">": order > 0, "<": order < 0}[operator]


def installed_version(name):
    """The installed version of a distribution; "" if only its module is found; None if absent."""
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        pass
    except Exception:  # a broken dist-info must not break the plugin
        pass
    module = IMPORT_NAMES.get(normalise(name), name.replace("-", "_").replace(".", "_"))
    try:
        return "" if importlib.util.find_spec(module) is not None else None
    except (ImportError, ValueError):
        return None


def find_missing(requirements=None):
    """The requirements (default: those in metadata.txt) that are not met, as MissingPackage."""
    if requirements is None:
        requirements = read_requirements()
    missing = []
    for requirement in requirements:
        name, specifiers = parse_requirement(requirement)
        version = installed_version(name)
        if version is None:
            missing.append(MissingPackage(requirement.strip(), name, None))
        elif version and not all(version_matches(version, op, wanted) for op, wanted in specifiers):
            missing.append(MissingPackage(requirement.strip(), name, version))
    return missing


def install_command(missing, platform=None):
    """The pip command line that installs the missing packages on this platform."""
    platform = platform or sys.platform
    args = " ".join(f'"{package.requirement}"' for package in missing)
    if platform.startswith("win"):
        return f"python -m pip install {args}"
    return f"python3 -m pip install --user {args}"


def missing_message(missing=None, platform=None):
    """Bilingual text (Chinese first, then English) naming what is missing and how to install it.

    `missing` defaults to find_missing(); returns "" when nothing is missing.
    """
    if missing is None:
        missing = find_missing()
    if not missing:
        return ""
    platform = platform or sys.platform
    command = install_command(missing, platform)
    listed_zh = "；".join(f"{package.requirement}（{package.reason_zh}）" for package in missing)
    listed_en = "; ".join(f"{package.requirement} ({package.reason_en})" for package in missing)
    if platform.startswith("win"):
        how_zh = f"请关闭 QGIS，从开始菜单打开“OSGeo4W Shell”，运行：\n    {command}\n然后重新启动 QGIS。"
        how_en = f"Close QGIS, open \"OSGeo4W Shell\" from the Start menu and run:\n    {command}\nthen restart QGIS."
    else:
        debian = [DEBIAN_PACKAGES.get(normalise(package.name)) for package in missing]
        apt = "sudo apt install " + " ".join(debian) if all(debian) else ""
        how_zh = f"请在终端运行：\n    {command}\n然后重新启动 QGIS。"
        how_en = f"Run in a terminal:\n    {command}\nthen restart QGIS."
        if apt:
            how_zh += f"\n（Debian/Ubuntu 的系统 Python 若拒绝 pip 安装，可改用：{apt}）"
            how_en += f"\n(If the system Python of Debian/Ubuntu refuses pip, use: {apt})"
    features = [FEATURES[normalise(p.name)] for p in missing if normalise(p.name) in FEATURES]
    if features:
        affected_zh = "部分功能（" + "、".join(zh for zh, _ in features) + "）暂不可用。"
        affected_en = "Some features (" + ", ".join(en for _, en in features) + ") are unavailable until then."
    else:
        affected_zh = "部分功能暂不可用。"
        affected_en = "Some features are unavailable until then."
    return (f"卫片执法插件缺少运行所需的 Python 包：{listed_zh}。{affected_zh}\n{how_zh}\n"
            f"Land Enforcement plugin: missing Python packages: {listed_en}. {affected_en}\n{how_en}")


def missing_summary(missing=None, platform=None):
    """One line for the message bar (with missing_message() behind its "more" button); "" if none."""
    if missing is None:
        missing = find_missing()
    if not missing:
        return ""
    names = ", ".join(package.requirement for package in missing)
    return f"缺少 Python 包 {names}，安装方法见详情。 Missing Python packages {names}: see details to install."


def check(metadata=None, platform=None):
    """(missing packages, message) for the requirements in metadata.txt; message is "" if none."""
    missing = find_missing(read_requirements(metadata))
    return missing, missing_message(missing, platform)
