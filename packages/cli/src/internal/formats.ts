/** The report's output formats, apart from their renderers so that the command tree can name them cheaply. */
export const formats = ["table", "json", "csv"] as const

/** The formats of `report`: those, and the dashboard's page as one self-contained HTML file (of a store). */
export const reportFormats = [...formats, "html"] as const

/** A format of `report`. */
export type ReportFormat = typeof reportFormats[number]
