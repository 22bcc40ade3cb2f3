"""Repeated patches (重复图斑): a patch of a later batch at the place of an earlier batch's patch is
linked to it when imported, so that a place is counted once, with its latest verdict."""
from qgis.core import QgsGeometry, QgsSpatialIndex

from .. import schema
from ..store import open_task


def link_repeats(task_path, min_overlap=schema.REPEAT_MIN_OVERLAP):
    """Link every patch of a later batch to the earlier batch's patch at the same place (at least
    `min_overlap` of the later patch covered by it). Returns {jcbh: earlier jcbh} newly linked."""
    with open_task(task_path) as store:
        order = {batch: i for i, batch in enumerate(store.summary().batches)}
        if len(order) < 2:
            return {}  # nothing earlier to come back from
        batches = store.patch_batches()
        geometries = {}
        index = QgsSpatialIndex()
        ids = []
        for jcbh, wkb, _ in store.patch_geometries():
            geometry = QgsGeometry()
            geometry.fromWkb(wkb)
            geometries[jcbh] = geometry
            index.addFeature(len(ids), geometry.boundingBox())
            ids.append(jcbh)
        links = {}
        for jcbh, geometry in geometries.items():
            batch, linked, _ = batches[jcbh]
            if linked or order.get(batch, 0) == 0:
                continue
            candidates = []
            for other in (ids[i] for i in index.intersects(geometry.boundingBox())):
                if order.get(batches[other][0], 0) >= order.get(batch, 0):
                    continue
                # The same place: at least `min_overlap` of the later patch lies on the earlier one (a
                # small earlier patch inside a much larger later one is another place).
                shared = geometry.intersection(geometries[other]).area()
                if geometry.area() and shared / geometry.area() >= min_overlap:
                    candidates.append((-order[batches[other][0]], -shared, other))  # the latest earlier batch
            if candidates:
                links[jcbh] = min(candidates)[2]
        if links:
            store.set_repeats(links)
        return links
