/**
 * Decoding a Kinesis record's `Data` into the row it carries. Real producers send three shapes:
 *
 * 1. the bytes of a JSON object (the SDK's `PutRecords`, and API Gateway's Kinesis proxy, which
 *    base64-encodes `Data` on the wire so Kinesis stores the JSON bytes);
 * 2. a JSON string whose content is JSON (a client that serialised the row twice);
 * 3. base64 text of JSON (a client that base64-encoded the row itself before an API that encodes
 *    again).
 *
 * Anything else is undecodable and goes to the quarantine with the reason.
 */
import { describeJson } from '../contract/raw-records';

export type DataShape = 'json' | 'json-string' | 'base64';

export type Decoded = { ok: true; value: Record<string, unknown>; shape: DataShape } | { ok: false; reason: string };

const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    if (error instanceof SyntaxError) return { ok: false };
    throw error;
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** Decodes `data` (a record's bytes) to a JSON object; see the module comment for the accepted shapes. */
export function decodeRecordData(data: Uint8Array | string): Decoded {
  const text = (typeof data === 'string' ? data : Buffer.from(data).toString('utf8')).replace(/^\uFEFF/, '').trim();
  if (text === '') return { ok: false, reason: 'empty data' };
  const parsed = parseJson(text);
  if (parsed.ok) {
    if (isObject(parsed.value)) return { ok: true, value: parsed.value, shape: 'json' };
    if (typeof parsed.value === 'string') {
      const inner = parseJson(parsed.value.trim());
      if (inner.ok && isObject(inner.value)) return { ok: true, value: inner.value, shape: 'json-string' };
      return { ok: false, reason: `a JSON string that does not hold a JSON object (${describeJson(parsed.value)})` };
    }
    return { ok: false, reason: `JSON but not an object (got ${describeJson(parsed.value)})` };
  }
  const compact = text.replace(/\s+/g, '');
  if (BASE64.test(compact) && compact.length % 4 !== 1) {
    const decoded = Buffer.from(
      compact,
      compact.includes('-') || compact.includes('_') ? 'base64url' : 'base64',
    ).toString('utf8');
    const inner = parseJson(decoded.trim());
    if (inner.ok && isObject(inner.value)) return { ok: true, value: inner.value, shape: 'base64' };
    if (inner.ok && typeof inner.value === 'string') {
      const twice = parseJson(inner.value.trim());
      if (twice.ok && isObject(twice.value)) return { ok: true, value: twice.value, shape: 'base64' };
    }
  }
  return { ok: false, reason: `not JSON, a JSON string of JSON, or base64 of JSON (starts ${describeJson(text)})` };
}
