/**
 * The ticket's state transitions as plain functions: every action in every state, allowed or
 * refused with the right failure type, and what the allowed ones record. No Temporal server.
 */
import { expect } from 'chai';
import { refusalFor, requesterReplied, resume } from '../workflows/transitions/actions.ts';
import { canReclassify, reclassified } from '../workflows/transitions/classification.ts';
import type { TicketState } from '../workflows/ticket-state.ts';
import { TicketStatus as S, type TicketAction, type TicketActionName, type TicketStatus } from '../workflows/types.ts';
import { act, AGENT, carryOut, classification, classifiedTicket, HOUR, REQUESTER, T0 } from './support/ticket-fixture.ts';

const OPEN: TicketStatus[] = [S.new, S.assigned, S.in_progress, S.pending, S.reopened];

/** The README's table, written out here on its own: where each action is allowed, where it leads, what it records. */
const TABLE: Record<TicketActionName, { allowed: TicketStatus[]; leadsTo: (from: TicketStatus) => TicketStatus; event: string }> = {
  assign: { allowed: OPEN, leadsTo: (from) => (from === S.new ? S.assigned : from), event: 'assigned' },
  start: { allowed: [S.new, S.assigned, S.reopened], leadsTo: () => S.in_progress, event: 'started' },
  respond: { allowed: OPEN, leadsTo: (from) => from, event: 'responded' },
  comment: { allowed: [...OPEN, S.resolved, S.closed], leadsTo: (from) => from, event: 'commented' },
  set_pending: { allowed: [S.assigned, S.in_progress, S.reopened], leadsTo: () => S.pending, event: 'pending' },
  resume: { allowed: [S.pending], leadsTo: () => S.in_progress, event: 'resumed' },
  resolve: { allowed: OPEN, leadsTo: () => S.resolved, event: 'resolved' },
  reopen: { allowed: [S.resolved], leadsTo: () => S.reopened, event: 'reopened' },
  close: { allowed: [S.resolved], leadsTo: () => S.closed, event: 'closed' },
  cancel: { allowed: OPEN, leadsTo: () => S.cancelled, event: 'cancelled' },
  escalate: { allowed: OPEN, leadsTo: (from) => from, event: 'escalated' },
  deescalate: { allowed: OPEN, leadsTo: (from) => from, event: 'deescalated' },
  change_priority: { allowed: OPEN, leadsTo: (from) => from, event: 'priority_changed' },
  rate: { allowed: [S.resolved, S.closed], leadsTo: (from) => from, event: 'rated' },
  merge: { allowed: OPEN, leadsTo: () => S.merged, event: 'merged' },
};

/** A well-formed action of each kind; the ticket sits at tier L2, so it can go up and down. */
const VALID: { [K in TicketActionName]: Extract<TicketAction, { action: K }> } = {
  assign: { action: 'assign', actor: AGENT, assignee: 'L2.Agent@example.com' },
  start: { action: 'start', actor: AGENT },
  respond: { action: 'respond', actor: AGENT, message: 'Looking into it' },
  comment: { action: 'comment', actor: AGENT, message: 'internal note' },
  set_pending: { action: 'set_pending', actor: AGENT, reason: 'waiting for the log file' },
  resume: { action: 'resume', actor: AGENT, reason: 'log file received' },
  resolve: { action: 'resolve', actor: AGENT, code: 'solved' },
  reopen: { action: 'reopen', actor: REQUESTER, reason: 'it fails again' },
  close: { action: 'close', actor: REQUESTER },
  cancel: { action: 'cancel', actor: AGENT, reason: 'duplicate' },
  escalate: { action: 'escalate', actor: AGENT, reason: 'needs a developer' },
  deescalate: { action: 'deescalate', actor: AGENT, reason: 'a configuration question' },
  change_priority: { action: 'change_priority', actor: AGENT, priority: 'P1', reason: 'finance closing' },
  rate: { action: 'rate', actor: REQUESTER, score: 4, comment: 'good fix' },
  merge: { action: 'merge', actor: AGENT, into: 'HD-2026-000042', reason: 'the same outage' },
};

/** A ticket brought into `status` the way agents bring it there, one hour per step. */
function ticketIn(status: TicketStatus): TicketState {
  const st = classifiedTicket();
  const path: Record<TicketStatus, TicketActionName[]> = {
    new: [],
    assigned: ['assign'],
    in_progress: ['assign', 'start'],
    pending: ['assign', 'start', 'set_pending'],
    resolved: ['resolve'],
    closed: ['resolve', 'close'],
    reopened: ['resolve', 'reopen'],
    cancelled: ['cancel'],
    merged: ['merge'],
  };
  path[status].forEach((name, i) => act(st, VALID[name], T0 + (i + 1) * HOUR));
  expect(st.ticket.status).to.equal(status);
  return st;
}

