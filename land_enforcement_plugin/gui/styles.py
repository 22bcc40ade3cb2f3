"""How the task's layers look on the map."""
from qgis.core import (
    QgsFillSymbol,
    QgsMarkerSymbol,
    QgsProperty,
    QgsRuleBasedRenderer,
    QgsSingleSymbolRenderer,
    QgsSymbolLayer,
)

from ..core import schema
from .messages import ui_is_chinese


def style_patches(layer):
    """Outline by verdict: unverified orange, unlawful red, lawful green, other grey."""
    root = QgsRuleBasedRenderer.Rule(None)
    zh = ui_is_chinese()
    rules = [(verdict.zh if zh else verdict.en, f"attribute('verdict') = '{verdict.value}'", colour)
             for verdict, colour in ((schema.Verdict.UNLAWFUL, "220,0,0"), (schema.Verdict.LAWFUL, "0,150,60"),
                                     (schema.Verdict.OTHER, "120,120,120"))]
    rules.append(("未核查" if zh else "Not verified", "ELSE", "255,140,0"))
    for label, expression, colour in rules:
        symbol = QgsFillSymbol.createSimple({"color": colour + ",40", "outline_color": colour, "outline_width": "0.6"})
        root.appendChild(QgsRuleBasedRenderer.Rule(symbol, 0, 0, expression, label))
    layer.setRenderer(QgsRuleBasedRenderer(root))
    return layer


def style_photos(layer):
    """An arrow per photo, turned to the direction the camera looked."""
    symbol = QgsMarkerSymbol.createSimple({"name": "arrow", "size": "5", "color": "30,90,200",
                                           "outline_color": "255,255,255", "outline_width": "0.3"})
    symbol.symbolLayer(0).setDataDefinedProperty(QgsSymbolLayer.PropertyAngle,
                                                 QgsProperty.fromExpression('coalesce("direction", 0)'))
    layer.setRenderer(QgsSingleSymbolRenderer(symbol))
    return layer
