#!/usr/bin/env node
// The package's `bin`: registers tsx so the TypeScript sources run as they are (no build step),
// then hands over to the commander wiring in iam-hygiene.ts.
import { register } from "tsx/esm/api";

register();
await import("./iam-hygiene.ts");
