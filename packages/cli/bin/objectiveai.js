#!/usr/bin/env node
// The command as installed. In the workspace, `pnpm install` links it before the first build has written dist/, and
// pnpm makes no link to a file that does not exist yet: the link points here, and this loads the bundle.
import "../dist/objectiveai.js"
