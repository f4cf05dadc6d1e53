#!/usr/bin/env node
// The campaign runner: `peva-faas run --spec <file>` | `peva-faas plan --spec <file>`.
import { main } from "../src/runner/cli.ts";

process.exitCode = await main(process.argv.slice(2));