describe('ticket transitions (pure, no server)', () => {
  for (const name of Object.keys(TABLE) as TicketActionName[]) {
    describe(name, () => {
      for (const status of Object.values(S)) {
        const { allowed, leadsTo, event } = TABLE[name];
        if (allowed.includes(status)) {
          it(`is allowed on a ${status} ticket and leads to ${leadsTo(status)}, recording '${event}'`, () => {
            const st = ticketIn(status);
            const seqBefore = st.ticket.lastEventSeq;
            expect(refusalFor(st, VALID[name])).to.equal(null);
            const recorded = act(st, VALID[name], T0 + 10 * HOUR);
            expect(st.ticket.status).to.equal(leadsTo(status));
            expect(recorded.type).to.equal(event);
            expect(recorded.actor).to.equal(VALID[name].actor);
            expect(st.ticket.lastEventSeq, 'numbering is the workflow’s, on recording').to.equal(seqBefore);
          });
        } else {
          it(`is refused on a ${status} ticket as an InvalidTransition, changing nothing`, () => {
            const st = ticketIn(status);
            const before = JSON.stringify(st);
            expect(refusalFor(st, VALID[name])).to.deep.equal({ type: 'InvalidTransition', key: 'notAllowed', params: { action: name, status } });
            expect(JSON.stringify(st)).to.equal(before);
          });
        }
      }
    });
  }

  describe('arguments', () => {
    const refused = (st: TicketState, a: unknown) => refusalFor(st, a as TicketAction);
    it('refuses an unknown action or a missing actor as an InvalidArgument', () => {
      const st = classifiedTicket();
      expect(refused(st, { action: 'teleport', actor: AGENT })).to.deep.equal({ type: 'InvalidArgument', key: 'unknownAction', params: { action: 'teleport' } });
      expect(refused(st, null)).to.deep.include({ type: 'InvalidArgument', key: 'unknownAction' });
      expect(refused(st, { action: 'hasOwnProperty', actor: AGENT })).to.deep.include({ type: 'InvalidArgument', key: 'unknownAction' });
      expect(refused(st, { action: 'start', actor: '  ' })).to.deep.equal({ type: 'InvalidArgument', key: 'actorRequired', params: {} });
    });

    it('refuses a missing text field by name, as an InvalidArgument', () => {
      const cases: Array<[TicketActionName, string]> = [['assign', 'assignee'], ['respond', 'message'], ['comment', 'message'], ['set_pending', 'reason'], ['cancel', 'reason'], ['escalate', 'reason'], ['deescalate', 'reason'], ['change_priority', 'reason']];
      for (const [name, field] of cases) {
        const a = { ...VALID[name], [field]: ' ' };
        expect(refused(ticketIn(S.in_progress), a), name).to.deep.equal({ type: 'InvalidArgument', key: 'fieldRequired', params: { field } });
      }
      expect(refused(ticketIn(S.pending), { ...VALID.resume, reason: '' })).to.deep.include({ key: 'fieldRequired', params: { field: 'reason' } });
      expect(refused(ticketIn(S.resolved), { ...VALID.reopen, reason: undefined })).to.deep.include({ key: 'fieldRequired', params: { field: 'reason' } });
    });

    it('refuses a bad resolution code, priority or score as an InvalidArgument naming what is allowed', () => {
      const st = ticketIn(S.in_progress);
      expect(refused(st, { ...VALID.resolve, code: 'fixed' })).to.deep.equal({ type: 'InvalidArgument', key: 'badResolutionCode', params: { codes: 'solved, workaround, not_reproducible, duplicate, no_response' } });
      expect(refused(st, { ...VALID.change_priority, priority: 'P9' })).to.deep.equal({ type: 'InvalidArgument', key: 'badPriority', params: { priorities: 'P1, P2, P3, P4' } });
      for (const score of [0, 6, 2.5, '4']) expect(refused(ticketIn(S.resolved), { ...VALID.rate, score })).to.deep.equal({ type: 'InvalidArgument', key: 'badScore', params: {} });
    });

    it('refuses the same priority, a rating by anyone but the requester, and a second rating as InvalidTransitions', () => {
      expect(refused(ticketIn(S.in_progress), { ...VALID.change_priority, priority: 'P3' })).to.deep.equal({ type: 'InvalidTransition', key: 'samePriority', params: { priority: 'P3' } });
      const resolved = ticketIn(S.resolved);
      expect(refused(resolved, { ...VALID.rate, actor: AGENT })).to.deep.equal({ type: 'InvalidTransition', key: 'onlyRequesterRates', params: {} });
      act(resolved, VALID.rate, T0 + 2 * HOUR);
      expect(refused(resolved, VALID.rate)).to.deep.equal({ type: 'InvalidTransition', key: 'alreadyRated', params: { score: 4 } });
    });

    it('refuses every action but a comment before the ticket is classified', () => {
      const st = classifiedTicket();
      st.ticket.sla = null;
      expect(refused(st, VALID.start)).to.deep.equal({ type: 'InvalidTransition', key: 'notClassified', params: { number: 'HD-2026-000001' } });
      expect(refused(st, VALID.comment)).to.equal(null);
    });

    it('refuses tiers that are unknown, not higher or not lower, and moves past the ends', () => {
      const st = ticketIn(S.in_progress); // at L2 of L1, L2, L3
      expect(refused(st, { ...VALID.escalate, tier: 'L9' })).to.deep.equal({ type: 'InvalidArgument', key: 'unknownTier', params: { tier: 'L9', tiers: 'L1, L2, L3' } });
      expect(refused(st, { ...VALID.deescalate, tier: 'L9' })).to.deep.include({ type: 'InvalidArgument', key: 'unknownTier' });
      expect(refused(st, { ...VALID.escalate, tier: 'L1' })).to.deep.equal({ type: 'InvalidTransition', key: 'tierNotHigher', params: { tier: 'L1', current: 'L2' } });
      expect(refused(st, { ...VALID.deescalate, tier: 'L3' })).to.deep.equal({ type: 'InvalidTransition', key: 'tierNotLower', params: { tier: 'L3', current: 'L2' } });
      expect(refused(st, { ...VALID.escalate, tier: 'L3' })).to.equal(null);
      act(st, VALID.escalate, T0 + 2 * HOUR);
      expect(refused(st, VALID.escalate)).to.deep.equal({ type: 'InvalidTransition', key: 'cannotEscalate', params: { tier: 'L3' } });
      act(st, { ...VALID.deescalate, tier: 'L1' }, T0 + 3 * HOUR);
      expect(refused(st, VALID.deescalate)).to.deep.equal({ type: 'InvalidTransition', key: 'cannotDeescalate', params: { tier: 'L1' } });
    });
  });

  describe('what the allowed actions record', () => {
    it('assign lower-cases the assignee and names the team; start keeps an assignee or takes the actor', () => {
      const st = classifiedTicket();
      const started = act(st, VALID.start, T0 + HOUR);
      expect(started.data).to.deep.equal({ assignee: AGENT, from: 'new', to: 'in_progress' });
      const assigned = act(st, { ...VALID.assign, team: 'development' }, T0 + 2 * HOUR);
      expect(assigned.data).to.deep.equal({ assignee: 'l2.agent@example.com', team: 'development', from: 'in_progress', to: 'in_progress' });
      expect(assigned.notify).to.deep.equal({ kind: 'assigned', roles: ['assignee'], data: {} });
    });

    it('escalating to a tier with another team hands the ticket to that team, unassigned', () => {
      const st = ticketIn(S.in_progress);
      expect(st.ticket.assignee).to.equal('l2.agent@example.com');
      const escalated = act(st, VALID.escalate, T0 + 5 * HOUR);
      expect(st.ticket).to.include({ tier: 'L3', teamId: 'development', assignee: null });
      expect(escalated).to.deep.include({ type: 'escalated', reason: 'needs a developer', data: { by: 'agent', fromTier: 'L2', toTier: 'L3', team: 'development' } });
      expect(escalated.notify).to.deep.equal({ kind: 'escalated', roles: ['team'], data: { reason: 'needs a developer' } });
    });

    it('the requester’s reply is a public comment to whoever handles the ticket, and resumes a pending one', () => {
      const st = ticketIn(S.pending);
      expect(requesterReplied(st, { author: '', message: '  ' })).to.equal(null);
      const reply = requesterReplied(st, { author: '', message: 'Here is the log.' })!;
      expect(reply).to.deep.include({ type: 'requester_replied', actor: REQUESTER, data: { message: 'Here is the log.', public: true } });
      expect(reply.notify).to.deep.include({ kind: 'requester_reply', roles: ['assignee'] });
      const resumed = carryOut(st, resume(st, reply.actor, 'requester replied', T0 + 5 * HOUR), T0 + 5 * HOUR);
      expect(resumed).to.deep.include({ type: 'resumed', actor: REQUESTER, reason: 'requester replied' });
      expect(st.ticket.status).to.equal(S.in_progress);
    });

    it('a re-classification is for open tickets; it changes team and tier only while the ticket is new', () => {
      for (const status of [S.resolved, S.closed, S.cancelled]) expect(canReclassify(ticketIn(status)), status).to.equal(false);
      const fresh = ticketIn(S.new);
      expect(canReclassify(fresh)).to.equal(true);
      carryOut(fresh, reclassified(fresh, classification({ tier: 'L1' }), { actor: 'owner@example.com', reason: 'rules v3' }), T0 + HOUR);
      expect(fresh.ticket.tier).to.equal('L1');
      const worked = ticketIn(S.in_progress);
      const event = carryOut(worked, reclassified(worked, classification({ tier: 'L1' }), { actor: 'owner@example.com', reason: 'rules v3' }), T0 + 3 * HOUR);
      expect(worked.ticket.tier).to.equal('L2');
      expect(event.data).to.deep.include({ from: { rulesVersion: 2, priority: 'P3', policy: 'standard-P3' } });
    });
  });
});
