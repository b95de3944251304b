#!/usr/bin/env node
// Runs the compiled build when present (npm install builds it); otherwise, or with
// WEFT_FROM_SOURCE=1 (tests and development, where dist/ may be older than the source), the
// TypeScript source via tsx.
import { existsSync } from 'node:fs';

const built = new URL('../dist/control-plane/src/cli/weftctl.js', import.meta.url);
if (existsSync(built) && process.env.WEFT_FROM_SOURCE !== '1') {
  await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../control-plane/src/cli/weftctl.ts', import.meta.url).href);
}
