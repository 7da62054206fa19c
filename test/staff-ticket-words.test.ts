/**
 * The staff ticket page's words without a server: every event type, actor, clock and
 * resolution code the page names has its text in pl, en and de; durations come out in each
 * language's plural forms; an erased person reads "[erased] (pseudonym …)" in the viewer's word.
 */
import { expect } from 'chai';
import type { i18n } from 'i18next';
import { CLOCK_NAMES, EVENT_TYPES, eventText, formatDuration, MACHINE_ACTORS, personLabel, shown, type Words } from '../api/agent/words.ts';
import { createI18n, LANGUAGES } from '../api/i18n.ts';
import { ERASED } from '../services/privacy/ticket-data.ts';
import { ResolutionCode } from '../workflows/types.ts';

describe('staff ticket page: its words in every language', () => {
  let i18n: i18n;
  const words = (language: string): Words => ({ language, staff: i18n.getFixedT(language, 'staff'), api: i18n.getFixedT(language, 'api'), portal: i18n.getFixedT(language, 'portal') });
  const event = (type: string, data: Record<string, unknown> = {}) => ({ seq: 1, type, actor: 'system', reason: null, data, occurredAt: '2026-03-02T08:00:00.000Z' });

  before(async () => {
    i18n = await createI18n();
  });

  it('when the workflow records any of its event types, then each has a sentence in pl, en and de, as do its actors, clocks and resolution codes', () => {
    const keys = [
      ...EVENT_TYPES.map((t) => `ticket.event.${t}`), 'ticket.event.other',
      ...MACHINE_ACTORS.map((a) => `ticket.actor.${a}`),
      ...CLOCK_NAMES.flatMap((c) => [`ticket.clock.${c}`, `ticket.clockOf.${c}`]),
      ...Object.values(ResolutionCode).map((c) => `ticket.resolutionCode.${c}`),
      ...['running', 'paused', 'stopped', 'breached'].map((s) => `ticket.clocks.state.${s}`),
    ];
    for (const lng of LANGUAGES) {
      const missing = keys.filter((k) => !i18n.exists(k, { lng, ns: 'staff', fallbackLng: false }));
      expect(missing, lng).to.deep.equal([]);
    }
  });

  it('when an event carries figures, then its sentence names them in the viewer’s words', () => {
    const en = words('en');
    expect(eventText(event('sla_warning', { clock: 'response', fraction: 0.75 }), en)).to.equal('SLA warning: the response clock is at 75% of its target');
    expect(eventText(event('started', { from: 'assigned', to: 'in_progress' }), words('pl'))).to.equal('Rozpoczęto pracę (status przypisane → w realizacji)');
    expect(eventText(event('resolved', { code: 'workaround' }), words('de'))).to.equal('Gelöst: Umgehungslösung');
    expect(eventText(event('sla_breached', { clock: 'resolution' }), words('pl'))).to.equal('Przekroczenie SLA: minął termin rozwiązania');
    expect(eventText(event('priority_changed', { from: { priority: 'P3' }, to: { priority: 'P1' } }), en)).to.equal('Priority changed: P3 → P1');
    expect(eventText(event('something_new'), en)).to.equal('Event “something_new”');
  });

  it('when durations are shown, then they come out in each language’s plural forms', () => {
    const H = 3_600_000;
    expect([1, 2, 5, 22].map((h) => formatDuration(h * H, 'pl'))).to.deep.equal(['1 godzina', '2 godziny', '5 godzin', '22 godziny']);
    expect(formatDuration(2 * H + 15 * 60_000, 'pl')).to.equal('2 godziny 15 minut');
    expect(formatDuration(H + 60_000, 'en')).to.equal('1 hour 1 minute');
    expect(formatDuration(-30 * 60_000, 'de')).to.equal('30 Minuten');
    expect(formatDuration(0, 'en')).to.equal('0 minutes');
  });

  it('when a person was erased, then their data reads as the viewer’s word for it and their pseudonym stays', () => {
    const id = '0b6a6f3e-2f44-4d2a-9d55-3f0e4c1d2a10';
    expect(personLabel(id, words('en'))).to.equal(`[erased] (pseudonym ${id})`);
    expect(personLabel(id, words('pl'))).to.equal(`[usunięto] (pseudonim ${id})`);
    expect(personLabel(id, words('de'))).to.equal(`[gelöscht] (Pseudonym ${id})`);
    expect(personLabel(ERASED, words('de'))).to.equal('[gelöscht]');
    expect(personLabel('nina@example.com', words('pl'))).to.equal('nina@example.com');
    expect(personLabel('rules', words('pl'))).to.equal('Silnik reguł');
    expect(shown(ERASED, words('pl'))).to.equal('[usunięto]');
    expect(shown('Drukarka', words('pl'))).to.equal('Drukarka');
  });
});
