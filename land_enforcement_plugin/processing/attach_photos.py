"""landenforcement:attachphotos — a folder of field photos matched to patches by file name."""
from qgis.core import (
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterFile,
    QgsProcessingParameterNumber,
)
from qgis.PyQt.QtCore import QT_TRANSLATE_NOOP

from ..core.review import photos
from ..core.store import open_task
from .base import LandEnforcementAlgorithm, tr


class AttachPhotosAlgorithm(LandEnforcementAlgorithm):
    ALGORITHM_ID = "attachphotos"
    GROUP = "verification"

    INPUT = "INPUT"
    MAX_DISTANCE = "MAX_DISTANCE"

    # outputs
    ATTACHED = "ATTACHED"
    SKIPPED = "SKIPPED"
    REFUSED = "REFUSED"
    PATCHES = "PATCHES"
    REPORT = "REPORT"

    DISPLAY_NAME = QT_TRANSLATE_NOOP("@default", "Attach field photos from a folder")
    HELP = QT_TRANSLATE_NOOP(
        "@default",
        "Attaches the photos in a folder (and its subfolders) to the patches whose monitoring number "
        "starts their file name (e.g. <JCBH>_1.jpg). EXIF position, time and direction are read; the "
        "photos are copied beside the task database (the originals are left as they are); a photo far "
        "from its patch, taken before the later image date or after today, or without a usable GPS "
        "position is reported. A file that is not an image (checked by decoding it; HEIC must be "
        "converted to JPEG first) and a file whose name matches no patch are refused and listed. "
        "Attaching the same photo twice changes nothing.")

    def initAlgorithm(self, config=None):
        self.addParameter(QgsProcessingParameterFile(self.INPUT, tr("Photo folder"),
                                                     behavior=QgsProcessingParameterFile.Behavior.Folder))
        self.addParameter(self.task_database_parameter())
        self.addParameter(QgsProcessingParameterNumber(
            self.MAX_DISTANCE, tr("Flag photos farther from their patch than (m; default: the task's setting)"),
            QgsProcessingParameterNumber.Type.Double, optional=True, minValue=0))
        for name, label in ((self.ATTACHED, tr("Photos attached")), (self.SKIPPED, tr("Photos already attached")),
                            (self.REFUSED, tr("Files refused or not matched")),
                            (self.PATCHES, tr("Patches with new photos"))):
            self.addOutput(QgsProcessingOutputNumber(name, label))
        self.addOutput(QgsProcessingOutputString(self.REPORT, tr("Files refused and warnings")))

    def execute(self, parameters, context, feedback):
        task_path = self.task_path(parameters, context)
        with open_task(task_path) as store:
            jcbhs = list(store.patch_index())
        by_jcbh = photos.match_folder(self.parameterAsFile(parameters, self.INPUT, context), jcbhs)
        distance = parameters.get(self.MAX_DISTANCE)
        result = photos.attach_photos(task_path, by_jcbh,
                                      self.parameterAsDouble(parameters, self.MAX_DISTANCE, context)
                                      if distance not in (None, "") else None, feedback)
        report = result.lines()
        for line in report:
            feedback.pushWarning(line)
        return {self.ATTACHED: result.added, self.SKIPPED: result.skipped, self.REFUSED: len(result.refused),
                self.PATCHES: len(by_jcbh), self.REPORT: "\n".join(report)}
