/**
 * The `objectiveai` command line: its command tree, and the pieces it is built from (the streaming report, its
 * formats, the tool-call summary), for tests and for embedding in other programs.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as Cli from "./Cli.js"

/** @since 0.1.0 */
export * as CliError from "./CliError.js"

/** @since 0.1.0 */
export * as Connection from "./Connection.js"

/** @since 0.1.0 */
export * as DashboardCommand from "./DashboardCommand.js"

/** @since 0.1.0 */
export * as DemoCommand from "./DemoCommand.js"

/** @since 0.1.0 */
export * as ExportCommand from "./ExportCommand.js"

/** @since 0.1.0 */
export * as ImportCommand from "./ImportCommand.js"

/** @since 0.1.0 */
export * as Progress from "./Progress.js"

/** @since 0.2.0 */
export * as PruneCommand from "./PruneCommand.js"

/** @since 0.1.0 */
export * as Render from "./Render.js"

/** @since 0.1.0 */
export * as ReportCommand from "./ReportCommand.js"

/** @since 0.1.0 */
export * as ReportFormat from "./ReportFormat.js"

/** @since 0.1.0 */
export * as RetrieveCommand from "./RetrieveCommand.js"

/** @since 0.1.0 */
export * as ServeCommand from "./ServeCommand.js"

/** @since 0.1.0 */
export * as StoreFlags from "./StoreFlags.js"

/** @since 0.1.0 */
export * as SyncCommand from "./SyncCommand.js"
