/** Helpers for lifecycle tests: act on a ticket over HTTP and wait for what a person would see. */
import type { TicketEvent } from '../../workflows/types.ts';
import type { IsolatedStack } from './env.ts';
import { request } from './http.ts';
import { waitFor } from './processes.ts';

export async function openTicket(stack: IsolatedStack, over: Record<string, unknown> = {}): Promise<string> {
  const res = await request(stack.web.url, 'POST', '/api/v1/tickets', {
    token: stack.agentToken,
    body: { title: 'Something is broken', description: 'Details of the problem.', requesterEmail: 'requester@example.com', impact: 'low', urgency: 'low', ...over },
  });
  if (res.status !== 201) throw new Error(`intake answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body.number as string;
}

/** Performs an action over HTTP as agent@example.com, or as the holder of `opts.token`. */
export function act(stack: IsolatedStack, number: string, action: string, body: Record<string, unknown>, opts: { lang?: string; token?: string } = {}) {
  return request(stack.web.url, 'POST', `/api/v1/tickets/${number}/actions/${action}`, { body, token: opts.token ?? stack.agentToken, headers: { 'Accept-Language': opts.lang ?? 'en' } });
}

export async function timeline(stack: IsolatedStack, number: string): Promise<TicketEvent[]> {
  return (await stack.db.tickets.get(number))?.timeline ?? [];
}

export function waitForEvent(stack: IsolatedStack, number: string, match: (e: TicketEvent) => boolean, timeoutMs = 30_000): Promise<TicketEvent> {
  return waitFor(`an event on ${number}`, async () => (await timeline(stack, number)).find(match), timeoutMs, 100);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
