/**
 * The agents' SLA countdowns (services/agent/countdown.ts) from a ticket's SLA summary and its
 * rules version's real calendars: the shipped Warsaw working hours (08:00–17:00 Mon–Fri, Polish
 * holidays) across a weekend and a holiday, and 24×7. What an agent reads, in pl, en and de.
 */
import { expect } from 'chai';
import { createI18n } from '../api/i18n.ts';
import { createCountdowns, type CountdownTicket } from '../services/agent/countdown.ts';
import { loadDefaultRulesText, UnknownRulesVersionError } from '../rules/versions.ts';
import { parseRules } from '../rules/validate.ts';
import type { TicketSla } from '../workflows/types.ts';

const file = parseRules(loadDefaultRulesText());
const H = 3_600_000;
const M = 60_000;
const at = (iso: string) => Date.parse(iso);
const spaces = (s: string) => s.replace(/\s/g, ' ');

function sla(over: Partial<TicketSla>): TicketSla {
  return {
    policyId: 'standard-p3', calendarId: 'warsaw-business', businessHours: true, responseTargetMs: 4 * H, resolutionTargetMs: 27 * H,
    responseDueAt: null, resolutionDueAt: null, responded: false, paused: false, breached: [], ...over,
  };
}

describe('agent countdowns: business time from the ticket\'s own calendar', () => {
  let countdowns: ReturnType<typeof createCountdowns>;
  const asked: number[] = [];

  before(async () => {
    const i18n = await createI18n();
    countdowns = createCountdowns({
      i18n,
      rules: {
        async compiled(version: number) {
          asked.push(version);
          if (version !== 1) throw new UnknownRulesVersionError(version);
          return { file };
        },
      },
    });
  });

  const ticket = (s: Partial<TicketSla>, status = 'in_progress', rulesVersion: number | null = 1): CountdownTicket => ({ sla: sla(s), status, rulesVersion });

  it('counts working time across the 1 May holiday and the weekend: Thursday 16:00 → Monday 08:20 is 1 h 20 min', async () => {
    // Thursday 30 April 2026 16:00 in Warsaw (CEST); Friday 1 May is a holiday; due Monday 4 May 08:20.
    const now = at('2026-04-30T14:00:00Z');
    const t = ticket({ responseDueAt: '2026-05-04T06:20:00Z', resolutionDueAt: '2026-05-06T10:00:00Z' });
    const [response, resolution] = await countdowns.forTicket(t, { language: 'en', timeZone: 'Europe/Warsaw' }, now);
    expect(response).to.include({ clock: 'response', risk: 'ok', remainingMs: 80 * M, overdueMs: null, text: '1 h 20 min working time left' });
    expect(resolution!.clock).to.equal('resolution');
    expect((await countdowns.forTicket(t, 'pl', now))[0]!.text).to.equal('1 godz. 20 min czasu pracy');
    expect((await countdowns.forTicket(t, 'de', now))[0]!.text).to.equal('1 Std. 20 Min. Arbeitszeit übrig');
  });

  it('is a warning once the time left is within the last quarter of the target (the policy\'s first warnAt, 0.75)', async () => {
    // Monday 4 May 07:30 Warsaw, before opening: due 08:50 is 50 min of working time, not 1 h 20 min of wall time.
    const [response] = await countdowns.forTicket(ticket({ responseDueAt: '2026-05-04T06:50:00Z' }), 'en', at('2026-05-04T05:30:00Z'));
    expect(response).to.include({ risk: 'warning', remainingMs: 50 * M, text: '50 min working time left' });
  });

  it('says "left" without "working time" on a 24×7 calendar, and warns in its last 3¾ minutes of 15', async () => {
    const base = { policyId: 'gold-p1', calendarId: '24x7', businessHours: false, responseTargetMs: 15 * M, resolutionTargetMs: 4 * H };
    const now = at('2026-05-02T10:00:00Z'); // a Saturday and a Polish holiday: 24×7 counts it all
    const [ok] = await countdowns.forTicket(ticket({ ...base, responseDueAt: '2026-05-02T10:10:00Z' }), 'en', now);
    expect(ok).to.include({ risk: 'ok', text: '10 min left' });
    const [warning] = await countdowns.forTicket(ticket({ ...base, responseDueAt: '2026-05-02T10:03:00Z' }), 'pl', now);
    expect(warning).to.include({ risk: 'warning', text: 'zostało 3 min' });
    const [last] = await countdowns.forTicket(ticket({ ...base, responseDueAt: '2026-05-02T10:00:30Z' }), 'de', now);
    expect(last).to.include({ risk: 'warning', text: 'noch weniger als 1 Min.' });
  });

  it('says a breach in wall time since the deadline: a Friday 16:50 deadline is "2 days 15 h ago" on Monday 08:10', async () => {
    const t = ticket({ responseDueAt: '2026-05-08T14:50:00Z' });
    const now = at('2026-05-11T06:10:00Z');
    const [en] = await countdowns.forTicket(t, 'en', now);
    expect(en).to.include({ risk: 'breached', remainingMs: null, overdueMs: (2 * 24 + 15) * H + 20 * M, text: 'breached 2 days 15 h ago' });
    expect((await countdowns.forTicket(t, 'pl', now))[0]!.text).to.equal('termin minął 2 dni 15 godz. temu');
    expect((await countdowns.forTicket(t, 'de', now))[0]!.text).to.equal('vor 2 Tagen 15 Std. überschritten');
    const [recent] = await countdowns.forTicket(t, 'en', at('2026-05-08T15:25:00Z'));
    expect(recent!.text).to.equal('breached 35 min ago');
  });

  it('puts days in the right Polish and German forms: 1 dzień, 2 dni, 5 dni, 22 dni; vor 1 Tag, vor 5 Tagen', async () => {
    const due = '2026-01-10T12:00:00Z';
    const ago = async (days: number, lng: string) => (await countdowns.forTicket(ticket({ responseDueAt: due }), lng, at(due) + days * 24 * H))[0]!.text;
    expect(await Promise.all([1, 2, 5, 22].map((d) => ago(d, 'pl')))).to.deep.equal([
      'termin minął 1 dzień temu', 'termin minął 2 dni temu', 'termin minął 5 dni temu', 'termin minął 22 dni temu',
    ]);
    expect(await Promise.all([1, 5].map((d) => ago(d, 'de')))).to.deep.equal(['vor 1 Tag überschritten', 'vor 5 Tagen überschritten']);
    expect(await Promise.all([1, 2].map((d) => ago(d, 'en')))).to.deep.equal(['breached 1 day ago', 'breached 2 days ago']);
  });

  it('titles the countdown with the due instant in the viewer\'s time zone and the calendar', async () => {
    const t = ticket({ responseDueAt: '2026-05-04T06:20:00Z' });
    const now = at('2026-04-30T14:00:00Z');
    const [ny] = await countdowns.forTicket(t, { language: 'en', timeZone: 'America/New_York' }, now);
    expect(spaces(ny!.title)).to.equal('Due May 4, 2026, 2:20 AM EDT · calendar warsaw-business');
    const [pl] = await countdowns.forTicket(t, { language: 'pl', timeZone: 'Europe/Warsaw' }, now);
    expect(spaces(pl!.title)).to.equal('Termin: 4 maj 2026, 08:20 CEST · kalendarz warsaw-business');
    expect(ny!.dueAt).to.equal('2026-05-04T06:20:00Z');
  });

  it('pauses while pending ("waiting for the requester") and says the answered response met', async () => {
    const [response, resolution] = await countdowns.forTicket(ticket({ responded: true, paused: true }, 'pending'), 'en', at('2026-05-04T08:00:00Z'));
    expect(response).to.include({ risk: 'met', text: 'answered', dueAt: null, remainingMs: null });
    expect(resolution).to.include({ risk: 'paused', text: 'paused: waiting for the requester', title: 'Calendar: warsaw-business' });
    const [, pl] = await countdowns.forTicket(ticket({ responded: true, paused: true }, 'pending'), 'pl');
    expect(pl!.text).to.equal('wstrzymany: czekamy na zgłaszającego');
  });

  it('stops the clocks of a resolved, closed or merged ticket, and keeps a breach a breach', async () => {
    const resolved = await countdowns.forTicket(ticket({ responded: true, breached: ['response'] }, 'resolved'), 'en');
    expect(resolved.map((c) => [c.risk, c.text])).to.deep.equal([['breached', 'answered late'], ['met', 'resolved in time']]);
    const closed = await countdowns.forTicket(ticket({ breached: ['resolution'] }, 'closed'), 'en');
    expect(closed.map((c) => [c.risk, c.text])).to.deep.equal([['stopped', 'stopped: ticket closed'], ['breached', 'resolved late']]);
    const merged = await countdowns.forTicket(ticket({ responded: true, breached: ['resolution'] }, 'merged'), 'de');
    expect(merged.map((c) => [c.risk, c.text])).to.deep.equal([['met', 'beantwortet'], ['breached', 'überschritten; angehalten: Ticket zusammengeführt']]);
    const cancelled = await countdowns.forTicket(ticket({}, 'cancelled'), 'pl');
    expect(cancelled.map((c) => [c.risk, c.text])).to.deep.equal([['stopped', 'zatrzymany: zgłoszenie anulowane'], ['stopped', 'zatrzymany: zgłoszenie anulowane']]);
  });

  it('has no countdown before the ticket is classified', async () => {
    expect(await countdowns.forTicket({ sla: null, status: 'new', rulesVersion: null }, 'en')).to.deep.equal([]);
  });

  it('compiles a rules version\'s calendars once, and falls back to wall time when the version is unknown', async () => {
    asked.length = 0;
    const t = ticket({ responseDueAt: '2026-05-04T06:20:00Z' });
    await countdowns.forTicket(t, 'en', at('2026-04-30T14:00:00Z'));
    await countdowns.forTicket(t, 'pl', at('2026-04-30T14:00:00Z'));
    expect(asked).to.deep.equal([]); // version 1 was compiled by the tests above, once
    const [unknown] = await countdowns.forTicket({ ...t, rulesVersion: 99 }, 'en', at('2026-05-04T03:20:00Z'));
    expect(unknown).to.include({ risk: 'ok', remainingMs: 3 * H, text: 'due in 3 h' });
  });
});
