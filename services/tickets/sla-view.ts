/**
 * A ticket's SLA clocks as they stand now: the workflow's recorded clock state,
 * with business time elapsed up to this instant computed in the policy's calendar.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import { elapsedBusinessMs } from '../../activities/clocks.ts';
import type { BusinessCalendar } from '../../rules/calendar-types.ts';
import { slaQuery } from '../../workflows/messages.ts';
import type { ClockState } from '../../workflows/sla-state.ts';
import { clockView, type ClockView, type SlaView } from '../../workflows/sla-view.ts';
import { workflowIdFor } from '../../workflows/types.ts';
import { NotFoundError, UnavailableError } from '../errors.ts';
import type { TicketDeps } from './deps.ts';

export type { ClockView, SlaView } from '../../workflows/sla-view.ts';

/** One clock as it stands at `nowMs`, its business time elapsed up to then counted in the policy's calendar. */
export function viewClock(c: ClockState, calendar: BusinessCalendar, nowMs: number): ClockView {
  return clockView(c, elapsedBusinessMs(calendar, c, nowMs), nowMs);
}

export async function ticketSla(deps: Pick<TicketDeps, 'temporal' | 'clock'>, number: string): Promise<SlaView> {
  let state;
  try {
    state = await deps.temporal.workflow.getHandle(workflowIdFor(number)).query(slaQuery);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new NotFoundError('errors.ticketNotFound', { number });
    throw new UnavailableError(err);
  }
  const now = deps.clock?.() ?? Date.now();
  const calendar = state.plan?.calendar;
  return {
    number,
    policy: state.plan?.policyId ?? null,
    calendar: calendar?.id ?? null,
    clocks: calendar ? state.clocks.map((c) => viewClock(c, calendar, now)) : [],
  };
}
