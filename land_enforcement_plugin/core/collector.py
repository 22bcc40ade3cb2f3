"""Python's cycle collector held back while long work runs. Both policies are process-wide and
counted: of several runs at once, the first sets the policy and the last restores it."""
import functools
import gc
import threading


class _WhileAnyRuns:
    """A process-wide setting held while any run is inside it: begin() when the first enters (its
    result is kept for end), end(kept) when the last leaves."""

    def __init__(self, begin, end):
        self._begin, self._end = begin, end
        self._lock = threading.Lock()
        self._running, self._kept = 0, None

    def __enter__(self):
        with self._lock:
            if not self._running:
                self._kept = self._begin()
            self._running += 1

    def __exit__(self, *_):
        with self._lock:
            self._running -= 1
            if not self._running:
                self._end(self._kept)


def _hold_off_full_collections():
    thresholds = gc.get_threshold()
    gc.set_threshold(thresholds[0], thresholds[1], 1 << 30)  # the young generations are still collected
    return thresholds


# Full collections held off: the overlay makes hundreds of thousands of objects that live until it
# ends, none in a cycle, and each full collection scans them all holding the interpreter lock,
# stopping every assembling thread (ten collections, 0.9 s of 20,000 patches' run).
FULL_COLLECTIONS_HELD = _WhileAnyRuns(_hold_off_full_collections, lambda thresholds: gc.set_threshold(*thresholds))

# The objects there before the work left alone (gc.freeze): a full collection started by background
# work holds the interpreter lock, and so the UI thread, for as long as it takes to scan every object
# of QGIS and the plugin (about 50 ms, several times a second); frozen, it scans only what the work made.
FROZEN_HEAP = _WhileAnyRuns(gc.freeze, lambda _: gc.unfreeze())


def full_collections_held(function):
    """`function` run inside FULL_COLLECTIONS_HELD."""
    @functools.wraps(function)
    def held(*args, **kwargs):
        with FULL_COLLECTIONS_HELD:
            return function(*args, **kwargs)
    return held
