/** The campaign report: `report.html` and the analysis Parquet files of a run folder, and the `report` command. */
export { UnsupportedComputeError, writeCampaignReport, type AnalysisCompute, type WrittenReport } from "./write-report.ts";
export { NotARunFolderError } from "./read-campaign.ts";
export { REPORT_USAGE, runReportCommand, type ReportCommandIo } from "./command.ts";
