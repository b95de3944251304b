// HeaderValueOption lists and `*_headers_to_remove` → HeaderMutation, and the per-request applier.
// Envoy's order within one mutation: remove; evaluate every value and condition; overwrite; add.

import type { HeaderValueOption } from '../config/index.ts';
import { bool, ConfigError, enumName, joinPath, message, repeated, str } from '../config/index.ts';
import {
  formatHeaderValue,
  type HeaderFormatContext,
  type HeaderRecord,
  parseHeaderFormat,
  readsHeaders,
} from './header-format.ts';
import type { HeaderMutation, HeaderOp } from './types.ts';

export type { HeaderFormatContext, HeaderRecord } from './header-format.ts';

const APPEND_ACTIONS = [
  'APPEND_IF_EXISTS_OR_ADD',
  'ADD_IF_ABSENT',
  'OVERWRITE_IF_EXISTS_OR_ADD',
  'OVERWRITE_IF_EXISTS',
];

export const EMPTY_HEADER_MUTATION: HeaderMutation = Object.freeze({
  set: [],
  append: [],
  setIfAbsent: [],
  remove: [],
  empty: true,
});

/** Envoy refuses to add, overwrite or remove pseudo-headers and Host through these lists. */
function isProtected(name: string): boolean {
  return name.startsWith(':') || name === 'host';
}

type Pair = readonly [string, string];

/**
 * Compiles one level's `*_headers_to_add` (`add`, at `addPath`) and `*_headers_to_remove` (`remove`,
 * at `removePath`). Names are lower-cased; values may use %COMMAND% formatters (header-format.ts).
 */
export function compileHeaderMutation(
  add: readonly HeaderValueOption[] | undefined,
  remove: readonly string[] | undefined,
  addPath: string,
  removePath: string,
): HeaderMutation {
  const removeNames = repeated(remove, removePath).map((n, i) => {
    const at = joinPath(removePath, i);
    const name = str(n, at).toLowerCase();
    if (name === '') throw new ConfigError(at, 'a header name is required');
    if (isProtected(name))
      throw new ConfigError(at, `":"-prefixed or host headers may not be removed: ${name}`);
    return name;
  });
  const overwrite: HeaderOp[] = [];
  const added: HeaderOp[] = [];
  const lists = {
    set: [] as Pair[],
    append: [] as Pair[],
    setIfAbsent: [] as Pair[],
    overwriteIfExists: [] as Pair[],
  };
  repeated(add, addPath).forEach((raw, i) => {
    const at = joinPath(addPath, i);
    const o = message(raw, at);
    const header = message(o.header, joinPath(at, 'header'));
    const keyPath = joinPath(joinPath(at, 'header'), 'key');
    const name = str(header.key, keyPath).toLowerCase();
    if (name === '') throw new ConfigError(keyPath, 'a header name is required');
    if (isProtected(name)) {
      throw new ConfigError(
        keyPath,
        `":"-prefixed or host headers may not be modified: ${name} (use host_rewrite_literal for the host)`,
      );
    }
    let action = enumName(o.append_action, APPEND_ACTIONS, joinPath(at, 'append_action'));
    if (o.append !== undefined && o.append !== null) {
      // The deprecated bool only combines with the default action, as in Envoy.
      if (action !== APPEND_ACTIONS[0])
        throw new ConfigError(joinPath(at, 'append'), 'append and append_action cannot both be set');
      action = bool(o.append, joinPath(at, 'append'), true)
        ? 'APPEND_IF_EXISTS_OR_ADD'
        : 'OVERWRITE_IF_EXISTS_OR_ADD';
    }
    const keepEmpty = bool(o.keep_empty_value, joinPath(at, 'keep_empty_value'), false);
    const value = parseHeaderFormat(
      str(header.value, joinPath(joinPath(at, 'header'), 'value')),
      joinPath(joinPath(at, 'header'), 'value'),
    );
    if (value === '' && !keepEmpty) return; // an empty custom header is dropped unless keep_empty_value
    const conditional = action === 'ADD_IF_ABSENT' || action === 'OVERWRITE_IF_EXISTS';
    const op: HeaderOp = { name, value, conditional, keepEmpty };
    (action.startsWith('OVERWRITE') ? overwrite : added).push(op);
    if (typeof value === 'string') {
      const target =
        action === 'APPEND_IF_EXISTS_OR_ADD'
          ? lists.append
          : action === 'ADD_IF_ABSENT'
            ? lists.setIfAbsent
            : action === 'OVERWRITE_IF_EXISTS_OR_ADD'
              ? lists.set
              : lists.overwriteIfExists;
      target.push([name, value]);
    }
  });
  if (removeNames.length === 0 && overwrite.length === 0 && added.length === 0) return EMPTY_HEADER_MUTATION;
  return {
    ...lists,
    remove: removeNames,
    empty: false,
    plan: {
      overwrite,
      add: added,
      snapshot: needsSnapshot(overwrite, added),
      needsContext: [...overwrite, ...added].some((op) => typeof op.value !== 'string'),
    },
  };
}

