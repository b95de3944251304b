// Reading the control plane's monitoring endpoints. Every failure becomes one line that names the
// address, since the usual cause is a wrong --control-plane or a control plane that is not running.
import { CliError } from './command.ts';

const TIMEOUT_MS = 5_000;

export interface Answer<T> {
  readonly status: number;
  readonly body: T;
}

export async function getJson<T>(address: string, path: string): Promise<Answer<T>> {
  const hostPort = address.replace(/^https?:\/\//, '').replace(/\/+$/, '');
  let response: Response;
  try {
    response = await fetch(`http://${hostPort}${path}`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (err) {
    throw new CliError(`cannot reach the control plane at ${hostPort}: ${reason(err)}`);
  }
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) as T };
  } catch {
    throw new CliError(
      `${hostPort}${path} answered HTTP ${response.status} with no JSON: is ${hostPort} the control plane's monitoring port (15014)?`,
    );
  }
}

function reason(err: unknown): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return `no answer within ${TIMEOUT_MS / 1000}s`;
  return e.cause?.code ?? e.cause?.message ?? e.message;
}
