"""Filter choices shared by the docks."""


def refill_choices(combo, all_label, items):
    """Replace a filter's choices ("all" first, then (label, value) items), keeping the current
    one when it is still there, without announcing a change that did not happen."""
    current = combo.currentData()
    combo.blockSignals(True)
    combo.clear()
    combo.addItem(all_label, None)
    for label, value in items:
        combo.addItem(label, value)
    combo.setCurrentIndex(max(combo.findData(current), 0))
    combo.blockSignals(False)
