/**
 * Shadow mode's comparison and words, without a server: which outcome fields differ (tags and
 * roles notified as sets, fired rules in order, an escalation by its tier, rule and reason), and
 * how long a shadow has run in the viewer's language.
 */
import { expect } from 'chai';
import { differingFields } from '../activities/shadow.ts';
import type { ShadowOutcome } from '../db/shadow-decisions-repo.ts';
import { elapsedWords } from '../admin-ui/routes/shadow-view.ts';
import { localeT } from './support/admin-browser.ts';

const base: ShadowOutcome = {
  priority: 'P2', category: 'other', team: 'service-desk', tier: 'L1', serviceLevel: 'silver', policy: 'silver-p2', ladder: 'standard',
  tags: ['a', 'b'], notify: ['duty_manager'], escalation: null, fired: [{ rule: 'VIP first', type: 'set-priority', applied: true }], notFired: [],
  responseMs: 3_600_000, resolutionMs: 32_400_000, calendar: 'warsaw-business',
};

describe('shadow mode: which fields differ, and for how long it ran', () => {
  it('finds no difference between equal decisions, whatever the order of tags and roles', () => {
    expect(differingFields(base, { ...base, tags: ['b', 'a'], notFired: ['x'] })).to.deep.equal([]);
  });

  it('names each field that differs, in the order they are shown', () => {
    const other: ShadowOutcome = {
      ...base, team: 'applications', tier: 'L2', resolutionMs: 14_400_000, tags: ['a'],
      escalation: { tier: 'L2', reason: null, rule: 'Escalate' }, fired: [{ rule: 'VIP first', type: 'set-priority', applied: false }],
    };
    expect(differingFields(base, other)).to.deep.equal(['team', 'tier', 'resolutionMs', 'escalation', 'tags', 'fired']);
  });

  it('says how long in words, with the plural forms of the language', async () => {
    expect(elapsedWords(30_000, 'en', await localeT('en', 'admin-shadow'))).to.equal('less than a minute');
    expect(elapsedWords(2 * 86_400_000 + 3 * 3_600_000 + 60_000, 'pl', await localeT('pl', 'admin-shadow'))).to.equal('2 dni 3 godziny');
    expect(elapsedWords(5 * 3_600_000 + 60_000, 'de', await localeT('de', 'admin-shadow'))).to.equal('5 Stunden 1 Minute');
  });
});
