<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
    <context>
        <name>@default</name>
        <message>
            <location filename="../land_enforcement_plugin/plugin.py" line="206" />
            <source>Land enforcement</source>
            <translation>卫片执法</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/plugin.py" line="117" />
            <source>Land enforcement task panel</source>
            <translation>卫片执法任务面板</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/plugin.py" line="119" />
            <source>Open task…</source>
            <translation>打开任务库…</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/plugin.py" line="120" />
            <source>Import change patches…</source>
            <translation>导入卫片图斑…</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/import_patches.py" line="40" />
            <source>Import change patches</source>
            <translation>导入卫片图斑</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/base.py" line="95" />
            <source>Task</source>
            <translation>任务库</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/import_patches.py" line="52" />
            <source>Change patch file (.shp, .gpkg, .geojson, .gdb)</source>
            <translation>卫片图斑文件（.shp、.gpkg、.geojson、.gdb）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/import_patches.py" line="55" />
            <source>Layer name inside the file</source>
            <translation>文件中的图层名</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/import_patches.py" line="57" />
            <source>Field mapping (JSON object or saved profile name; empty: detect)</source>
            <translation>字段映射（JSON 对象或已保存的映射方案名；留空则自动识别）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/import_patches.py" line="60" />
            <source>Batch (e.g. 2024 annual)</source>
            <translation>批次（如 2024年度）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/import_patches.py" line="64" />
            <source>Attribute encoding</source>
            <translation>属性编码</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/import_patches.py" line="64" />
            <source>Detect</source>
            <translation>自动识别</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/import_patches.py" line="66" />
            <source>Source CRS (when the file has none)</source>
            <translation>源坐标系（文件未带坐标系时）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/import_patches.py" line="68" />
            <source>Working CRS of a new task (default: CGCS2000 3-degree zone)</source>
            <translation>新任务库的工作坐标系（默认：CGCS2000 3 度带）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/import_patches.py" line="70" />
            <source>Patches inserted</source>
            <translation>新增图斑</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/import_patches.py" line="70" />
            <source>Patches updated</source>
            <translation>更新图斑</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/import_patches.py" line="70" />
            <source>Patches unchanged</source>
            <translation>未变图斑</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/import_verification.py" line="48" />
            <source>Rows rejected</source>
            <translation>拒绝导入的行</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/import_patches.py" line="70" />
            <source>Geometries repaired</source>
            <translation>已修复的几何</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/import_patches.py" line="74" />
            <source>Validation report</source>
            <translation>校验报告</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/import_verification.py" line="29" />
            <source>Import verification spreadsheet</source>
            <translation>导入核查表</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/base.py" line="95" />
            <source>Verification</source>
            <translation>核查</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/import_verification.py" line="46" />
            <source>Import the valid rows even when some rows are rejected</source>
            <translation>部分行被拒绝时仍导入有效行</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/import_verification.py" line="48" />
            <source>Rows accepted</source>
            <translation>接受的行</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/import_verification.py" line="48" />
            <source>Rows unchanged</source>
            <translation>未变的行</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/import_verification.py" line="48" />
            <source>Records written</source>
            <translation>写入的记录</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/import_verification.py" line="53" />
            <source>Row report</source>
            <translation>逐行报告</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/import_verification.py" line="64" />
            <source>Rows were rejected: nothing was written. Fix them, or accept a partial import.</source>
            <translation>有行被拒绝：未写入任何内容。请修正这些行，或允许部分导入。</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/overlay.py" line="41" />
            <source>Overlay red lines (office comparison)</source>
            <translation>红线叠加分析（内业比对）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/overlay.py" line="59" />
            <source>Townships (XZQDM, XZQMC)</source>
            <translation>乡镇（XZQDM、XZQMC）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/overlay.py" line="60" />
            <source>Cultivated land</source>
            <translation>耕地</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/overlay.py" line="62" />
            <source>Permanent basic farmland</source>
            <translation>永久基本农田</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/overlay.py" line="64" />
            <source>Ecological red line</source>
            <translation>生态保护红线</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/overlay.py" line="68" />
            <source>Approvals (each with its document number field)</source>
            <translation>用地审批（各带批文号字段）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/overlay.py" line="71" />
            <source>Villages (CJMC, 村名称)</source>
            <translation>村界（CJMC、村名称）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/base.py" line="69" />
            <source>CRS of input layers that have none (e.g. a shapefile without .prj)</source>
            <translation>无坐标系图层的坐标系（如缺少 .prj 的 Shapefile）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/base.py" line="78" />
            <source>Area</source>
            <translation>面积</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/base.py" line="78" />
            <source>Ellipsoidal (CGCS2000, official)</source>
            <translation>椭球面积（CGCS2000，官方口径）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/base.py" line="78" />
            <source>Planar (working CRS)</source>
            <translation>平面面积（工作坐标系）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/overlay.py" line="75" />
            <source>Land-use codes counted as cultivated (when the layer has DLBM)</source>
            <translation>计为耕地的地类编码（图层有 DLBM 字段时）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/overlay.py" line="78" />
            <source>Approved share that suggests lawful</source>
            <translation>建议判定合法的已批面积占比</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/overlay.py" line="81" />
            <source>Patches recomputed</source>
            <translation>重算的图斑</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/overlay.py" line="81" />
            <source>Patches reused</source>
            <translation>沿用的图斑</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/overlay.py" line="81" />
            <source>Red-line features repaired</source>
            <translation>已修复的红线要素</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/submission.py" line="122" />
            <source>Report</source>
            <translation>报告</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/overlay.py" line="101" />
            <source>Cancelled: the task database is unchanged</source>
            <translation>已取消：任务库未作改动</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/township_metrics.py" line="34" />
            <source>Township metrics</source>
            <translation>乡镇指标</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/township_metrics.py" line="35" />
            <source>Computes per-township and county figures from the verdicts and the overlay areas (unlawful cultivated ratio, warning-interview flags, rectification) and writes them to the township_metrics table of the task database, and optionally to an .xlsx workbook.</source>
            <translation>根据核查结论和叠加面积计算各乡镇及全县指标（违法占用耕地比例、预警约谈标记、整改情况），写入任务库的 township_metrics 表，也可另存为 .xlsx 工作簿。</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/township_metrics.py" line="57" />
            <source>Workbook</source>
            <translation>工作簿</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/township_metrics.py" line="59" />
            <source>Townships</source>
            <translation>乡镇</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/township_metrics.py" line="60" />
            <source>Townships flagged</source>
            <translation>被标记的乡镇</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/plugin.py" line="123" />
            <source>Patch review panel</source>
            <translation>图斑核查面板</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/plugin.py" line="127" />
            <source>Township metrics panel</source>
            <translation>乡镇统计面板</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/plugin.py" line="134" />
            <source>Next unverified patch</source>
            <translation>下一个未核查图斑</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/plugin.py" line="136" />
            <source>Verdict form…</source>
            <translation>判定表单…</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/plugin.py" line="30" />
            <source>&amp;Land enforcement</source>
            <translation>卫片执法(&amp;L)</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/base.py" line="95" />
            <source>Submission</source>
            <translation>成果上报</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/submission.py" line="36" />
            <source>Export submission package</source>
            <translation>导出成果上报包</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/submission.py" line="52" />
            <source>Package (.zip; default: &lt;county&gt;_&lt;batch&gt;_成果包.zip beside the task)</source>
            <translation>成果包（.zip；默认为任务库旁的 &lt;县代码&gt;_&lt;批次&gt;_成果包.zip）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/submission.py" line="55" />
            <source>Shapefile encoding</source>
            <translation>Shapefile 编码</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/submission.py" line="57" />
            <source>Draft: export despite blocking problems</source>
            <translation>草稿：存在阻断性问题也导出</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/submission.py" line="59" />
            <source>Evidence sheet PDFs</source>
            <translation>举证材料 PDF</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/submission.py" line="60" />
            <source>Replace an existing package</source>
            <translation>覆盖已有成果包</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/submission.py" line="63" />
            <source>Package</source>
            <translation>成果包</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/submission.py" line="64" />
            <source>Blocking problems</source>
            <translation>阻断性问题</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/submission.py" line="64" />
            <source>Warnings</source>
            <translation>警告</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/submission.py" line="64" />
            <source>Files in the package</source>
            <translation>成果包文件数</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/submission.py" line="64" />
            <source>Evidence sheets</source>
            <translation>举证材料数</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/submission.py" line="89" />
            <source>Export cancelled; nothing was written.</source>
            <translation>导出已取消，未写入任何文件。</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/submission.py" line="110" />
            <source>Verify submission package</source>
            <translation>校验成果上报包</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/submission.py" line="120" />
            <source>Submission package (.zip)</source>
            <translation>成果上报包（.zip）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/submission.py" line="121" />
            <source>Files checked</source>
            <translation>已校验文件数</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/submission.py" line="129" />
            <source>The package does not match its manifest: </source>
            <translation>成果包与其清单不一致：</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/plugin.py" line="137" />
            <source>Export submission package…</source>
            <translation>导出成果上报包…</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/plugin.py" line="150" />
            <source>Open a task first</source>
            <translation>请先打开任务</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/plugin.py" line="156" />
            <source>Submission package written: {path}</source>
            <translation>成果上报包已写入：{path}</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/attach_photos.py" line="29" />
            <source>Attach field photos from a folder</source>
            <translation>从文件夹挂接现场照片</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/attach_photos.py" line="41" />
            <source>Photo folder</source>
            <translation>照片文件夹</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/attach_photos.py" line="44" />
            <source>Flag photos farther from their patch than (m; default: the task's setting)</source>
            <translation>照片距图斑超过此距离时提示（米；默认按任务设置）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/attach_photos.py" line="47" />
            <source>Photos attached</source>
            <translation>已挂接照片数</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/attach_photos.py" line="47" />
            <source>Photos already attached</source>
            <translation>已存在的照片数</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/attach_photos.py" line="47" />
            <source>Patches with new photos</source>
            <translation>有新照片的图斑数</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/base.py" line="53" />
            <source>Task database (GeoPackage, or pg:&lt;connection&gt;/&lt;schema&gt;; created when missing)</source>
            <translation>任务库（GeoPackage，或 pg:&lt;连接&gt;/&lt;模式名&gt;；不存在时新建）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/base.py" line="53" />
            <source>Task database (GeoPackage, or pg:&lt;connection&gt;/&lt;schema&gt;)</source>
            <translation>任务库（GeoPackage，或 pg:&lt;连接&gt;/&lt;模式名&gt;）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/base.py" line="96" />
            <source>Season</source>
            <translation>批次与进度</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/base.py" line="62" />
            <source>Batch (empty: every batch)</source>
            <translation>批次（留空：全部批次）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/season.py" line="26" />
            <source>Assign patches to townships and people</source>
            <translation>分派图斑到乡镇和责任人</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/season.py" line="27" />
            <source>Assigns every patch to its township (the boundary the overlay used) and to the township's default person of the roster. A roster sheet (.xlsx or .csv with 姓名, 角色, 乡镇代码, 村, 电话, 默认) replaces the task's roster first. Assignments made by hand are kept. Milestone due dates of every batch are filled from the template where not set. Every change goes to the audit log.</source>
            <translation>按乡镇界（叠加分析所用边界）把每个图斑分派到所在乡镇及名册中该乡镇的默认责任人。若提供名册表（.xlsx 或 .csv，列为 姓名、角色、乡镇代码、村、电话、默认），先用它替换任务名册。手工分派保持不变。各批次未设置的时间节点按模板填写。所有变更写入审计日志。</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/season.py" line="37" />
            <source>Roster sheet (optional)</source>
            <translation>名册表（可选）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/season.py" line="39" />
            <source>Redo automatic assignments</source>
            <translation>重新自动分派</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/season.py" line="41" />
            <source>Assignments changed</source>
            <translation>变更的分派数</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/season.py" line="67" />
            <source>Export per-person task lists</source>
            <translation>导出责任人任务清单</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/season.py" line="68" />
            <source>For every township and every person, in one go: the verification sheet (.xlsx) and the QField project of the patches assigned to them.</source>
            <translation>一次为每个乡镇的每位责任人导出其负责图斑的核查表（.xlsx）和 QField 外业工程。</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/season.py" line="75" />
            <source>Folder</source>
            <translation>文件夹</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/season.py" line="79" />
            <source>Sheets and projects written</source>
            <translation>已写出的核查表和工程数</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/season.py" line="100" />
            <source>Progress report</source>
            <translation>进度报告</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/season.py" line="101" />
            <source>Milestones with days left, and per township and person: assigned, verified, overdue, unlawful found, rectified (.xlsx, one page per sheet), for the county head's weekly meeting.</source>
            <translation>时间节点及剩余天数，以及各乡镇、各责任人的已分派、已核查、逾期、发现违法、已整改情况（.xlsx，每表一页），供县领导周例会使用。</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/season.py" line="110" />
            <source>Patches overdue</source>
            <translation>逾期图斑数</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/add_imagery.py" line="39" />
            <source>Add before / after imagery</source>
            <translation>登记前后时相影像</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/add_imagery.py" line="53" />
            <source>Raster file</source>
            <translation>栅格文件</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/add_imagery.py" line="54" />
            <source>Folder of tiles</source>
            <translation>瓦片文件夹</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/add_imagery.py" line="56" />
            <source>Saved connection (xyz:&lt;name&gt; or wms:&lt;name&gt;)</source>
            <translation>已保存的连接（xyz:&lt;名称&gt; 或 wms:&lt;名称&gt;）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/add_imagery.py" line="58" />
            <source>Layer of the WMS/WMTS connection</source>
            <translation>WMS/WMTS 连接的图层</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/add_imagery.py" line="60" />
            <source>WMTS tile matrix set</source>
            <translation>WMTS 瓦片矩阵集</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/add_imagery.py" line="61" />
            <source>Before</source>
            <translation>前时相</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/add_imagery.py" line="61" />
            <source>After</source>
            <translation>后时相</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/add_imagery.py" line="61" />
            <source>Any</source>
            <translation>前后均可</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/add_imagery.py" line="68" />
            <source>Images registered with the task</source>
            <translation>任务已登记的影像数</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/add_imagery.py" line="69" />
            <source>The new entry (JSON)</source>
            <translation>新登记项（JSON）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/add_imagery.py" line="70" />
            <source>Its source (a VRT for a folder)</source>
            <translation>影像来源（文件夹为 VRT）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/add_imagery.py" line="79" />
            <source>Give exactly one of INPUT, FOLDER or CONNECTION</source>
            <translation>INPUT、FOLDER、CONNECTION 三者须且只能给出一个</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/add_imagery.py" line="99" />
            <source>no date</source>
            <translation>无日期</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/add_imagery.py" line="102" />
            <source>The image has no date: it is not matched to any patch until one is set</source>
            <translation>该影像没有日期：填写日期之前不会匹配到任何图斑</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/plugin.py" line="131" />
            <source>Before / after imagery panel</source>
            <translation>前后时相影像面板</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/plugin.py" line="205" />
            <source>(the full report is in the Log Messages panel, tab “{tag}”)</source>
            <translation>（完整报告见“日志消息”面板的“{tag}”页）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/add_imagery.py" line="61" />
            <source>Phase (before / after)</source>
            <translation>时相（前时相 / 后时相）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/add_imagery.py" line="67" />
            <source>Image name</source>
            <translation>影像名称</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/season.py" line="77" />
            <source>Before/after image chips in the sheets (about 0.1 s a patch)</source>
            <translation>核查表中附前后时相影像截图（每个图斑约 0.1 秒）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/attach_photos.py" line="30" />
            <source>Attaches the photos in a folder (and its subfolders) to the patches whose monitoring number starts their file name (e.g. &lt;JCBH&gt;_1.jpg). EXIF position, time and direction are read; the photos are copied beside the task database (the originals are left as they are); a photo far from its patch, taken before the later image date or after today, or without a usable GPS position is reported. A file that is not an image (checked by decoding it; HEIC must be converted to JPEG first) and a file whose name matches no patch are refused and listed. Attaching the same photo twice changes nothing.</source>
            <translation>将文件夹（含子文件夹）中的照片挂接到文件名以其监测编号开头的图斑（如 &lt;监测编号&gt;_1.jpg）。读取 EXIF 中的位置、时间和方向；照片复制到任务库旁（原文件不动）；离图斑过远、拍摄时间早于后时相或晚于今天、GPS 位置无法使用的照片会被列出。内容不是图像的文件（逐个解码检查；HEIC 须先转为 JPEG）和文件名对不上任何图斑的文件不挂接，并逐个列出。同一照片重复挂接不会改变任何内容。</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/attach_photos.py" line="47" />
            <source>Files refused or not matched</source>
            <translation>未挂接或未匹配的文件</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/attach_photos.py" line="51" />
            <source>Files refused and warnings</source>
            <translation>未挂接的文件与警告</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/submission.py" line="37" />
            <source>Builds the provincial submission package (成果上报包) of a task as one zip: the patches with their overlay areas and verdicts as Shapefile (GBK by default, with a field dictionary) and GeoPackage, the workbook (汇总表, 明细表, 违法图斑整改台账, 问责线索), the photos renamed by monitoring number, an evidence sheet PDF per unlawful or high-priority patch, and manifest.json with every file's SHA-256. Blocking problems (unverified patches, lawful without approval number, unlawful without rectification status, missing photos) stop the export unless DRAFT is set; a draft says so in its name and manifest. An existing package is replaced only with OVERWRITE. The same task exported twice gives the same files. Staging folders (.package-…) that an interrupted export left beside the output more than a day ago are removed and listed.</source>
            <translation>将任务导出为一个成果上报包（zip）：含叠加面积与判定结果的图斑（Shapefile，默认 GBK 编码并附字段对照表；以及 GeoPackage）、工作簿（汇总表、明细表、违法图斑整改台账、问责线索）、按监测编号重命名的照片、每个违法或重点图斑的举证材料 PDF，以及记录每个文件 SHA-256 的 manifest.json。存在阻断性问题（未核查图斑、合法缺批准文号、违法缺整改状态、缺少照片）时不导出，除非选择“草稿”；草稿在文件名和清单中注明。已有成果包只有选择“覆盖”时才会被替换。同一任务两次导出的文件完全相同。中断的导出在输出位置旁留下、超过一天的临时文件夹（.package-…）会被删除并列出。</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/submission.py" line="111" />
            <source>Checks a received submission package against its manifest.json: every file present and unchanged (size, then SHA-256), nothing extra, no unsafe paths, every file what its extension says (photos decode as images, PDFs, workbook, Shapefile); then re-reads its Shapefile and workbook and compares their counts with the manifest. Fails when anything differs, listing every problem.</source>
            <translation>按 manifest.json 校验收到的成果上报包：每个文件都在且未被改动（先核对大小，再核对 SHA-256），没有多余文件，没有不安全路径，每个文件的内容与扩展名相符（照片能解码为图像，PDF、工作簿、Shapefile 格式正确）；再重新读取其中的 Shapefile 和工作簿，与清单中的数量核对。任何不一致都会报错，并列出每个问题。</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/plugin.py" line="142" />
            <source>Your name in the change history…</source>
            <translation>修改记录中的姓名…</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/add_imagery.py" line="40" />
            <source>Registers imagery with the task, tagged with its date (or date range) and role, so that each patch is shown and printed over the nearest image on or before its earlier date (QSX) and the nearest on or after its later date (HSX). Give a raster file, or a folder of tiles (built into one VRT beside the task that references the tiles in place, nothing is copied), or the name of an XYZ or WMS/WMTS connection saved in QGIS (WMS/WMTS also need the layer). A date is a day (2023-03-15) or a month (2022-10, standing for all its days); left empty it is read from the file or folder name. An image dated after every patch's HSX or before every QSX is registered with a warning.</source>
            <translation>将影像登记到任务，并标注其日期（或日期范围）和时相，使每个图斑在显示和打印时叠加在前时相（QSX）当时或之前最近的影像和后时相（HSX）当时或之后最近的影像上。可给出一个栅格文件，或一个瓦片文件夹（在任务旁生成一个引用原瓦片的 VRT，不复制任何文件），或 QGIS 中已保存的 XYZ、WMS/WMTS 连接名称（WMS/WMTS 还需指定图层）。日期可以是某一天（2023-03-15）或某个月（2022-10，代表该月的每一天）；留空时从文件或文件夹名称中读取。日期晚于所有图斑后时相或早于所有图斑前时相的影像仍会登记，但给出警告。</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/add_imagery.py" line="63" />
            <source>Image date or month, or first date of its range</source>
            <translation>影像日期或月份，或日期范围的起始日期</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/add_imagery.py" line="65" />
            <source>Last date (or month) of its range</source>
            <translation>日期范围的截止日期（或月份）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/add_imagery.py" line="71" />
            <source>Warnings about its date, one a line</source>
            <translation>关于其日期的警告（每行一条）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/import_patches.py" line="41" />
            <source>Imports satellite change patches (Shapefile in UTF-8 or GBK, GeoPackage, GeoJSON, FileGDB) into the task GeoPackage, creating it when it does not exist. Patches are merged by monitoring number (JCBH): verification records already entered are kept. Invalid geometries are repaired and listed; rows that cannot be imported are listed with the reason. When the batch field (PC) holds several values (2023Q1 … 2023Q4), each value becomes a batch (BATCH then names the batch of rows without one), or every row goes into BATCH when BATCH_MODE is 1. INPUT may name a layer the QGIS way: file.gpkg|layername=x.</source>
            <translation>将卫片图斑（UTF-8 或 GBK 编码的 Shapefile、GeoPackage、GeoJSON、FileGDB）导入任务库 GeoPackage，任务库不存在时自动创建。图斑按监测编号（JCBH）合并：已录入的核查记录保持不变。无效几何会被修复并列出；无法导入的行会连同原因一并列出。批次字段（PC）有多个值（2023Q1 … 2023Q4）时，每个值导入为一个批次（此时 BATCH 为 PC 为空的行所属的批次）；BATCH_MODE 为 1 时全部导入 BATCH。INPUT 可按 QGIS 的写法指定图层：file.gpkg|layername=x。</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/import_patches.py" line="61" />
            <source>When the batch field (PC) holds several values</source>
            <translation>批次字段（PC）有多个值时</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/import_patches.py" line="61" />
            <source>One batch per PC value</source>
            <translation>每个 PC 值一个批次</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/import_patches.py" line="61" />
            <source>All into the batch given</source>
            <translation>全部导入所填批次</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/import_patches.py" line="75" />
            <source>Batches imported (separated by 、)</source>
            <translation>导入的批次（以、分隔）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/import_verification.py" line="30" />
            <source>Imports a filled verification spreadsheet (.xlsx with the 监测编号 … 备注 headers, or a .csv saved by Excel) into the task database: every visible sheet with those headers (one per township is fine), headers matched whatever their brackets, stars or spaces. Every row is checked (unknown monitoring number, one Excel rounded as a number, a township the patch is not in, unknown code, bad date, missing required field); a record saved since the plugin wrote the sheet is a conflict, never overwritten. The file is imported all-or-nothing unless partial import is accepted. Importing the same file twice changes nothing. Every changed field is written to the audit log. An .xls or a password-protected file is refused saying what to do.</source>
            <translation>将填好的核查表（表头为 监测编号 … 备注 的 .xlsx，或 Excel 另存的 .csv）导入任务库：导入每一个带这些表头的可见工作表（一个乡镇一页也可以），表头中的括号、星号、空格不影响识别。逐行检查（监测编号不存在、被 Excel 按数字截断的编号、图斑不在所填乡镇、代码不存在、日期有误、必填项缺失）；插件写出核查表之后又在任务库中保存过的记录视为冲突，决不覆盖。除非允许部分导入，否则整个文件要么全部导入，要么全不导入。同一文件重复导入不会产生任何变化。每个被修改的字段都记入审计日志。.xls 或设了密码的文件会被拒绝，并说明应如何处理。</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/import_verification.py" line="43" />
            <source>Verification spreadsheet (.xlsx or .csv)</source>
            <translation>核查表（.xlsx 或 .csv）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/import_verification.py" line="48" />
            <source>Rows in conflict with a newer record</source>
            <translation>与较新记录冲突的行</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/city_summary.py" line="34" />
            <source>City summary of county packages</source>
            <translation>县级成果包市级汇总</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/city_summary.py" line="35" />
            <source>Checks, merges and ranks the submission packages of a city's counties (市级汇总). INPUT: package zips, or folders holding them. Each package is verified against its manifest first; one that fails is listed with its problems and not merged. OUTPUT: a city GeoPackage (every county's patches in one layer with their county, a county layer for the choropleth, the figures of every county, township and the city, conflicts, failed packages) and optionally a workbook. Counties are ranked by their unlawful cultivated ratio. Conflicts: the same monitoring number in two packages, one county in two packages, patches of different counties that overlap. CITY_SCHEMA (pg:&lt;connection&gt;/&lt;schema&gt;) instead summarises every county task schema of that database (or those in SCHEMAS) in SQL into that city schema.</source>
            <translation>校验、合并各县成果上报包并排名（市级汇总）。INPUT：成果包 zip 或其所在文件夹。每个成果包先按其 manifest 校验；未通过的列出问题，不合并。OUTPUT：市级汇总库（全市图斑一个图层并注明所属县、用于分级设色的县图层、各县、各乡镇及全市统计、冲突、未通过的成果包），可选工作簿。各县按违法占用耕地面积比例排名。冲突：同一监测编号出现在两个成果包、同一县上报两个成果包、不同县图斑相互重叠。给出 CITY_SCHEMA（pg:&lt;连接&gt;/&lt;模式名&gt;）时，改为在该数据库中用 SQL 将全部县级任务模式（或 SCHEMAS 所列）汇总到该市级模式。</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/city_summary.py" line="49" />
            <source>County packages (.zip files, or folders of them)</source>
            <translation>县级成果包（.zip 文件或其所在文件夹）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/city_summary.py" line="52" />
            <source>City GeoPackage</source>
            <translation>市级汇总库（GeoPackage）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/city_summary.py" line="54" />
            <source>City workbook</source>
            <translation>市级汇总表（工作簿）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/city_summary.py" line="56" />
            <source>City name</source>
            <translation>市名称</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/city_summary.py" line="58" />
            <source>PostGIS: city schema to write (pg:&lt;connection&gt;/&lt;schema&gt;)</source>
            <translation>PostGIS：写入的市级汇总模式（pg:&lt;连接&gt;/&lt;模式名&gt;）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/city_summary.py" line="60" />
            <source>PostGIS: county task schemas, comma-separated (empty: every task schema)</source>
            <translation>PostGIS：县级任务模式，逗号分隔（留空：全部任务模式）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/city_summary.py" line="63" />
            <source>Counties merged</source>
            <translation>已汇总县数</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/city_summary.py" line="64" />
            <source>Packages that failed verification</source>
            <translation>未通过校验的成果包</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/city_summary.py" line="65" />
            <source>Conflicts</source>
            <translation>冲突</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/city_summary.py" line="66" />
            <source>Ranking</source>
            <translation>排名</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/city_summary.py" line="83" />
            <source>Give county packages (INPUT) or a city schema (CITY_SCHEMA).</source>
            <translation>请给出县级成果包（INPUT）或市级汇总模式（CITY_SCHEMA）。</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/city_summary.py" line="85" />
            <source>Give the city GeoPackage to write (OUTPUT).</source>
            <translation>请给出要写入的市级汇总库（OUTPUT）。</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/plugin.py" line="139" />
            <source>City summary of county packages…</source>
            <translation>县级成果包市级汇总…</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/cases.py" line="158" />
            <source>Cases</source>
            <translation>违法案件</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/cases.py" line="37" />
            <source>Open enforcement case</source>
            <translation>立违法案件</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/cases.py" line="38" />
            <source>Opens an enforcement case (违法案件) over one or several patches (monitoring numbers separated by 、 or commas; a patch is in one case at most) with its offender (违法主体: name, type, ID or credit code), project and actual use. Returns the case number (AJ-0001, …); record its acts with caseact, starting with 发现.</source>
            <translation>为一个或多个图斑（监测编号以、或逗号分隔；一个图斑至多属于一个案件）建立违法案件，记录违法主体（名称、类型、身份证号或统一社会信用代码）、项目名称和实际用途。返回案件编号（AJ-0001 等）；再用 caseact 从“发现”开始记录各办理环节。</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/cases.py" line="47" />
            <source>Monitoring numbers of the case's patches</source>
            <translation>案件图斑的监测编号</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/cases.py" line="48" />
            <source>Offender (违法主体)</source>
            <translation>违法主体</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/cases.py" line="49" />
            <source>Offender type</source>
            <translation>主体类型</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/cases.py" line="51" />
            <source>ID number or unified social credit code</source>
            <translation>身份证号或统一社会信用代码</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/cases.py" line="51" />
            <source>Project name</source>
            <translation>项目名称</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/cases.py" line="51" />
            <source>Actual use</source>
            <translation>实际用途</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/cases.py" line="54" />
            <source>Case number</source>
            <translation>案件编号</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/cases.py" line="83" />
            <source>Record case act</source>
            <translation>记录案件办理环节</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/cases.py" line="84" />
            <source>Appends one dated act to an enforcement case (named by its case number or one of its patches' monitoring numbers): 发现, 制止, 报告, 立案, 处罚决定, 移送, 问责, 整改, 整改验收, 结案 or 销号, with its details as JSON keyed by the sheet headers or field names (e.g. {"罚款金额(元)": 20000, "处罚决定书文号": "…"}) and attachments (files separated by ;) copied beside the task and hashed. Acts are never changed afterwards; each is audited. Refused, naming the rule: an act before 发现 or dated before it or after today, a penalty decision before 立案, a report not to the county government, a retroactive permit on permanent basic farmland, closing a case on cultivated land by a fine or retroactive permit alone (mnr_2021), closing without accepted rectification or while an ineffective stop is unreported, anything after 结案 but 销号.</source>
            <translation>为违法案件（以案件编号或其中图斑的监测编号指定）追加一个有日期的办理环节：发现、制止、报告、立案、处罚决定、移送、问责、整改、整改验收、结案或销号；办理事项为 JSON，键为表头或字段名（如 {"罚款金额(元)": 20000, "处罚决定书文号": "…"}），附件（以 ; 分隔）复制到任务旁并计算哈希。记录一经写入不再修改，每项均记入修改记录。以下情形拒绝并说明依据：发现之前的环节、早于发现或晚于今天的日期、未立案即作出处罚决定、报告对象不含县政府、占用永久基本农田却补办手续、占用耕地的案件仅以罚款或补办手续结案（mnr_2021）、整改未验收合格或制止无效未报告即结案、结案后除销号外的任何环节。</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/cases.py" line="99" />
            <source>Case number, or a monitoring number in the case</source>
            <translation>案件编号，或案件中图斑的监测编号</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/cases.py" line="101" />
            <source>Act</source>
            <translation>办理环节</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/cases.py" line="103" />
            <source>Date (YYYY-MM-DD)</source>
            <translation>日期（YYYY-MM-DD）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/cases.py" line="104" />
            <source>Details (JSON)</source>
            <translation>办理事项（JSON）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/cases.py" line="105" />
            <source>Attachments (files separated by ;)</source>
            <translation>附件（多个文件以 ; 分隔）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/cases.py" line="107" />
            <source>Act id</source>
            <translation>记录编号</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/cases.py" line="108" />
            <source>Case status</source>
            <translation>案件状态</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/cases.py" line="142" />
            <source>Case statistics and township case sheets</source>
            <translation>案件统计表与乡镇案件办理表</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/cases.py" line="143" />
            <source>Writes the county's case workbook: 违法案件查处整改情况统计表 per township and for the county (cases, areas, fines and confiscations, demolished / confiscated / restored area, transfers to police, court and discipline inspection, persons held accountable, closed rate, overdue), every case's acts, and the cases whose rectification deadline has passed. With a folder, also one case sheet per township to fill in and return (importcasesheet), unlawful patches without a case listed for opening one.</source>
            <translation>输出全县案件工作簿：分乡镇和全县的违法案件查处整改情况统计表（案件数、面积、罚没金额、拆除/没收/复耕面积、移送公安、申请法院强制执行、移送纪检监察、问责人数、结案率、逾期数）、各案件的办理记录，以及整改期限已过的案件。指定文件夹时，另为每个乡镇输出一份案件办理表，供填写后交回（importcasesheet），尚未立案的违法图斑列在表中以便立案。</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/cases.py" line="157" />
            <source>Case workbook</source>
            <translation>案件工作簿</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/cases.py" line="155" />
            <source>Township case sheets folder</source>
            <translation>乡镇案件办理表文件夹</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/cases.py" line="158" />
            <source>Closed</source>
            <translation>结案数</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/cases.py" line="158" />
            <source>Rectification overdue</source>
            <translation>逾期未整改</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/cases.py" line="158" />
            <source>Township case sheets</source>
            <translation>乡镇案件办理表</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/cases.py" line="189" />
            <source>Import case sheet</source>
            <translation>导入案件办理表</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/cases.py" line="190" />
            <source>Appends the acts a township filled into its case sheet (案件办理): each row one act of the case it names; a row without a case number opens a case over its monitoring numbers. Rows already recorded are skipped, so importing the same sheet twice adds nothing. A wrong value stops the import before anything is written; a row a rule refuses stops it there, naming the row.</source>
            <translation>导入乡镇填写的案件办理表：每行是所指案件的一个办理环节；没有案件编号的行按其监测编号新建案件。已记录的行跳过，同一表导入两次不会重复。任一取值错误时不写入任何内容；某行被规则拒绝时导入在该行停止并指明行号。</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/cases.py" line="198" />
            <source>Case sheet (.xlsx or .csv)</source>
            <translation>案件办理表（.xlsx 或 .csv）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/cases.py" line="201" />
            <source>Cases opened</source>
            <translation>新立案件数</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/cases.py" line="201" />
            <source>Acts added</source>
            <translation>新增办理记录数</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/cases.py" line="201" />
            <source>Rows already recorded</source>
            <translation>已有记录的行数</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/overlay.py" line="42" />
            <source>Overlays the task's patches on cultivated land, permanent basic farmland, the ecological red line and approvals, and splits them by township. Areas are ellipsoidal on the CGCS2000 ellipsoid unless planar is chosen; each is the area of the intersection with the union of the layer's polygons, so overlaps never count twice. Suggests 合法 when the approved share reaches the threshold and flags patches touching farmland or the ecological red line as high priority, without touching any verdict. With a village layer, each patch gets the name of the village holding its largest part. With nature reserves (自然保护地), each patch also gets its area on reserves and on farmland or reserves (their union: land in both counts once). Shapefiles are read in the encoding their bytes show (or the one set on the layer in QGIS); unreadable text stops the run. A layer without a CRS is an error unless LAYER_CRS gives the CRS of such layers. Re-running recomputes only what changed.</source>
            <translation>将任务库中的卫片图斑与耕地、永久基本农田、生态保护红线和用地审批叠加，并按乡镇拆分。除非选择平面面积，面积均按 CGCS2000 椭球计算；每项面积是图斑与该图层多边形并集的相交面积，重叠部分不会重复计算。已批面积占比达到阈值时建议判定为“合法”，涉及基本农田或生态保护红线的图斑标记为重点图斑，不改动任何核查结论。给了村界图层时，每个图斑记录其最大部分所在村的名称。给了自然保护地图层时，每个图斑另记占自然保护地面积及占永久基本农田或自然保护地面积（二者并集：重叠部分只计一次）。Shapefile 按属性字节所示的编码读取（或按 QGIS 中为图层设置的编码）；有无法解读的文字时停止运行。没有坐标系的图层报错，除非用 LAYER_CRS 指定这类图层的坐标系。重新运行时只重算有变化的部分。</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/overlay.py" line="66" />
            <source>Nature reserves (自然保护地)</source>
            <translation>自然保护地</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/township_metrics.py" line="40" />
            <source>The rules are the task's rules profile (RULES: a profile file to compute with from now on, audited). YEAR computes one year's enforcement (its annual and quarterly batches, a repeat counted once) without storing it. EXPLAIN (a township code and a figure, e.g. 370323101000 unlawful_cultivated_mu) lists the patches the figure is summed from. Every flag is listed with its rule and source.</source>
            <translation>按任务的问责口径计算（RULES：此后按该口径文件计算，留有审计记录）。YEAR 计算一个年度的卫片执法（该年的年度批次与季度批次，重复图斑只计一次），不写入任务库。EXPLAIN（乡镇代码和指标名，如 370323101000 unlawful_cultivated_mu）列出计入该指标的图斑。每条问责线索都列出其规则与依据。</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/township_metrics.py" line="52" />
            <source>Rules profile (JSON)</source>
            <translation>问责口径文件（JSON）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/township_metrics.py" line="54" />
            <source>Year</source>
            <translation>年度</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/township_metrics.py" line="55" />
            <source>Explain (township code and figure)</source>
            <translation>指标来源（乡镇代码和指标名）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/township_metrics.py" line="61" />
            <source>Explanation</source>
            <translation>指标来源</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/base.py" line="96" />
            <source>Review and spot checks</source>
            <translation>审核与抽查</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/review.py" line="36" />
            <source>Submit, approve, return, report or reopen patches</source>
            <translation>图斑提交、审核、退回、上报或重新打开</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/review.py" line="37" />
            <source>Moves patches through their review state (处理状态): a township submits verified patches (待核查 or 退回 → 乡镇已核查); the county approves (→ 县级审核通过), returns with a reason (→ 退回), reports (→ 已上报, locked) or reopens a reported patch with a reason (→ 退回). In bureau mode a township login may only submit. Every move is audited.</source>
            <translation>调整图斑处理状态：乡镇提交已核查图斑（待核查或退回 → 乡镇已核查）；县级审核通过（→ 县级审核通过）、填写原因退回（→ 退回）、上报（→ 已上报，锁定），或填写原因重新打开已上报图斑（→ 退回）。数据库模式下乡镇账号只能提交。每次操作均记入审计日志。</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/review.py" line="46" />
            <source>Action</source>
            <translation>操作</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/review.py" line="49" />
            <source>Monitoring numbers (comma separated)</source>
            <translation>监测编号（逗号分隔）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/review.py" line="50" />
            <source>Opinion or reason</source>
            <translation>审核意见或退回原因</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/review.py" line="51" />
            <source>Patches moved</source>
            <translation>处理图斑数</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/review.py" line="75" />
            <source>Draw a spot-check sample</source>
            <translation>抽取抽查样本</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/review.py" line="76" />
            <source>Draws a reproducible random sample of the verified patches, stratified by township and verdict. The size follows the stratified design AcATaMa uses (Cochran; Olofsson et al. 2014): n = z²·p(1−p)/d², corrected for the number of verified patches, allocated in proportion to each stratum with a minimum per stratum. The same seed gives the same sample.</source>
            <translation>从已核查图斑中按乡镇和判定结果分层随机抽样，结果可重现。样本量按 AcATaMa 采用的分层抽样设计（Cochran；Olofsson 等 2014）：n = z²·p(1−p)/d²，按已核查图斑数作有限总体校正，按各层图斑数比例分配，每层设最少抽取数。同一种子得到同一样本。</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/review.py" line="85" />
            <source>Seed</source>
            <translation>随机种子</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/review.py" line="86" />
            <source>Confidence level</source>
            <translation>置信度</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/review.py" line="89" />
            <source>Margin of error</source>
            <translation>误差范围</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/review.py" line="92" />
            <source>Expected disagreement rate</source>
            <translation>预期判定不实率</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/review.py" line="95" />
            <source>Minimum per township and verdict</source>
            <translation>每乡镇每判定类别至少抽取</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/review.py" line="132" />
            <source>Draw</source>
            <translation>抽查批次</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/review.py" line="99" />
            <source>Patches sampled</source>
            <translation>抽取图斑数</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/review.py" line="125" />
            <source>Record a spot-check re-check</source>
            <translation>录入抽查复核结果</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/review.py" line="126" />
            <source>Records the county's own verdict (and approval number) for a sampled patch.</source>
            <translation>为抽中的图斑录入县级复核判定（及批准文号）。</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/review.py" line="133" />
            <source>Monitoring number</source>
            <translation>监测编号</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/review.py" line="134" />
            <source>Re-check verdict</source>
            <translation>复核判定</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/review.py" line="136" />
            <source>Approval number</source>
            <translation>批准文号</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/review.py" line="137" />
            <source>Notes</source>
            <translation>备注</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/review.py" line="161" />
            <source>Spot-check disagreement rates and cross-checks</source>
            <translation>抽查判定不实率与交叉核对</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/review.py" line="162" />
            <source>Reports, per township, how many sampled patches were re-checked and how often the re-check disagrees with the township's verdict or approval number (判定不实); then lists the cross-checks: approval numbers that differ from the overlay's, lawful patches the overlay found no approval for, facility or temporary land without its filing, rectified patches without a photo taken after the verification.</source>
            <translation>按乡镇报告抽查复核数及复核结果与乡镇判定或批准文号不一致（判定不实）的比例；并列出交叉核对问题：批准文号与叠加分析不一致、判定合法但叠加未发现批准用地、设施农用地或临时用地无相应备案、已整改但无核查日期之后拍摄的照片。</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/review.py" line="172" />
            <source>Draw (empty: the latest)</source>
            <translation>抽查批次（空：最近一次）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/review.py" line="173" />
            <source>Disagreements</source>
            <translation>判定不实数</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/review.py" line="174" />
            <source>Cross-check findings</source>
            <translation>交叉核对发现数</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/review.py" line="217" />
            <source>Planning conformity</source>
            <translation>规划符合性</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/review.py" line="218" />
            <source>After the overlay: the area of each patch in the urban development boundary and in the construction-allowed, conditional and restricted zones (one layer per zone, or one zoning layer whose code field holds 010/020/030/040 or the zone's name), and whether it conforms to the plan (符合规划 / 有条件符合 / 不符合规划). Parts smaller than the tolerance are not counted. Stored in the task; shown in the verdict form, the evidence sheet and the package.</source>
            <translation>叠加分析之后：计算每个图斑位于城镇开发边界、允许建设区、有条件建设区、限制建设区内的面积（每个分区一个图层，或一个规划分区图层，其代码字段为 010/020/030/040 或分区名称），并判断是否符合规划（符合规划 / 有条件符合 / 不符合规划）。小于容差的部分不计。结果存入任务库，并显示在核查表单、举证材料和成果包中。</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/review.py" line="229" />
            <source>Urban development boundary</source>
            <translation>城镇开发边界</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/review.py" line="230" />
            <source>Construction-allowed zones</source>
            <translation>允许建设区</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/review.py" line="231" />
            <source>Conditional construction zones</source>
            <translation>有条件建设区</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/review.py" line="232" />
            <source>Restricted construction zones</source>
            <translation>限制建设区</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/review.py" line="235" />
            <source>Zoning layer with a code field</source>
            <translation>含分区代码字段的规划分区图层</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/review.py" line="237" />
            <source>Zone code field</source>
            <translation>分区代码字段</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/review.py" line="241" />
            <source>Tolerance (m²)</source>
            <translation>容差（平方米）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/review.py" line="244" />
            <source>Patches conforming</source>
            <translation>符合规划图斑数</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/review.py" line="244" />
            <source>Patches conforming under conditions</source>
            <translation>有条件符合图斑数</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/processing/review.py" line="244" />
            <source>Patches not conforming</source>
            <translation>不符合规划图斑数</translation>
        </message>
    </context>
    <context>
        <name>CasePanel</name>
        <message>
            <location filename="../land_enforcement_plugin/gui/case_panel.py" line="48" />
            <source>Enforcement case of {jcbh}</source>
            <translation>{jcbh} 的违法案件</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/case_panel.py" line="56" />
            <source>Open a case</source>
            <translation>立案件</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/case_panel.py" line="59" />
            <source>Monitoring numbers of the case's patches, separated by 、 or commas</source>
            <translation>案件图斑的监测编号，以、或逗号分隔</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/case_panel.py" line="66" />
            <source>Open case</source>
            <translation>建立案件</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/case_panel.py" line="71" />
            <source>Record an act</source>
            <translation>记录办理环节</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/case_panel.py" line="87" />
            <source>Attach files…</source>
            <translation>添加附件…</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/case_panel.py" line="89" />
            <source>Record</source>
            <translation>记录</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/case_panel.py" line="99" />
            <source>Date</source>
            <translation>日期</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/case_panel.py" line="99" />
            <source>Act</source>
            <translation>办理环节</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/case_panel.py" line="99" />
            <source>Details</source>
            <translation>办理事项</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/case_panel.py" line="99" />
            <source>Attachments</source>
            <translation>附件</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/case_panel.py" line="99" />
            <source>Recorded by</source>
            <translation>记录人</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/case_panel.py" line="161" />
            <source>No case yet: open one over this patch (and others of the same offender).</source>
            <translation>尚无案件：请为此图斑（及同一违法主体的其他图斑）建立案件。</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/case_panel.py" line="165" />
            <source>{case}: {subject}; patches {patches}; status {status}</source>
            <translation>{case}：{subject}；图斑 {patches}；当前环节 {status}</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/case_panel.py" line="168" />
            <source>; rectification deadline {deadline}</source>
            <translation>；整改期限 {deadline}</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/case_panel.py" line="170" />
            <source> (overdue)</source>
            <translation>（已逾期）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/case_panel.py" line="204" />
            <source>Attach files to the act</source>
            <translation>为办理环节添加附件</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/case_panel.py" line="204" />
            <source>Documents and photos (*.pdf *.jpg *.jpeg *.png *.tif *.tiff);;All files (*)</source>
            <translation>文书和照片 (*.pdf *.jpg *.jpeg *.png *.tif *.tiff);;所有文件 (*)</translation>
        </message>
    </context>
    <context>
        <name>CitySummaryDialog</name>
        <message>
            <location filename="../land_enforcement_plugin/gui/city_dialog.py" line="41" />
            <source>City summary of county packages</source>
            <translation>县级成果包市级汇总</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/city_dialog.py" line="48" />
            <source>Add packages…</source>
            <translation>添加成果包…</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/city_dialog.py" line="50" />
            <source>Add a folder…</source>
            <translation>添加文件夹…</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/city_dialog.py" line="52" />
            <source>Remove</source>
            <translation>删除</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/city_dialog.py" line="67" />
            <source>City GeoPackage (the workbook is written beside it)</source>
            <translation>市级汇总库（汇总表写在其旁）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/city_dialog.py" line="70" />
            <source>Rank</source>
            <translation>排名</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/city_dialog.py" line="70" />
            <source>County code</source>
            <translation>县级行政区代码</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/city_dialog.py" line="70" />
            <source>County</source>
            <translation>县（区）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/city_dialog.py" line="70" />
            <source>Patches</source>
            <translation>图斑数</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/city_dialog.py" line="70" />
            <source>Unlawful</source>
            <translation>违法</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/city_dialog.py" line="70" />
            <source>Unlawful (mu)</source>
            <translation>违法面积(亩)</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/city_dialog.py" line="70" />
            <source>Unlawful cultivated ratio</source>
            <translation>违法占用耕地面积比例</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/city_dialog.py" line="70" />
            <source>Over ratio</source>
            <translation>比例超标</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/city_dialog.py" line="70" />
            <source>Warning interview</source>
            <translation>警示约谈</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/city_dialog.py" line="83" />
            <source>Summarise</source>
            <translation>汇总</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/city_dialog.py" line="89" />
            <source>County packages (each is verified first; one that fails is listed, not merged)</source>
            <translation>县级成果包（先逐个校验；未通过的列出，不汇总）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/city_dialog.py" line="115" />
            <source>County packages</source>
            <translation>县级成果包</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/city_dialog.py" line="119" />
            <source>Folder of county packages</source>
            <translation>县级成果包所在文件夹</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/city_dialog.py" line="132" />
            <source>Cancel</source>
            <translation>取消</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/city_dialog.py" line="132" />
            <source>Close</source>
            <translation>关闭</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/city_dialog.py" line="140" />
            <source>Verifying and summarising {count} inputs…</source>
            <translation>正在校验并汇总 {count} 项输入…</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/city_dialog.py" line="186" />
            <source>City summary</source>
            <translation>市级汇总</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/city_dialog.py" line="154" />
            <source>{counties} counties merged, {failed} packages failed verification, {conflicts} conflicts. Written: {gpkg} and {xlsx}</source>
            <translation>已汇总 {counties} 个县，{failed} 个成果包未通过校验，{conflicts} 处冲突。已写入：{gpkg} 和 {xlsx}</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/city_dialog.py" line="187" />
            <source>City patches</source>
            <translation>全市图斑</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/city_dialog.py" line="188" />
            <source>Counties by unlawful cultivated ratio</source>
            <translation>各县违法占用耕地面积比例</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/city_dialog.py" line="150" />
            <source>City summary cancelled; nothing was written.</source>
            <translation>市级汇总已取消，未写入任何文件。</translation>
        </message>
    </context>
    <context>
        <name>ConnectionDialog</name>
        <message>
            <location filename="../land_enforcement_plugin/gui/imagery_registry.py" line="38" />
            <source>Add a saved connection</source>
            <translation>添加已保存的连接</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/imagery_registry.py" line="43" />
            <source>Layer identifier (WMS/WMTS only)</source>
            <translation>图层标识（仅 WMS/WMTS）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/imagery_registry.py" line="45" />
            <source>Tile matrix set (WMTS only)</source>
            <translation>瓦片矩阵集（仅 WMTS）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/imagery_registry.py" line="47" />
            <source>Connection</source>
            <translation>连接</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/imagery_registry.py" line="48" />
            <source>Layer</source>
            <translation>图层</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/imagery_registry.py" line="49" />
            <source>Tile matrix set</source>
            <translation>瓦片矩阵集</translation>
        </message>
    </context>
    <context>
        <name>ExportPackageDialog</name>
        <message>
            <location filename="../land_enforcement_plugin/gui/export_dialog.py" line="47" />
            <source>Export submission package</source>
            <translation>导出成果上报包</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/export_dialog.py" line="57" />
            <source>Kind</source>
            <translation>类别</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/export_dialog.py" line="57" />
            <source>Monitoring number</source>
            <translation>监测编号</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/export_dialog.py" line="57" />
            <source>Problem</source>
            <translation>问题</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/export_dialog.py" line="63" />
            <source>Check again</source>
            <translation>重新检查</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/export_dialog.py" line="76" />
            <source>Draft (草稿): export despite blocking problems, marked as draft</source>
            <translation>草稿：存在阻断性问题也导出，并标注为草稿</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/export_dialog.py" line="78" />
            <source>Evidence sheet PDFs for unlawful and high-priority patches</source>
            <translation>为违法图斑和重点图斑生成举证材料 PDF</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/export_dialog.py" line="88" />
            <source>Shapefile encoding</source>
            <translation>Shapefile 编码</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/export_dialog.py" line="91" />
            <source>Package file</source>
            <translation>成果包文件</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/export_dialog.py" line="99" />
            <source>Export</source>
            <translation>导出</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/export_dialog.py" line="101" />
            <source>Verify a package…</source>
            <translation>校验成果包…</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/export_dialog.py" line="122" />
            <source>Checking the task…</source>
            <translation>正在检查任务…</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/export_dialog.py" line="123" />
            <source>Checking the submission package</source>
            <translation>检查成果上报包</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/export_dialog.py" line="139" />
            <source>Blocking</source>
            <translation>阻断</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/export_dialog.py" line="139" />
            <source>Warning</source>
            <translation>警告</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/export_dialog.py" line="149" />
            <source>{b} blocking problems and {w} warnings: fix them (double-click a row to show the patch) or export a draft.</source>
            <translation>{b} 个阻断性问题、{w} 个警告：请逐一处理（双击一行可定位图斑），或导出草稿。</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/export_dialog.py" line="152" />
            <source>No blocking problems; {w} warnings. Ready to export.</source>
            <translation>没有阻断性问题；{w} 个警告。可以导出。</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/export_dialog.py" line="184" />
            <source>Cancel</source>
            <translation>取消</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/export_dialog.py" line="184" />
            <source>Close</source>
            <translation>关闭</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/export_dialog.py" line="203" />
            <source>{path} exists. Replace it?</source>
            <translation>{path} 已存在。是否覆盖？</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/export_dialog.py" line="210" />
            <source>Writing {path}…</source>
            <translation>正在写入 {path}…</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/export_dialog.py" line="211" />
            <source>Exporting the submission package</source>
            <translation>导出成果上报包</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/export_dialog.py" line="219" />
            <source>Cancelled: nothing was written.</source>
            <translation>已取消：未写入任何文件。</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/export_dialog.py" line="222" />
            <source>Written {path}: {files} files, {photos} photos, {sheets} evidence sheets.</source>
            <translation>已写入 {path}：{files} 个文件，{photos} 张照片，{sheets} 份举证材料。</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/export_dialog.py" line="232" />
            <source>Verify a submission package</source>
            <translation>校验成果上报包</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/export_dialog.py" line="238" />
            <source>Verifying {path}…</source>
            <translation>正在校验 {path}…</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/export_dialog.py" line="239" />
            <source>Verifying the submission package</source>
            <translation>校验成果上报包</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/export_dialog.py" line="67" />
            <source>Every batch</source>
            <translation>全部批次</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/export_dialog.py" line="87" />
            <source>Batch</source>
            <translation>批次</translation>
        </message>
    </context>
    <context>
        <name>ImageryDock</name>
        <message>
            <location filename="../land_enforcement_plugin/gui/imagery_dock.py" line="114" />
            <source>Before / after imagery</source>
            <translation>前后时相影像</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/imagery_dock.py" line="148" />
            <source>F: flip both views between the after and the before image; S: swipe; [ and ]: move the swipe line; Esc: before | after; Z: frame the patch</source>
            <translation>F：两个视图在后时相与前时相影像之间切换；S：卷帘；[ 和 ]：移动卷帘线；Esc：恢复前时相 | 后时相；Z：缩放到图斑</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/imagery_dock.py" line="151" />
            <source>Flip</source>
            <translation>切换</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/imagery_dock.py" line="152" />
            <source>Show the after image in both views, then the before image, and so on (F, or Ctrl+Alt+F anywhere)</source>
            <translation>两个视图都显示后时相影像，再按一次显示前时相影像，依此交替（F，或在任意处按 Ctrl+Alt+F）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/imagery_dock.py" line="156" />
            <source>Swipe</source>
            <translation>卷帘</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/imagery_dock.py" line="158" />
            <source>One view: the before image left of the line, the after image right of it; drag the slider or press [ and ] (S, or Ctrl+Alt+S anywhere)</source>
            <translation>合为一个视图：卷帘线左侧为前时相影像，右侧为后时相影像；拖动滑块或按 [ 和 ]（S，或在任意处按 Ctrl+Alt+S）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/imagery_dock.py" line="164" />
            <source>Where the after image starts ([ and ] move it)</source>
            <translation>后时相影像的起始位置（[ 和 ] 可移动）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/imagery_dock.py" line="168" />
            <source>Frame patch</source>
            <translation>缩放到图斑</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/imagery_dock.py" line="169" />
            <source>Zoom both views back to the patch (Z)</source>
            <translation>两个视图都缩放回图斑（Z）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/imagery_dock.py" line="198" />
            <source>Date (from)</source>
            <translation>日期（起）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/imagery_dock.py" line="198" />
            <source>Date to (range)</source>
            <translation>截止日期（范围）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/imagery_dock.py" line="198" />
            <source>Source</source>
            <translation>来源</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/imagery_dock.py" line="205" />
            <source>Double-click a name or a date to edit it; dates as 2024-03-15. An image without a date is never matched.</source>
            <translation>双击名称或日期可编辑；日期格式如 2024-03-15。没有日期的影像不会被匹配。</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/imagery_dock.py" line="210" />
            <source>Add files…</source>
            <translation>添加文件…</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/imagery_dock.py" line="210" />
            <source>GeoTIFF or other raster files, used in place</source>
            <translation>GeoTIFF 等栅格文件，原地使用</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/imagery_dock.py" line="210" />
            <source>Add tile folder…</source>
            <translation>添加瓦片文件夹…</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/imagery_dock.py" line="210" />
            <source>A folder of tiles becomes one mosaic (VRT) beside the task; the tiles are not copied</source>
            <translation>瓦片文件夹在任务旁生成一个镶嵌（VRT），瓦片不复制</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/imagery_dock.py" line="210" />
            <source>Add saved connection…</source>
            <translation>添加已保存的连接…</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/imagery_dock.py" line="210" />
            <source>An XYZ, WMS or WMTS connection saved in QGIS</source>
            <translation>QGIS 中已保存的 XYZ、WMS 或 WMTS 连接</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/imagery_dock.py" line="210" />
            <source>Add map layer…</source>
            <translation>添加地图图层…</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/imagery_dock.py" line="210" />
            <source>A raster layer of the current project</source>
            <translation>当前工程中的栅格图层</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/imagery_dock.py" line="210" />
            <source>Forget the selected image (files stay)</source>
            <translation>取消登记所选影像（文件保留）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/imagery_dock.py" line="226" />
            <source>Task imagery</source>
            <translation>任务影像</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/imagery_dock.py" line="512" />
            <source>Select a patch in the patch review list</source>
            <translation>请在图斑核查列表中选择图斑</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/imagery_registry.py" line="139" />
            <source>Open a task first</source>
            <translation>请先打开任务</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/imagery_dock.py" line="413" />
            <source>Patch {jcbh}: QSX {qsx}, HSX {hsx}</source>
            <translation>图斑 {jcbh}：前时相 {qsx}，后时相 {hsx}</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/imagery_registry.py" line="70" />
            <source>Before</source>
            <translation>前时相</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/imagery_registry.py" line="70" />
            <source>After</source>
            <translation>后时相</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/imagery_dock.py" line="426" />
            <source>No matching imagery for QSX {date}</source>
            <translation>前时相 {date} 无匹配影像</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/imagery_dock.py" line="426" />
            <source>No matching imagery for HSX {date}</source>
            <translation>后时相 {date} 无匹配影像</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/imagery_dock.py" line="437" />
            <source>({days} days before QSX)</source>
            <translation>（早于前时相 {days} 天）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/imagery_dock.py" line="437" />
            <source>({days} days after HSX)</source>
            <translation>（晚于后时相 {days} 天）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/imagery_dock.py" line="440" />
            <source>(cannot be read)</source>
            <translation>（无法读取）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/imagery_registry.py" line="70" />
            <source>Any</source>
            <translation>前后均可</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/imagery_registry.py" line="90" />
            <source>File not found: {path}</source>
            <translation>文件不存在：{path}</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/imagery_registry.py" line="94" />
            <source>No date: this image is never matched</source>
            <translation>无日期：该影像不会被匹配</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/imagery_registry.py" line="147" />
            <source>Set the date of {names} in the table: an image without a date is never matched</source>
            <translation>请在表中填写 {names} 的日期：没有日期的影像不会被匹配</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/imagery_registry.py" line="165" />
            <source>Imagery files</source>
            <translation>影像文件</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/imagery_registry.py" line="165" />
            <source>Rasters (*.tif *.tiff *.img *.jp2 *.vrt);;All files (*)</source>
            <translation>栅格 (*.tif *.tiff *.img *.jp2 *.vrt);;所有文件 (*)</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/imagery_registry.py" line="184" />
            <source>{tiles} tiles of {folder} registered as one image</source>
            <translation>{folder} 的 {tiles} 个瓦片已登记为一幅影像</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/imagery_registry.py" line="196" />
            <source>Building the imagery mosaic</source>
            <translation>正在生成影像镶嵌</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/imagery_registry.py" line="203" />
            <source>Folder of image tiles</source>
            <translation>影像瓦片文件夹</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/imagery_registry.py" line="212" />
            <source>QGIS has no saved XYZ, WMS or WMTS connection: add one in the Data Source Manager first</source>
            <translation>QGIS 中没有已保存的 XYZ、WMS 或 WMTS 连接：请先在数据源管理器中添加</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/imagery_registry.py" line="233" />
            <source>The project has no raster layer</source>
            <translation>工程中没有栅格图层</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/imagery_registry.py" line="236" />
            <source>Add map layer</source>
            <translation>添加地图图层</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/imagery_registry.py" line="236" />
            <source>Raster layer</source>
            <translation>栅格图层</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/imagery_dock.py" line="198" />
            <source>Image name</source>
            <translation>影像名称</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/imagery_dock.py" line="198" />
            <source>Phase</source>
            <translation>时相</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/imagery_dock.py" line="210" />
            <source>Unregister</source>
            <translation>移除登记</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/imagery_dock.py" line="172" />
            <source>Save chips…</source>
            <translation>保存影像截图…</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/imagery_dock.py" line="173" />
            <source>The patch's before and after images with outline, date and scale bar as PNG files (&lt;JCBH&gt;_before.png, &lt;JCBH&gt;_after.png)</source>
            <translation>将该图斑的前后时相影像（含图斑轮廓、日期和比例尺）保存为 PNG 文件（&lt;JCBH&gt;_before.png、&lt;JCBH&gt;_after.png）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/imagery_dock.py" line="504" />
            <source>{count} image chips written to {folder}</source>
            <translation>已将 {count} 张影像截图写入 {folder}</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/imagery_dock.py" line="507" />
            <source>No matching imagery for this patch: no chip written</source>
            <translation>该图斑没有匹配的影像：未写入截图</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/imagery_dock.py" line="514" />
            <source>Folder for the image chips</source>
            <translation>影像截图的保存文件夹</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/imagery_dock.py" line="295" />
            <source>Opening the red lines</source>
            <translation>正在打开红线图层</translation>
        </message>
    </context>
    <context>
        <name>ImportPatchesDialog</name>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="37" />
            <source>Import change patches</source>
            <translation>导入卫片图斑</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="49" />
            <source>Detect</source>
            <translation>自动识别</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="60" />
            <source>e.g. 2024 annual, 2025Q2</source>
            <translation>如 2024年度、2025Q2</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="75" />
            <source>Patch file</source>
            <translation>图斑文件</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="76" />
            <source>Layer</source>
            <translation>图层</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="80" />
            <source>Attribute encoding</source>
            <translation>属性编码</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="309" />
            <source>Source CRS</source>
            <translation>源坐标系</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="82" />
            <source>Working CRS</source>
            <translation>工作坐标系</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="313" />
            <source>Batch</source>
            <translation>批次</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="89" />
            <source>Task field</source>
            <translation>任务库字段</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="89" />
            <source>Source field</source>
            <translation>源字段</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="104" />
            <source>Apply</source>
            <translation>应用</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="106" />
            <source>Save as…</source>
            <translation>另存为…</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="108" />
            <source>Delete</source>
            <translation>删除</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="112" />
            <source>Profile</source>
            <translation>映射方案</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="118" />
            <source>Field mapping (* required)</source>
            <translation>字段映射（* 为必填）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="124" />
            <source>Import</source>
            <translation>导入</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="168" />
            <source>from the .cpg file</source>
            <translation>来自 .cpg 文件</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="168" />
            <source>from the DBF header</source>
            <translation>来自 DBF 文件头</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="169" />
            <source>detected from the text</source>
            <translation>根据文本内容识别</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="169" />
            <source>plain ASCII</source>
            <translation>纯 ASCII</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="170" />
            <source>format is UTF-8</source>
            <translation>格式本身为 UTF-8</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="170" />
            <source>chosen</source>
            <translation>手动选择</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="171" />
            <source>{n} features</source>
            <translation>{n} 个要素</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="309" />
            <source>The file has no CRS: choose it</source>
            <translation>文件未带坐标系：请选择</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="230" />
            <source>(not mapped)</source>
            <translation>（未映射）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="255" />
            <source>Save field mapping</source>
            <translation>保存字段映射</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="256" />
            <source>Profile name</source>
            <translation>映射方案名称</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="268" />
            <source>Delete profile</source>
            <translation>删除映射方案</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="268" />
            <source>Delete the field-mapping profile “{name}”?</source>
            <translation>删除字段映射方案“{name}”？</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="306" />
            <source>Field mapping</source>
            <translation>字段映射</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="313" />
            <source>Enter the batch, e.g. 2024 annual</source>
            <translation>请填写批次，如 2024年度</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="259" />
            <source>Cancel</source>
            <translation>取消</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="63" />
            <source>All into one batch (the batch above)</source>
            <translation>全部导入一个批次（上面所填的批次）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="203" />
            <source>One batch per PC value: {values}</source>
            <translation>每个 PC 值一个批次：{values}</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="211" />
            <source>Filled from the batch field (PC) of the file: every row has {value}.</source>
            <translation>取自文件的批次字段（PC）：所有行均为 {value}。</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="214" />
            <source>The batch field (PC) holds {n} values: each becomes a batch. The batch above is only for rows without a PC value.</source>
            <translation>批次字段（PC）有 {n} 个值：每个值导入为一个批次。上面所填的批次只用于 PC 为空的行。</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="217" />
            <source>The batch field (PC) holds {n} values: all rows go into the batch above.</source>
            <translation>批次字段（PC）有 {n} 个值：所有行都导入上面所填的批次。</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="220" />
            <source>The file has no batch field (PC): type the batch.</source>
            <translation>文件没有批次字段（PC）：请填写批次。</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="277" />
            <source>OK</source>
            <translation>确定</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="283" />
            <source>Yes</source>
            <translation>是</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/import_dialog.py" line="284" />
            <source>No</source>
            <translation>否</translation>
        </message>
    </context>
    <context>
        <name>LandEnforcementProvider</name>
        <message>
            <location filename="../land_enforcement_plugin/processing/provider.py" line="42" />
            <source>Land enforcement</source>
            <translation>卫片执法</translation>
        </message>
    </context>
    <context>
        <name>MetricsDock</name>
        <message>
            <location filename="../land_enforcement_plugin/gui/metrics_dock.py" line="282" />
            <source>Township metrics</source>
            <translation>乡镇指标</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/metrics_dock.py" line="148" />
            <source>Unlawful cultivated ratio above</source>
            <translation>违法占用耕地比例超过</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/metrics_dock.py" line="150" />
            <source>Warning interview: general cultivated land from</source>
            <translation>约谈预警：一般耕地达到</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/metrics_dock.py" line="151" />
            <source>Recompute</source>
            <translation>重新统计</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/metrics_dock.py" line="153" />
            <source>Township map</source>
            <translation>乡镇专题图</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/metrics_dock.py" line="226" />
            <source>Unlawful area by township (mu)</source>
            <translation>各乡镇违法面积（亩）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/metrics_dock.py" line="410" />
            <source>{n} townships over a threshold: {names}; {cases} single cases</source>
            <translation>{n} 个乡镇超过阈值：{names}；单宗超标 {cases} 宗</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/metrics_dock.py" line="461" />
            <source>Run the office comparison with a townships layer first</source>
            <translation>请先使用乡镇界图层运行内业比对</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/metrics_dock.py" line="211" />
            <source>Batch</source>
            <translation>批次</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/metrics_dock.py" line="234" />
            <source>Figures</source>
            <translation>统计</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/metrics_dock.py" line="237" />
            <source>Progress by township and person</source>
            <translation>乡镇与责任人进度</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/metrics_dock.py" line="253" />
            <source>All batches</source>
            <translation>全部批次</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/metrics_dock.py" line="144" />
            <source>mu</source>
            <translation>亩</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/metrics_dock.py" line="149" />
            <source>Warning interview: permanent farmland or nature reserve from</source>
            <translation>警示约谈：永久基本农田或自然保护地达到</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/metrics_dock.py" line="157" />
            <source>Rules profile…</source>
            <translation>问责口径…</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/metrics_dock.py" line="160" />
            <source>Bundled: {name}</source>
            <translation>内置：{name}</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/metrics_dock.py" line="162" />
            <source>The bureau's own</source>
            <translation>本局口径</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/metrics_dock.py" line="163" />
            <source>From a file…</source>
            <translation>从文件读取…</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/metrics_dock.py" line="169" />
            <source>Save rules as the bureau's</source>
            <translation>存为本局口径</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/metrics_dock.py" line="196" />
            <source>Click a figure to see the patches it is summed from</source>
            <translation>点击指标，列出计入该指标的图斑</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/metrics_dock.py" line="199" />
            <source>JCBH</source>
            <translation>监测编号</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/metrics_dock.py" line="199" />
            <source>Contribution</source>
            <translation>计入数值</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/metrics_dock.py" line="235" />
            <source>Why this figure</source>
            <translation>指标来源</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/metrics_dock.py" line="236" />
            <source>Flags and their rules</source>
            <translation>问责线索与依据</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/metrics_dock.py" line="253" />
            <source>{year} (annual and quarterly batches)</source>
            <translation>{year} 年度执法（年度与季度批次）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/metrics_dock.py" line="359" />
            <source>Rules saved as the bureau's</source>
            <translation>已存为本局口径</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/metrics_dock.py" line="344" />
            <source>Rules profile</source>
            <translation>问责口径</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/metrics_dock.py" line="400" />
            <source>incomplete ({n})</source>
            <translation>待补用地类型（{n}）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/metrics_dock.py" line="401" />
            <source>用地类型 missing: {jcbhs}</source>
            <translation>缺少用地类型：{jcbhs}</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/metrics_dock.py" line="165" />
            <source>Edit rules…</source>
            <translation>编辑口径…</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/metrics_dock.py" line="166" />
            <source>Every rule of the task's profile with its source: thresholds, daily-work lead sources, land uses per figure</source>
            <translation>逐条查看和修改本任务问责口径的规则及其依据：阈值、计为日常执法的线索来源、各指标计入的用地类型</translation>
        </message>
    </context>
    <context>
        <name>OverlayPanel</name>
        <message>
            <location filename="../land_enforcement_plugin/gui/overlay_panel.py" line="24" />
            <source>Townships (XZQDM, XZQMC)</source>
            <translation>乡镇（XZQDM、XZQMC）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/overlay_panel.py" line="24" />
            <source>Cultivated land</source>
            <translation>耕地</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/overlay_panel.py" line="25" />
            <source>Permanent basic farmland</source>
            <translation>永久基本农田</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/overlay_panel.py" line="26" />
            <source>Ecological red line</source>
            <translation>生态保护红线</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/overlay_panel.py" line="27" />
            <source>Villages (optional)</source>
            <translation>村界（可选）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/overlay_panel.py" line="37" />
            <source>Approvals</source>
            <translation>用地审批</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/overlay_panel.py" line="43" />
            <source>Ellipsoidal (CGCS2000, official)</source>
            <translation>椭球面积（CGCS2000，官方口径）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/overlay_panel.py" line="44" />
            <source>Planar (working CRS)</source>
            <translation>平面面积（工作坐标系）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/overlay_panel.py" line="45" />
            <source>Area</source>
            <translation>面积</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/overlay_panel.py" line="46" />
            <source>Run office comparison</source>
            <translation>运行内业比对</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/overlay_panel.py" line="39" />
            <source>When the cultivated layer is a full land-use layer (DLBM), only these codes count</source>
            <translation>耕地图层为完整土地利用现状图层（含 DLBM）时，仅统计这些地类编码</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/overlay_panel.py" line="41" />
            <source>Cultivated DLBM codes</source>
            <translation>耕地地类编码</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/overlay_panel.py" line="27" />
            <source>Nature reserves (optional)</source>
            <translation>自然保护地（可选）</translation>
        </message>
    </context>
    <context>
        <name>PatchListModel</name>
        <message>
            <location filename="../land_enforcement_plugin/gui/patch_list.py" line="78" />
            <source>Monitoring no.</source>
            <translation>监测编号</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/patch_list.py" line="78" />
            <source>Township</source>
            <translation>乡镇</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/patch_list.py" line="78" />
            <source>Area (mu)</source>
            <translation>面积（亩）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/patch_list.py" line="78" />
            <source>Verdict</source>
            <translation>判定结果</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/patch_list.py" line="79" />
            <source>Suggested</source>
            <translation>预判</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/patch_list.py" line="79" />
            <source>Priority</source>
            <translation>重点</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/patch_list.py" line="79" />
            <source>Photos</source>
            <translation>照片</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/patch_list.py" line="79" />
            <source>Rectification</source>
            <translation>整改状态</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/patch_list.py" line="80" />
            <source>Inspector</source>
            <translation>核查人</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/patch_list.py" line="80" />
            <source>Batch</source>
            <translation>批次</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/patch_list.py" line="80" />
            <source>Assignee</source>
            <translation>责任人</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/patch_list.py" line="80" />
            <source>Repeat of</source>
            <translation>重复图斑</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/patch_list.py" line="81" />
            <source>Review state</source>
            <translation>处理状态</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/patch_list.py" line="81" />
            <source>Planning</source>
            <translation>规划符合性</translation>
        </message>
    </context>
    <context>
        <name>PostgisTaskDialog</name>
        <message>
            <location filename="../land_enforcement_plugin/gui/postgis_dialog.py" line="43" />
            <source>PostGIS task (bureau mode)</source>
            <translation>PostGIS 任务（多人协同）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/postgis_dialog.py" line="52" />
            <source>A PostgreSQL connection saved in QGIS, or service=&lt;name&gt; from the PostgreSQL service file. Passwords stay in QGIS's authentication database or the service file, never in the project.</source>
            <translation>QGIS 中保存的 PostgreSQL 连接，或 PostgreSQL 服务文件中的 service=&lt;名称&gt;。密码只保存在 QGIS 认证数据库或服务文件中，不会写入工程文件。</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/postgis_dialog.py" line="55" />
            <source>List tasks</source>
            <translation>列出任务</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/postgis_dialog.py" line="58" />
            <source>Schema</source>
            <translation>模式名</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/postgis_dialog.py" line="58" />
            <source>County code</source>
            <translation>县级行政区代码</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/postgis_dialog.py" line="58" />
            <source>Batches</source>
            <translation>批次</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/postgis_dialog.py" line="66" />
            <source>e.g. task_370323_2024 (a new one is created by the first import)</source>
            <translation>如 task_370323_2024（新任务在首次导入时创建）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/postgis_dialog.py" line="67" />
            <source>Upload the open GeoPackage task here</source>
            <translation>将当前 GeoPackage 任务上传到此数据库</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/postgis_dialog.py" line="81" />
            <source>Connection</source>
            <translation>连接</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/postgis_dialog.py" line="82" />
            <source>Task schema</source>
            <translation>任务模式名</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/postgis_dialog.py" line="105" />
            <source>Connecting…</source>
            <translation>正在连接…</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/postgis_dialog.py" line="106" />
            <source>Listing PostGIS tasks</source>
            <translation>列出 PostGIS 任务</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/postgis_dialog.py" line="117" />
            <source>{n} tasks in this database</source>
            <translation>此数据库中有 {n} 个任务</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/postgis_dialog.py" line="144" />
            <source>Uploading {task}…</source>
            <translation>正在上传 {task}…</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/postgis_dialog.py" line="145" />
            <source>Uploading the task to PostGIS</source>
            <translation>上传任务到 PostGIS</translation>
        </message>
    </context>
    <context>
        <name>ReviewDock</name>
        <message>
            <location filename="../land_enforcement_plugin/gui/review_dock.py" line="62" />
            <source>Patch review</source>
            <translation>图斑核查</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/review_dock.py" line="83" />
            <source>All verdicts</source>
            <translation>全部判定</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/review_dock.py" line="87" />
            <source>All</source>
            <translation>全部</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/review_dock.py" line="87" />
            <source>Not verified</source>
            <translation>未核查</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/review_dock.py" line="87" />
            <source>Verified</source>
            <translation>已核查</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/review_dock.py" line="95" />
            <source>High priority</source>
            <translation>重点图斑</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/review_dock.py" line="96" />
            <source>Has photos</source>
            <translation>有照片</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/review_dock.py" line="99" />
            <source>Monitoring no. contains…</source>
            <translation>监测编号包含…</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/review_dock.py" line="108" />
            <source>◀ Previous unverified</source>
            <translation>◀ 上一个未核查</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/review_dock.py" line="108" />
            <source>Next unverified ▶</source>
            <translation>下一个未核查 ▶</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/review_dock.py" line="108" />
            <source>Zoom</source>
            <translation>定位</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/review_dock.py" line="108" />
            <source>Verdict…</source>
            <translation>判定…</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/review_dock.py" line="125" />
            <source>Attach photos…</source>
            <translation>添加照片…</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/review_dock.py" line="127" />
            <source>Match a photo folder…</source>
            <translation>按文件夹匹配照片…</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/review_dock.py" line="221" />
            <source>All townships</source>
            <translation>全部乡镇</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/review_dock.py" line="236" />
            <source>{shown} shown of {total}; {verified} verified, {left} not yet</source>
            <translation>显示 {shown} / 共 {total}；已核查 {verified}，未核查 {left}</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/review_dock.py" line="272" />
            <source>No more unverified patches in this direction</source>
            <translation>此方向已没有未核查图斑</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/review_photos.py" line="86" />
            <source>Select a patch first</source>
            <translation>请先选择图斑</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/review_photos.py" line="76" />
            <source>Attach photos</source>
            <translation>添加照片</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/review_photos.py" line="76" />
            <source>Photos (*.jpg *.jpeg *.png *.tif *.tiff *.heic)</source>
            <translation>照片 (*.jpg *.jpeg *.png *.tif *.tiff *.heic)</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/review_photos.py" line="92" />
            <source>Folder of photos named by monitoring number</source>
            <translation>以监测编号命名的照片文件夹</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/review_photos.py" line="107" />
            <source>Attaching photos</source>
            <translation>正在添加照片</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/review_photos.py" line="114" />
            <source>{added} photos attached, {skipped} already there</source>
            <translation>已添加 {added} 张照片，{skipped} 张已存在</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/review_dock.py" line="139" />
            <source>Export township sheets…</source>
            <translation>导出乡镇核查表…</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/review_dock.py" line="141" />
            <source>Import returned sheet…</source>
            <translation>导入回收核查表…</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/review_fieldwork.py" line="22" />
            <source>Folder for the township sheets</source>
            <translation>乡镇核查表保存文件夹</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/review_fieldwork.py" line="32" />
            <source>{n} township sheets written to {folder}</source>
            <translation>已导出 {n} 个乡镇核查表到 {folder}</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/review_fieldwork.py" line="40" />
            <source>Returned verification sheet</source>
            <translation>回收的核查表</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/review_fieldwork.py" line="118" />
            <source>Rows rejected</source>
            <translation>拒绝导入的行</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/review_fieldwork.py" line="118" />
            <source>{bad} rows were rejected, nothing was written:

{report}

Import the {good} valid rows anyway?</source>
            <translation>有 {bad} 行被拒绝，尚未写入任何内容：

{report}

仍然导入其余 {good} 行有效数据？</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/review_dock.py" line="143" />
            <source>Export QField projects…</source>
            <translation>导出 QField 外业工程…</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/review_dock.py" line="145" />
            <source>Merge QField package…</source>
            <translation>合并 QField 回传数据…</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/review_fieldwork.py" line="73" />
            <source>Folder for the QField projects</source>
            <translation>QField 外业工程保存文件夹</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/review_fieldwork.py" line="83" />
            <source>{n} QField projects written to {folder}</source>
            <translation>已导出 {n} 个 QField 外业工程到 {folder}</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/review_fieldwork.py" line="90" />
            <source>Returned QField package</source>
            <translation>回传的 QField 数据包</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/review_fieldwork.py" line="90" />
            <source>GeoPackage (*.gpkg)</source>
            <translation>GeoPackage (*.gpkg)</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/review_fieldwork.py" line="106" />
            <source>Conflicts</source>
            <translation>冲突</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/review_dock.py" line="132" />
            <source>Photos farther than this from their patch are flagged</source>
            <translation>照片距图斑超过此距离时标记提醒</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/review_dock.py" line="137" />
            <source>Flag beyond</source>
            <translation>距离提醒</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/review_dock.py" line="379" />
            <source>Saved by someone else</source>
            <translation>已被他人保存</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/review_dock.py" line="376" />
            <source>{field}: theirs “{theirs}”, yours “{mine}”</source>
            <translation>{field}：对方为“{theirs}”，您为“{mine}”</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/review_dock.py" line="147" />
            <source>Assign to…</source>
            <translation>分派给…</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/review_dock.py" line="148" />
            <source>Assign the selected patch to a person of the roster (an exception to the township rule); recorded in the audit log</source>
            <translation>将选中图斑分派给名册中的某人（乡镇规则之外的例外），记入审计日志</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/review_dock.py" line="223" />
            <source>All batches</source>
            <translation>全部批次</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/review_fieldwork.py" line="132" />
            <source>The roster is empty: add people in the task panel's Season tab</source>
            <translation>名册为空：请在任务面板的“批次与进度”页添加人员</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/review_fieldwork.py" line="136" />
            <source>Assign to</source>
            <translation>分派给</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/review_fieldwork.py" line="136" />
            <source>Who answers for {jcbh}?</source>
            <translation>{jcbh} 由谁负责？</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/review_fieldwork.py" line="35" />
            <source>Writing township sheets</source>
            <translation>正在生成乡镇核查表</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/review_photos.py" line="117" />
            <source>, {refused} files refused or not matched</source>
            <translation>，{refused} 个文件未挂接或未匹配</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/review_fieldwork.py" line="40" />
            <source>Spreadsheets (*.xlsx *.xlsm *.csv);;All files (*)</source>
            <translation>表格 (*.xlsx *.xlsm *.csv);;所有文件 (*)</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/review_dock.py" line="108" />
            <source>Case…</source>
            <translation>案件…</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/review_fieldwork.py" line="67" />
            <source>Importing the verification sheet</source>
            <translation>正在导入核查表</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/review_fieldwork.py" line="86" />
            <source>Writing QField projects</source>
            <translation>正在生成 QField 外业工程</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/review_fieldwork.py" line="113" />
            <source>Merging the QField package</source>
            <translation>正在合并 QField 回传数据</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/review_dock.py" line="91" />
            <source>All review states</source>
            <translation>全部处理状态</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/review_dock.py" line="397" />
            <source>Review</source>
            <translation>审核</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/review_dock.py" line="400" />
            <source>Submit to the county</source>
            <translation>提交县级审核</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/review_dock.py" line="400" />
            <source>Approve</source>
            <translation>审核通过</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/review_dock.py" line="401" />
            <source>Return to the township…</source>
            <translation>退回乡镇…</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/review_dock.py" line="401" />
            <source>Mark reported</source>
            <translation>标记为已上报</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/review_dock.py" line="402" />
            <source>Reopen a reported patch…</source>
            <translation>重新打开已上报图斑…</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/review_dock.py" line="406" />
            <source>Planning conformity…</source>
            <translation>规划符合性分析…</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/review_dock.py" line="406" />
            <source>Draw a spot-check sample…</source>
            <translation>抽取抽查样本…</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/review_dock.py" line="406" />
            <source>Record a spot-check re-check…</source>
            <translation>录入抽查复核结果…</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/review_dock.py" line="406" />
            <source>Spot-check results and cross-checks…</source>
            <translation>抽查结果与交叉核对…</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/review_dock.py" line="421" />
            <source>Reason</source>
            <translation>原因</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/review_dock.py" line="421" />
            <source>Why is {jcbh} sent back?</source>
            <translation>{jcbh} 退回原因？</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/review_dock.py" line="453" />
            <source>Planning conformity: {flag}</source>
            <translation>规划符合性：{flag}</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/review_dock.py" line="158" />
            <source>Cancel</source>
            <translation>取消</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/review_dock.py" line="193" />
            <source>Reading the patch list</source>
            <translation>正在读取图斑列表</translation>
        </message>
    </context>
    <context>
        <name>RulesDialog</name>
        <message>
            <location filename="../land_enforcement_plugin/gui/rules_dialog.py" line="33" />
            <source>Rules profile: {name} ({version})</source>
            <translation>问责口径：{name}（{version}）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/rules_dialog.py" line="40" />
            <source>Rule</source>
            <translation>规则</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/rules_dialog.py" line="40" />
            <source>Value</source>
            <translation>取值</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/rules_dialog.py" line="40" />
            <source>Unit</source>
            <translation>单位</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/rules_dialog.py" line="40" />
            <source>Source (file and clause)</source>
            <translation>依据（文件 条款）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/rules_dialog.py" line="40" />
            <source>Name</source>
            <translation>姓名</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/rules_dialog.py" line="59" />
            <source>Save as the bureau's own</source>
            <translation>存为本局口径</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/rules_dialog.py" line="60" />
            <source>Keep these rules in the QGIS settings as the bureau's own profile, as the milestone template</source>
            <translation>将这些规则作为本局口径保存在 QGIS 设置中（同时间节点模板）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/rules_dialog.py" line="68" />
            <source>OK computes the task with these rules (kept with the task and written to the audit log)</source>
            <translation>确定后按这些规则重新计算本任务（口径随任务保存并记入修改记录）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/rules_dialog.py" line="76" />
            <source>mu</source>
            <translation>亩</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/rules_dialog.py" line="101" />
            <source>Edited in the Season tab (Save as my template)</source>
            <translation>在“批次与进度”页修改（保存为我的模板）</translation>
        </message>
    </context>
    <context>
        <name>SeasonPanel</name>
        <message>
            <location filename="../land_enforcement_plugin/gui/season_panel.py" line="46" />
            <source>Batch</source>
            <translation>批次</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/season_panel.py" line="46" />
            <source>Milestone</source>
            <translation>时间节点</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/season_panel.py" line="46" />
            <source>Due</source>
            <translation>截止日期</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/season_panel.py" line="46" />
            <source>Days left</source>
            <translation>剩余天数</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/season_panel.py" line="46" />
            <source>State</source>
            <translation>状态</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/season_panel.py" line="50" />
            <source>Edit a due or done date (YYYY-MM-DD); every change is audited</source>
            <translation>可编辑截止或完成日期（YYYY-MM-DD），每次修改都记入审计日志</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/season_panel.py" line="53" />
            <source>Apply template</source>
            <translation>套用模板</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/season_panel.py" line="54" />
            <source>Set the batch's due dates from the template (dates already set are kept)</source>
            <translation>按模板设置该批次的截止日期（已设置的日期保留）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/season_panel.py" line="56" />
            <source>Save as my template</source>
            <translation>保存为我的模板</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/season_panel.py" line="63" />
            <source>Milestones</source>
            <translation>时间节点</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/season_panel.py" line="69" />
            <source>Name</source>
            <translation>姓名</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/season_panel.py" line="69" />
            <source>Role</source>
            <translation>角色</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/season_panel.py" line="69" />
            <source>Township code</source>
            <translation>乡镇代码</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/season_panel.py" line="69" />
            <source>Village</source>
            <translation>村</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/season_panel.py" line="69" />
            <source>Phone</source>
            <translation>电话</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/season_panel.py" line="69" />
            <source>Default</source>
            <translation>默认</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/season_panel.py" line="74" />
            <source>Add person</source>
            <translation>添加人员</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/season_panel.py" line="76" />
            <source>Remove</source>
            <translation>删除</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/season_panel.py" line="82" />
            <source>Save roster</source>
            <translation>保存名册</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/season_panel.py" line="87" />
            <source>Roster (field chiefs and inspectors)</source>
            <translation>名册（田长与核查员）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/season_panel.py" line="92" />
            <source>Assign by township</source>
            <translation>按乡镇分派</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/season_panel.py" line="93" />
            <source>Each patch to its township (the overlay's boundary) and the township's default person; assignments made by hand are kept</source>
            <translation>每个图斑分派到所在乡镇（叠加分析的边界）及该乡镇的默认责任人；手工分派保持不变</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/season_panel.py" line="99" />
            <source>Per-person task lists…</source>
            <translation>责任人任务清单…</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/season_panel.py" line="100" />
            <source>Verification sheet and QField project for every person of every township</source>
            <translation>为每个乡镇的每位责任人导出核查表和 QField 工程</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/season_panel.py" line="102" />
            <source>Progress report…</source>
            <translation>进度报告…</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/season_panel.py" line="168" />
            <source>Overdue by {n} days</source>
            <translation>已逾期 {n} 天</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/season_panel.py" line="170" />
            <source>{n} days left</source>
            <translation>剩余 {n} 天</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/season_panel.py" line="172" />
            <source>No date</source>
            <translation>未设日期</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/season_panel.py" line="233" />
            <source>Dates are written YYYY-MM-DD, e.g. 2025-05-08</source>
            <translation>日期格式为 YYYY-MM-DD，如 2025-05-08</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/season_panel.py" line="281" />
            <source>Template saved for {kind} batches</source>
            <translation>已保存 {kind} 批次的模板</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/season_panel.py" line="287" />
            <source>Each person's name must be unique in the roster</source>
            <translation>名册中每人的姓名必须唯一</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/season_panel.py" line="297" />
            <source>Roster saved: {n} people</source>
            <translation>名册已保存：{n} 人</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/season_panel.py" line="321" />
            <source>{n} patches assigned</source>
            <translation>已分派 {n} 个图斑</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/season_panel.py" line="328" />
            <source>Folder for the per-person task lists</source>
            <translation>责任人任务清单的保存文件夹</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/season_panel.py" line="341" />
            <source>Per-person task lists</source>
            <translation>责任人任务清单</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/season_panel.py" line="338" />
            <source>{n} sheets and QField projects written to {dir}</source>
            <translation>已写出 {n} 个核查表和 QField 工程到 {dir}</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/season_panel.py" line="356" />
            <source>Progress report</source>
            <translation>进度报告</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/season_panel.py" line="365" />
            <source>Progress report written: {path}</source>
            <translation>进度报告已写出：{path}</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/season_panel.py" line="46" />
            <source>Done on</source>
            <translation>完成日期</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/season_panel.py" line="78" />
            <source>Load roster sheet…</source>
            <translation>读取名册表…</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/season_panel.py" line="79" />
            <source>A sheet (.xlsx or .csv) with 姓名, 角色, 乡镇代码, 村, 电话, 默认; shown here to check, then saved with Save roster</source>
            <translation>读取名册表（.xlsx 或 .csv，列为 姓名、角色、乡镇代码、村、电话、默认），先在此核对，再点“保存名册”</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/season_panel.py" line="96" />
            <source>Redo automatic assignments</source>
            <translation>重新自动分派</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/season_panel.py" line="97" />
            <source>Assign again the patches assigned automatically before (after the roster changed); assignments made by hand are always kept</source>
            <translation>重新分派此前自动分派的图斑（名册变动后使用）；手工分派始终保留</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/season_panel.py" line="166" />
            <source>Completed</source>
            <translation>已完成</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/season_panel.py" line="301" />
            <source>Roster sheet</source>
            <translation>名册表</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/season_panel.py" line="312" />
            <source>{n} people read: check them and press Save roster</source>
            <translation>已读取 {n} 人：请核对后点“保存名册”</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/season_panel.py" line="57" />
            <source>Keep this batch's due dates (month and day) as the calendar of the task's rules profile and of the bureau's own, for new batches</source>
            <translation>将本批次的截止日期（月、日）存为本任务问责口径和本局口径中的时间节点，供新批次套用</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/season_panel.py" line="110" />
            <source>Cancel</source>
            <translation>取消</translation>
        </message>
    </context>
    <context>
        <name>Sheets</name>
        <message>
            <location filename="../land_enforcement_plugin/gui/messages.py" line="76" />
            <source>Verification sheets</source>
            <translation>核查表</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/messages.py" line="76" />
            <source>Show each patch's before and after images in its row? Township staff then see the change without QGIS (about 0.1 s a patch).</source>
            <translation>在每个图斑的行中附上前后时相影像截图？乡镇人员不用 QGIS 也能看到变化（每个图斑约 0.1 秒）。</translation>
        </message>
    </context>
    <context>
        <name>TaskDock</name>
        <message>
            <location filename="../land_enforcement_plugin/gui/task_dock.py" line="48" />
            <source>Land enforcement task</source>
            <translation>卫片执法任务</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/task_dock.py" line="156" />
            <source>No task open</source>
            <translation>未打开任务库</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/task_dock.py" line="55" />
            <source>Open task…</source>
            <translation>打开任务库…</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/task_dock.py" line="57" />
            <source>Import patches…</source>
            <translation>导入图斑…</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/task_dock.py" line="62" />
            <source>Add to map</source>
            <translation>加载到地图</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/task_dock.py" line="108" />
            <source>Task</source>
            <translation>任务库</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/task_dock.py" line="71" />
            <source>Batches</source>
            <translation>批次</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/task_dock.py" line="71" />
            <source>Working CRS</source>
            <translation>工作坐标系</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/task_dock.py" line="71" />
            <source>Patches</source>
            <translation>图斑数</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/task_dock.py" line="71" />
            <source>Verified</source>
            <translation>已核查</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/task_dock.py" line="71" />
            <source>Schema version</source>
            <translation>库结构版本</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/task_dock.py" line="79" />
            <source>Cancel</source>
            <translation>取消</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/task_dock.py" line="87" />
            <source>Last import: validation report</source>
            <translation>上次导入：校验报告</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/task_dock.py" line="92" />
            <source>Row</source>
            <translation>行号</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/task_dock.py" line="92" />
            <source>Monitoring no.</source>
            <translation>监测编号</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/task_dock.py" line="92" />
            <source>Result</source>
            <translation>结果</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/task_dock.py" line="92" />
            <source>Reason</source>
            <translation>原因</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/task_dock.py" line="92" />
            <source>Area m² before → after</source>
            <translation>面积 m²（修复前 → 修复后）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/task_dock.py" line="126" />
            <source>Open or create a task database</source>
            <translation>打开或新建任务库</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/task_dock.py" line="126" />
            <source>Task database (*.gpkg)</source>
            <translation>任务库 (*.gpkg)</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/task_dock.py" line="227" />
            <source>Importing change patches</source>
            <translation>正在导入卫片图斑</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/task_dock.py" line="240" />
            <source>Read {read}: {inserted} new, {updated} updated, {unchanged} unchanged, {rejected} rejected, {repaired} geometries repaired</source>
            <translation>共读取 {read} 条：新增 {inserted}，更新 {updated}，未变 {unchanged}，拒绝 {rejected}，修复几何 {repaired}</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/task_dock.py" line="247" />
            <source>Rejected</source>
            <translation>已拒绝</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/task_dock.py" line="247" />
            <source>Repaired</source>
            <translation>已修复</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/task_dock.py" line="247" />
            <source>Note</source>
            <translation>说明</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/task_dock.py" line="301" />
            <source>Change patches</source>
            <translation>卫片图斑</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/task_dock.py" line="303" />
            <source>Cannot load the patches layer from {path}</source>
            <translation>无法从 {path} 加载图斑图层</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/task_dock.py" line="273" />
            <source>Office comparison</source>
            <translation>内业比对</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/task_dock.py" line="264" />
            <source>Choose the townships layer</source>
            <translation>请选择乡镇图层</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/task_dock.py" line="280" />
            <source>Cancelled: the task database is unchanged</source>
            <translation>已取消：任务库未作改动</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/task_dock.py" line="283" />
            <source>Office comparison: {n} patches recomputed, {m} unchanged</source>
            <translation>内业比对：重算 {n} 个图斑，{m} 个未变</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/task_dock.py" line="183" />
            <source>{rejected} rejected, {repaired} repaired, {note} notes</source>
            <translation>拒绝 {rejected}，修复 {repaired}，说明 {note}</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/task_dock.py" line="305" />
            <source>Verification records</source>
            <translation>核查记录</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/task_dock.py" line="306" />
            <source>Field photos</source>
            <translation>现场照片</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/task_dock.py" line="59" />
            <source>PostGIS…</source>
            <translation>PostGIS…</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/task_dock.py" line="60" />
            <source>Open a task in a shared PostGIS database, or upload this one to it</source>
            <translation>打开共享 PostGIS 数据库中的任务，或将当前任务上传到其中</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/task_dock.py" line="113" />
            <source>Season</source>
            <translation>批次与进度</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/task_dock.py" line="71" />
            <source>County</source>
            <translation>县（区）</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/task_dock.py" line="185" />
            <source>New task: created by its first import</source>
            <translation>新任务：首次导入图斑时创建</translation>
        </message>
    </context>
    <context>
        <name>UserName</name>
        <message>
            <location filename="../land_enforcement_plugin/gui/messages.py" line="50" />
            <source>Your name</source>
            <translation>您的姓名</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/messages.py" line="51" />
            <source>Your name, recorded with each verdict you save or import (the change history):</source>
            <translation>您的姓名，将随您保存或导入的每条核查结果记入修改记录：</translation>
        </message>
    </context>
    <context>
        <name>VerdictForm</name>
        <message>
            <location filename="../land_enforcement_plugin/gui/verdict_form.py" line="35" />
            <source>Verification of {jcbh}</source>
            <translation>图斑 {jcbh} 核查结果</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/verdict_form.py" line="67" />
            <source>History</source>
            <translation>修改记录</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/verdict_form.py" line="55" />
            <source>Save</source>
            <translation>保存</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/verdict_form.py" line="56" />
            <source>Cancel</source>
            <translation>取消</translation>
        </message>
        <message>
            <location filename="../land_enforcement_plugin/gui/verdict_form.py" line="59" />
            <source>Monitoring number {jcbh}</source>
            <translation>监测编号 {jcbh}</translation>
        </message>
    </context>
</TS>
