<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
    <context>
        <name>@default</name>
        <message>
            <location filename="../land_enforcement_plugin/plugin.py" line="88" />
            <source>Land enforcement</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/plugin.py" line="74" />
            <source>Land enforcement task panel</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/plugin.py" line="76" />
            <source>Open task…</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/plugin.py" line="77" />
            <source>Import change patches…</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/import_patches.py" line="32" />
            <source>Import change patches</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/import_patches.py" line="35" />
            <source>Task</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/import_patches.py" line="41" />
            <source>Imports satellite change patches (Shapefile in UTF-8 or GBK, GeoPackage, GeoJSON, FileGDB) into the task GeoPackage, creating it when it does not exist. Patches are merged by monitoring number (JCBH): verification records already entered are kept. Invalid geometries are repaired and listed; rows that cannot be imported are listed with the reason.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/import_patches.py" line="51" />
            <source>Change patch file (.shp, .gpkg, .geojson, .gdb)</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/import_patches.py" line="54" />
            <source>Layer name inside the file</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/import_patches.py" line="55" />
            <source>Task database (GeoPackage; created when missing)</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/import_patches.py" line="58" />
            <source>Field mapping (JSON object or saved profile name; empty: detect)</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/import_patches.py" line="61" />
            <source>Batch (e.g. 2024 annual)</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/import_patches.py" line="62" />
            <source>Attribute encoding</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/import_patches.py" line="62" />
            <source>Detect</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/import_patches.py" line="64" />
            <source>Source CRS (when the file has none)</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/import_patches.py" line="66" />
            <source>Working CRS of a new task (default: CGCS2000 3-degree zone)</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/import_patches.py" line="68" />
            <source>Patches inserted</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/import_patches.py" line="68" />
            <source>Patches updated</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/import_patches.py" line="68" />
            <source>Patches unchanged</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/import_patches.py" line="68" />
            <source>Rows rejected</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/import_patches.py" line="68" />
            <source>Geometries repaired</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/import_patches.py" line="72" />
            <source>Validation report</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>ImportPatchesDialog</name>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="20" />
            <source>Import change patches</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="32" />
            <source>Detect</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="43" />
            <source>e.g. 2024 annual, 2025Q2</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="46" />
            <source>Patch file</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="47" />
            <source>Layer</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="51" />
            <source>Attribute encoding</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="199" />
            <source>Source CRS</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="53" />
            <source>Working CRS</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="202" />
            <source>Batch</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="57" />
            <source>Task field</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="57" />
            <source>Source field</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="70" />
            <source>Apply</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="72" />
            <source>Save as…</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="74" />
            <source>Delete</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="77" />
            <source>Profile</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="83" />
            <source>Field mapping (* required)</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="89" />
            <source>Import</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="120" />
            <source>from the .cpg file</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="120" />
            <source>from the DBF header</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="121" />
            <source>detected from the text</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="121" />
            <source>plain ASCII</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="122" />
            <source>format is UTF-8</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="122" />
            <source>chosen</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="123" />
            <source>{n} features</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="199" />
            <source>The file has no CRS: choose it</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="144" />
            <source>(not mapped)</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="164" />
            <source>Save field mapping</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="164" />
            <source>Profile name</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="173" />
            <source>Delete profile</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="173" />
            <source>Delete the field-mapping profile “{name}”?</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="196" />
            <source>Field mapping</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="202" />
            <source>Enter the batch, e.g. 2024 annual</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>LandEnforcementProvider</name>
        <message>
            <location filename="../land_enforcement_plugin/processing/provider.py" line="20" />
            <source>Land enforcement</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>TaskDock</name>
        <message>
            <location filename="../land_enforcement_plugin/gui/task_dock.py" line="31" />
            <source>Land enforcement task</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/task_dock.py" line="113" />
            <source>No task open</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/task_dock.py" line="38" />
            <source>Open task…</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/task_dock.py" line="40" />
            <source>Import patches…</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/task_dock.py" line="42" />
            <source>Add to map</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/task_dock.py" line="49" />
            <source>Task</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/task_dock.py" line="51" />
            <source>County code</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/task_dock.py" line="51" />
            <source>Batches</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/task_dock.py" line="51" />
            <source>Working CRS</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/task_dock.py" line="51" />
            <source>Patches</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/task_dock.py" line="51" />
            <source>Verified</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/task_dock.py" line="51" />
            <source>Schema version</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/task_dock.py" line="59" />
            <source>Cancel</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/task_dock.py" line="66" />
            <source>Last import: validation report</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/task_dock.py" line="71" />
            <source>Row</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/task_dock.py" line="71" />
            <source>Monitoring no.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/task_dock.py" line="71" />
            <source>Result</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/task_dock.py" line="71" />
            <source>Reason</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/task_dock.py" line="71" />
            <source>Area m² before → after</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/task_dock.py" line="91" />
            <source>Open or create a task database</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/task_dock.py" line="91" />
            <source>Task database (*.gpkg)</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/task_dock.py" line="168" />
            <source>Importing change patches</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/task_dock.py" line="182" />
            <source>Read {read}: {inserted} new, {updated} updated, {unchanged} unchanged, {rejected} rejected, {repaired} geometries repaired</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/task_dock.py" line="189" />
            <source>Rejected</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/task_dock.py" line="189" />
            <source>Repaired</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/task_dock.py" line="189" />
            <source>Note</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/task_dock.py" line="231" />
            <source>Change patches</source>
            <translation type="unfinished" />
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/task_dock.py" line="233" />
            <source>Cannot load the patches layer from {path}</source>
            <translation type="unfinished" />
        </message>
    </context>
</TS>
