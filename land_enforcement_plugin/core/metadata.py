"""The plugin's metadata.txt: its version (recorded in what the plugin exports) and the other keys.
Standard library only, so that the plugin can read it before anything else is imported."""
import configparser
import os

PLUGIN_FOLDER = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def metadata_path():
    """metadata.txt of the installed plugin, or of the source tree (one folder up)."""
    for candidate in (os.path.join(PLUGIN_FOLDER, "metadata.txt"),
                      os.path.join(os.path.dirname(PLUGIN_FOLDER), "metadata.txt")):
        if os.path.isfile(candidate):
            return candidate
    return None


def metadata_value(key, path=None):
    """The value of `key` in metadata.txt's [general] section ("" when the file or the key is absent)."""
    path = path or metadata_path()
    if not path or not os.path.isfile(path):
        return ""
    parser = configparser.ConfigParser(interpolation=None)
    with open(path, encoding="utf-8") as handle:
        parser.read_file(handle)
    return parser.get("general", key, fallback="")


def plugin_version():
    """The plugin's version as metadata.txt declares it (recorded in what it exports)."""
    return metadata_value("version") or "unknown"
