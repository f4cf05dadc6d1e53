#!/usr/bin/env node
// Rewrites the stack config reference in README.md from the zod schema.
import { readFileSync, writeFileSync } from "node:fs";
import { withReference } from "../config/reference.ts";

const path = new URL("../README.md", import.meta.url);
writeFileSync(path, withReference(readFileSync(path, "utf8")));
console.log("README.md: config reference regenerated");
