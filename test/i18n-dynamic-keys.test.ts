import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { LANGUAGES } from '../api/i18n.ts';
import { TICKET_ACTIONS, TicketStatus } from '../workflows/types.ts';
import { repoRoot } from './support/processes.ts';

/** Keys the API builds at run time (refusals from the workflow, action and status names), in every language. */
describe('i18n: keys built at run time exist in every language', () => {
  const api = Object.fromEntries(LANGUAGES.map((l) => [l, JSON.parse(fs.readFileSync(path.join(repoRoot, 'locales', l, 'api.json'), 'utf8'))]));
  const has = (lng: string, key: string) => key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], api[lng]) !== undefined;

  it('every refusal the ticket workflow can give has a message', () => {
    // The refusals are made in the workflow's transitions (workflows/transitions/*.ts and the state module).
    const files = fs.readdirSync(path.join(repoRoot, 'workflows'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    const source = files.map((f) => fs.readFileSync(path.join(repoRoot, 'workflows', f), 'utf8')).join('\n');
    const keys = [...new Set([...source.matchAll(/refusal\('(\w+)'/g)].map((m) => `refusal.${m[1]}`))];
    expect(keys.length).to.be.greaterThan(10);
    for (const lng of LANGUAGES) for (const key of [...keys, 'refusal.generic']) expect(has(lng, key), `${lng}: ${key}`).to.equal(true);
  });

  it('every action and status has a name', () => {
    for (const lng of LANGUAGES) {
      for (const a of TICKET_ACTIONS) expect(has(lng, `actionName.${a}`), `${lng}: actionName.${a}`).to.equal(true);
      for (const s of Object.values(TicketStatus)) expect(has(lng, `statusName.${s}`), `${lng}: statusName.${s}`).to.equal(true);
    }
  });
});