/**
 * The in-place pass checks a condition when it reaches the op, after earlier ops have run; Envoy
 * checks all conditions first. They differ only when an earlier op can create the same header, or a
 * formatter reads headers this mutation changes; then the applier takes Envoy's two-step path.
 */
function needsSnapshot(overwrite: readonly HeaderOp[], add: readonly HeaderOp[]): boolean {
  const all = [...overwrite, ...add];
  if (all.some((op) => typeof op.value !== 'string' && readsHeaders(op.value))) return true;
  const created = new Set<string>();
  for (const op of overwrite) {
    if (op.conditional && created.has(op.name)) return true;
    if (!op.conditional) created.add(op.name);
  }
  for (const op of add) {
    if (op.conditional && created.has(op.name)) return true;
    created.add(op.name);
  }
  return false;
}

/** A value for this request; undefined when a formatted value is empty and must not be added. */
function opValue(op: HeaderOp, ctx: HeaderFormatContext | undefined): string | undefined {
  if (typeof op.value === 'string') return op.value;
  const v = formatHeaderValue(op.value, ctx);
  return v === '' && !op.keepEmpty ? undefined : v;
}

/** Adds one more value; a repeated header becomes an array, as Node represents it. */
export function appendHeader(headers: HeaderRecord, name: string, value: string): void {
  const cur = headers[name];
  if (cur === undefined) headers[name] = value;
  else if (typeof cur === 'string') headers[name] = [cur, value];
  else cur.push(value);
}

/**
 * Applies a mutation to a header record in place (names are lower-case). `ctx` feeds %COMMAND%
 * formatters. Apply levels most specific first: weighted cluster, route, virtual host, route config.
 */
export function applyHeaderMutation(
  m: HeaderMutation,
  headers: HeaderRecord,
  ctx?: HeaderFormatContext,
): void {
  if (m.empty) return;
  const remove = m.remove;
  for (let i = 0; i < remove.length; i++) delete headers[remove[i]!];
  const plan = m.plan;
  if (plan === undefined) {
    applyLists(m, headers);
    return;
  }
  if (plan.snapshot) {
    applyWithSnapshot(plan.overwrite, plan.add, headers, ctx);
    return;
  }
  for (const op of plan.overwrite) {
    if (op.conditional && headers[op.name] === undefined) continue;
    const v = opValue(op, ctx);
    if (v !== undefined) headers[op.name] = v;
  }
  for (const op of plan.add) {
    if (op.conditional && headers[op.name] !== undefined) continue;
    const v = opValue(op, ctx);
    if (v !== undefined) appendHeader(headers, op.name, v);
  }
}

function applyWithSnapshot(
  overwrite: readonly HeaderOp[],
  add: readonly HeaderOp[],
  headers: HeaderRecord,
  ctx: HeaderFormatContext | undefined,
): void {
  const values: Array<string | undefined> = [];
  for (const op of overwrite)
    values.push(op.conditional && headers[op.name] === undefined ? undefined : opValue(op, ctx));
  for (const op of add)
    values.push(op.conditional && headers[op.name] !== undefined ? undefined : opValue(op, ctx));
  for (let i = 0; i < overwrite.length; i++) {
    const v = values[i];
    if (v !== undefined) headers[overwrite[i]!.name] = v;
  }
  for (let i = 0; i < add.length; i++) {
    const v = values[overwrite.length + i];
    if (v !== undefined) appendHeader(headers, add[i]!.name, v);
  }
}

/** A hand-built mutation (no plan): lists in a fixed order. */
function applyLists(m: HeaderMutation, headers: HeaderRecord): void {
  for (const [name, value] of m.set) headers[name] = value;
  for (const [name, value] of m.overwriteIfExists ?? [])
    if (headers[name] !== undefined) headers[name] = value;
  for (const [name, value] of m.setIfAbsent) if (headers[name] === undefined) headers[name] = value;
  for (const [name, value] of m.append) appendHeader(headers, name, value);
}
