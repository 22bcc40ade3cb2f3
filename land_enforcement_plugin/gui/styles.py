"""How the task's layers look on the map."""
from qgis.core import (QgsFillSymbol, QgsMarkerSymbol, QgsProperty, QgsRuleBasedRenderer, QgsSingleSymbolRenderer,
                       QgsSymbolLayer)


def style_patches(layer):
    """Outline by verdict: unverified orange, unlawful red, lawful green, other grey."""
    root = QgsRuleBasedRenderer.Rule(None)
    for label, expression, colour in (
            ("违法 Unlawful", "attribute('verdict') = '违法'", "220,0,0"),
            ("合法 Lawful", "attribute('verdict') = '合法'", "0,150,60"),
            ("其他 Other", "attribute('verdict') = '其他'", "120,120,120"),
            ("未核查 Not verified", "ELSE", "255,140,0")):
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
