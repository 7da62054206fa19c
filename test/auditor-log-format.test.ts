/**
 * The audit-log page's own logic, without a server: the filter form read through the API's parser
 * (every wrong field named at once, days in the viewer's zone, the end of a period inclusive),
 * the action in words per family in en, pl and de, and what an entry says of a rules version or a
 * checkpoint. Pure: npx mocha --no-config --node-option import=tsx --extension ts test/auditor-log-format.test.ts
 */
import { expect } from 'chai';
import type { Request } from 'express';
import { createI18n } from '../api/i18n.ts';
import { actionLabel, checkpointOf, detailText, publishedVersionOf } from '../auditor-ui/log/entries.ts';
import { parseLogQuery, queryOf, startOfDayIn } from '../auditor-ui/log/filter.ts';

const q = (query: Record<string, unknown>) => query as Request['query'];

describe('audit-log page: the filter form', () => {
  it('reads a day in the viewer’s zone: Warsaw’s 1 November starts at 23:00 UTC the day before, and "to" takes the whole day', () => {
    expect(new Date(startOfDayIn('2026-11-01', 'Europe/Warsaw')!).toISOString()).to.equal('2026-10-31T23:00:00.000Z');
    // The day summer time ends is 25 hours long.
    expect(startOfDayIn('2026-10-25', 'Europe/Warsaw', 1)! - startOfDayIn('2026-10-25', 'Europe/Warsaw')!).to.equal(25 * 3_600_000);
    const parsed = parseLogQuery(q({ action: 'rules.*', from: '2026-11-01', to: '2026-11-30' }), 'Europe/Warsaw');
    expect(parsed.ok).to.equal(true);
    if (!parsed.ok) return;
    expect(parsed.filter).to.deep.equal({ action: 'rules.*', fromMs: Date.parse('2026-10-31T23:00:00Z'), toMs: Date.parse('2026-11-30T23:00:00Z'), limit: 50 });
  });

  it('takes ISO instants as they are, and the API’s page size and before', () => {
    const parsed = parseLogQuery(q({ from: '2026-11-01T08:00:00Z', limit: '7', before: '120', actor: 'user:3' }), 'Europe/Warsaw');
    expect(parsed.ok && parsed.filter).to.deep.equal({ actor: 'user:3', fromMs: Date.parse('2026-11-01T08:00:00Z'), limit: 7, before: 120 });
  });

  it('names every wrong field at once, stricter than Date.parse about days', () => {
    const parsed = parseLogQuery(q({ from: '2026-02-30', to: 'hello 1', limit: '5000', actor: ['a', 'b'], before: '0' }), 'UTC');
    expect(parsed.ok).to.equal(false);
    if (parsed.ok) return;
    expect(parsed.problems).to.deep.equal([
      { field: 'actor', key: 'badValue', params: {} },
      { field: 'from', key: 'badDate', params: { value: '2026-02-30' } },
      { field: 'to', key: 'badDate', params: { value: 'hello 1' } },
      { field: 'limit', key: 'badNumber', params: { max: 1000, value: '5000' } },
      { field: 'before', key: 'badNumber', params: { max: Number.MAX_SAFE_INTEGER, value: '0' } },
    ]);
    // What was typed comes back in the form (a repeated field as nothing).
    expect(parsed.form).to.deep.equal({ actor: '', action: '', subject: '', from: '2026-02-30', to: 'hello 1', limit: '5000' });
  });

  it('refuses a period that ends before it starts, and takes one day (from = to)', () => {
    const back = parseLogQuery(q({ from: '2026-11-02', to: '2026-11-01' }), 'Europe/Warsaw');
    expect(!back.ok && back.problems).to.deep.equal([{ field: 'to', key: 'toBeforeFrom', params: { from: '2026-11-02', to: '2026-11-01' } }]);
    expect(parseLogQuery(q({ from: '2026-11-02', to: '2026-11-02' }), 'Europe/Warsaw').ok).to.equal(true);
  });

  it('writes the query of a form, empty fields left out', () => {
    expect(queryOf({ action: 'rules.*', actor: '', limit: '25' }, { before: 40 })).to.equal('?action=rules.*&limit=25&before=40');
    expect(queryOf({})).to.equal('');
  });
});

describe('audit-log page: entries in words', () => {
  it('says an action in the viewer’s language, else its family’s words, else the code', async () => {
    const i18n = await createI18n();
    const [en, pl, de] = ['en', 'pl', 'de'].map((l) => i18n.getFixedT(l, 'auditor-log'));
    expect(actionLabel('rules.published', en!)).to.equal('Rules version published');
    expect(actionLabel('rules.published', pl!)).to.equal('Opublikowano wersję reguł');
    expect(actionLabel('rules.published', de!)).to.equal('Regelversion veröffentlicht');
    expect(actionLabel('rules.something_new', pl!)).to.equal('Administracja regułami');
    expect(actionLabel('people.merged', de!)).to.equal('Personen und Teams');
    expect(actionLabel('backup.taken', en!)).to.equal('backup.taken');
    // Never another key: a namespace or a deeper path is no action of a family.
    expect(actionLabel('api:errors.notFound', en!)).to.equal('api:errors.notFound');
    expect(actionLabel('rules', en!)).to.equal('Rules administration');
    expect(actionLabel('action.rules', en!)).to.equal('action.rules');
  });

  it('finds the version of a publication or a rollback, and the id of a checkpoint', () => {
    expect(publishedVersionOf({ action: 'rules.published', subject: 'rules:4', details: { version: 4 } })).to.equal(4);
    expect(publishedVersionOf({ action: 'rules.rolled_back', subject: 'rules:6', details: {} })).to.equal(6);
    expect(publishedVersionOf({ action: 'rules.draft_saved', subject: 'rules-draft:2', details: { version: 3 } })).to.equal(undefined);
    expect(checkpointOf({ action: 'audit.checkpoint_written', subject: 'checkpoint:9', details: { seq: 120 } })).to.deep.equal({ id: 9, seq: 120 });
    expect(checkpointOf({ action: 'audit.checkpoint', subject: 'log', details: { checkpoint: 3 } })).to.deep.equal({ id: 3 });
    expect(checkpointOf({ action: 'audit.ticket_exported', subject: 'ticket:X', details: { checkpoint: 3 } })).to.equal(undefined);
  });

  it('shows a detail as text: strings as they are, the rest as JSON', () => {
    expect(detailText('cli:anna')).to.equal('cli:anna');
    expect(detailText({ role: 'agent', teamId: null })).to.equal('{"role":"agent","teamId":null}');
    expect(detailText(3)).to.equal('3');
  });
});
