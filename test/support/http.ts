/* eslint-disable @typescript-eslint/no-explicit-any -- test responses are inspected field by field */
/** Small JSON-over-HTTP helper for tests: what a client of the API sees. */
export interface JsonResponse<T = Record<string, any>> {
  status: number;
  headers: Headers;
  body: T;
}

export async function request<T = Record<string, any>>(base: string, method: string, path: string, opts: { body?: unknown; rawBody?: string; headers?: Record<string, string>; token?: string } = {}): Promise<JsonResponse<T>> {
  const headers: Record<string, string> = { accept: 'application/json', ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}), ...opts.headers };
  let body: string | undefined;
  if (opts.rawBody !== undefined) body = opts.rawBody;
  else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(`${base}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: leave the text
  }
  return { status: res.status, headers: res.headers, body: parsed as T };
}
