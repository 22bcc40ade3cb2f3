"""The one SQL quoting of the plugin: literals and identifiers written into SQL text, and the
values OGR hands back from it."""


def sql_quote(value):
    """A text literal: 'value' with every quote doubled (also a QGIS expression's string literal)."""
    return "'" + str(value).replace("'", "''") + "'"


def sql_text(value):
    """A text literal, or NULL for None."""
    return "NULL" if value is None else sql_quote(value)


def sql_value(value):
    """A literal of its own type: NULL, a number (floats at full precision) or text."""
    if value is None:
        return "NULL"
    if isinstance(value, float):
        return repr(value)  # full precision
    if isinstance(value, int):  # bool too
        return str(int(value))
    return sql_quote(value)


def sql_ident(name):
    """A quoted SQL identifier (table names come from the database, schema names from a location)."""
    return '"' + str(name).replace('"', '""') + '"'


def plain(value):
    """Arrow values as Python ones: text arrives as UTF-8 bytes."""
    return value.decode("utf-8") if isinstance(value, bytes) else value


def field_indexes(layer, names):
    """The index of each of `names` in the layer's fields (reading by index is what keeps reading
    20,000 features linear in their fields)."""
    definition = layer.GetLayerDefn()
    return [definition.GetFieldIndex(name) for name in names]


def chunks(items, size=1000):
    """`items` (a list) a thousand at a time: one statement each, not one per row."""
    for start in range(0, len(items), size):
        yield items[start:start + size]
