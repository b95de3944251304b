// Small value conversions shared by the builders: Istio's duration strings → protobuf Durations,
// Istio percentages → Envoy FractionalPercent, and label selection.
import { parseDurationNs } from '../model/index.ts';

/** A Go-style duration the model already validated (`1h30m`, `1.5s`, `500ms`) → { seconds, nanos }. */
export function duration(text: string): { seconds: number; nanos: number } {
  const ns = parseDurationNs(text) ?? 0;
  // Whole milliseconds (the model enforces ms precision), so rounding only removes float noise.
  const ms = Math.round(ns / 1e6);
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 };
}

export const ZERO_DURATION = { seconds: 0, nanos: 0 } as const;

/**
 * Istio's percentage (a double, 0–100) → FractionalPercent over a million, the finest denominator,
 * so 0.0001 % (the smallest Istio accepts) is still exact. Absent means 100 %, as in Istio.
 */
export function fractionalPercent(value: number | undefined): { numerator: number; denominator: string } {
  return { numerator: Math.round((value ?? 100) * 10_000), denominator: 'MILLION' };
}

/** Every key/value of `selector` is in `labels` (an empty selector selects everything). */
export function labelsMatch(
  selector: Readonly<Record<string, string>> | undefined,
  labels: Readonly<Record<string, string>>,
): boolean {
  return Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);
}

/** Drops undefined values so golden files and protobufjs see only what was set. */
export function compact<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
