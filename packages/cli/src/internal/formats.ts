/** The report's output formats, apart from their renderers so that the command tree can name them cheaply. */
export const formats = ["table", "json", "csv"] as const
