#!/usr/bin/env node
// Runs the compiled build when present (npm install builds it); otherwise the TypeScript source via tsx.
import { existsSync } from 'node:fs';

const built = new URL('../dist/proxy/src/cli.js', import.meta.url);
if (existsSync(built)) {
  await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../proxy/src/cli.ts', import.meta.url).href);
}
