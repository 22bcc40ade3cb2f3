"""landenforcement:attachphotos — a folder of field photos matched to patches by file name."""
from qgis.core import (
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterFile,
    QgsProcessingParameterNumber,
)

from ..core.review import photos
from ..core.store import open_task
from .base import LandEnforcementAlgorithm, task_database_parameter, tr


class AttachPhotosAlgorithm(LandEnforcementAlgorithm):
    ALGORITHM_ID = "attachphotos"
    GROUP = "verification"

    def displayName(self):
        return tr("Attach field photos from a folder")

    def shortHelpString(self):
        return tr("Attaches the photos in a folder (and its subfolders) to the patches whose monitoring number "
                  "starts their file name (e.g. <JCBH>_1.jpg). EXIF position, time and direction are read; the "
                  "photos are copied beside the task database (the originals are left as they are); a photo far "
                  "from its patch, taken before the later image date or after today, or without a usable GPS "
                  "position is reported. A file that is not an image (checked by decoding it; HEIC must be "
                  "converted to JPEG first) and a file whose name matches no patch are refused and listed. "
                  "Attaching the same photo twice changes nothing.")

    def initAlgorithm(self, config=None):
        self.addParameter(QgsProcessingParameterFile("INPUT", tr("Photo folder"),
                                                     behavior=QgsProcessingParameterFile.Behavior.Folder))
        self.addParameter(task_database_parameter())
        self.addParameter(QgsProcessingParameterNumber(
            "MAX_DISTANCE", tr("Flag photos farther from their patch than (m; default: the task's setting)"),
            QgsProcessingParameterNumber.Type.Double, optional=True, minValue=0))
        for name, label in (("ATTACHED", tr("Photos attached")), ("SKIPPED", tr("Photos already attached")),
                            ("REFUSED", tr("Files refused or not matched")),
                            ("PATCHES", tr("Patches with new photos"))):
            self.addOutput(QgsProcessingOutputNumber(name, label))
        self.addOutput(QgsProcessingOutputString("REPORT", tr("Files refused and warnings")))

    def execute(self, parameters, context, feedback):
        task_path = self.parameterAsFile(parameters, "DATABASE", context)
        with open_task(task_path) as store:
            jcbhs = list(store.patch_index())
        by_jcbh = photos.match_folder(self.parameterAsFile(parameters, "INPUT", context), jcbhs)
        distance = parameters.get("MAX_DISTANCE")
        result = photos.attach_photos(task_path, by_jcbh,
                                      self.parameterAsDouble(parameters, "MAX_DISTANCE", context)
                                      if distance not in (None, "") else None, feedback)
        report = result.lines()
        for line in report:
            feedback.pushWarning(line)
        return {"ATTACHED": result.added, "SKIPPED": result.skipped, "REFUSED": len(result.refused),
                "PATCHES": len(by_jcbh), "REPORT": "\n".join(report)}
