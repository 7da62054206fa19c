/**
 * What `helpdesk rules …` prints: problems with their place, changes in words, a decision
 * with the rules that fired and why, a published version.
 */
import type { TFunction } from 'i18next';
import type { CheckProblem } from '../rules/checks.ts';
import { changeText } from '../rules/change-text.ts';
import type { Change } from '../rules/diff.ts';
import { formatDuration } from '../rules/duration.ts';
import { problemText } from '../rules/problem-text.ts';
import type { Decision, FiredEvent, Problem } from '../rules/types.ts';
import type { PublishResult } from '../rules/versions.ts';

export const out = (line = ''): void => console.log(line);
export const err = (line = ''): void => console.error(line);


export const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;
export const short = (hash: string): string => hash.slice(0, 12);
export const duration = (ms: number): string => formatDuration(ms, { largestUnit: 'h' });
export const pct = (f: number): string => `${Math.round(f * 1000) / 10}%`;

/** A problem with its place; in the language of `t` (the `rules` namespace) when given, else its English message. */
export function problemLine(p: Problem, t?: TFunction): string {
  const text = t ? problemText(p, t) : p.message;
  return p.line !== undefined ? `${p.path} (${p.line}:${p.column ?? 1}): ${text}` : `${p.path}: ${text}`;
}

export function printProblems(problems: Problem[], t?: TFunction): void {
  for (const p of problems) err(`  ${problemLine(p, t)}`);
}

/** The static checks' findings in the language of `t` (the `rules` namespace), errors first; a summary line first. */
export function printChecks(problems: CheckProblem[], file: string, t: TFunction): void {
  const errors = problems.filter((p) => p.severity === 'error');
  const warnings = problems.filter((p) => p.severity === 'warning');
  if (problems.length === 0) {
    out(t('cli.noProblems', { file }));
    return;
  }
  (errors.length > 0 ? err : out)(t('cli.summary', { errors: errors.length, warnings: warnings.length, file }));
  const label = { error: t('severity.error'), warning: t('severity.warning') };
  const width = Math.max(label.error.length, label.warning.length) + 2;
  const line = (p: CheckProblem) => `  ${label[p.severity].padEnd(width)}${p.path}: ${problemText(p, t)} [${p.code}]`;
  for (const p of errors) err(line(p));
  for (const p of warnings) out(line(p));
}

/** The changes in words: in the language of `t` (the `rules` namespace) when given, else in English. */
export function printChanges(changes: Change[], t?: TFunction): void {
  if (changes.length === 0) out('  (no changes)');
  for (const c of changes) out(`  ${t ? changeText(c, t) : c.text}`);
}

/** A fired event as a process owner says it. */
export function eventInWords(event: FiredEvent['event']): string {
  const p = event.params;
  const s = (k: string): string => String(p[k]);
  switch (event.type) {
    case 'set-priority': return p.atLeast ? `priority at least ${s('priority')}` : `priority ${s('priority')}`;
    case 'set-category': return `category ${s('category')}`;
    case 'route': return `route to team ${s('team')}${p.tier ? ` at ${s('tier')}` : ''}`;
    case 'set-service-level': return `service level ${s('serviceLevel')}`;
    case 'set-sla-policy': return `SLA policy ${s('policy')}`;
    case 'add-tag': return `tag ${s('tag')}`;
    case 'notify': return `notify ${(p.roles as string[] | undefined)?.join(', ') ?? ''}`;
    case 'escalate': return `escalate to ${s('tier')}${p.reason ? ` (${s('reason')})` : ''}`;
    case 'set-ladder': return `escalation ladder ${s('ladder')}`;
    default: return `${event.type} ${JSON.stringify(p)}`;
  }
}

export function printDecision(d: Decision, source: string, atMs: number): void {
  const cal = d.policy.calendar;
  const calendar = `${cal.id} (${cal.timeZone}, ${cal.alwaysOpen ? 'around the clock' : 'business hours'})`;
  const warnings = d.policy.warnAt.length ? `; warnings at ${d.policy.warnAt.map(pct).join(', ')}` : '';
  out(`Decision under ${source} at ${new Date(atMs).toISOString()}:`);
  out(`  priority       ${d.priority}   (matrix: impact ${d.explanation.matrix.impact} × urgency ${d.explanation.matrix.urgency} → ${d.explanation.matrix.priority})`);
  out(`  category       ${d.category}`);
  out(`  team           ${d.team}, tier ${d.tier}`);
  out(`  service level  ${d.serviceLevel}`);
  out(`  SLA policy     ${d.policy.id}: first response within ${duration(d.policy.responseMs)}, resolution within ${duration(d.policy.resolutionMs)}, in calendar ${calendar}${warnings}`);
  out(`  ladder         ${d.ladder.id}`);
  for (const step of d.ladder.steps) {
    const when = step.fraction !== undefined ? `at ${pct(step.fraction)} of ${step.clock} (${duration(step.afterMs)})` : `after ${duration(step.afterMs)} of ${step.clock}`;
    const what = [
      step.moveTo && `move to ${step.moveTo.tier}${step.moveTo.team ? ` (${step.moveTo.team})` : ''}`,
      step.notify.length > 0 && `notify ${step.notify.join(', ')}`,
    ].filter(Boolean).join(', ');
    out(`                 - ${step.id}: ${when}: ${what || 'record only'}`);
  }
  out(`  notify         ${d.notify.join(', ') || '(nobody at intake)'}`);
  out(`  tags           ${d.tags.join(', ') || '(none)'}`);
  if (d.escalation) out(`  escalated      to ${d.escalation.tier} by rule '${d.escalation.rule}'${d.escalation.reason ? `: ${d.escalation.reason}` : ''}`);
  out(`  auto-close     ${duration(d.autoCloseAfterMs)} after resolved`);
  out('Rules that fired, in the order they were applied:');
  if (d.explanation.fired.length === 0) out('  (none: the matrix and the defaults decided)');
  for (const f of d.explanation.fired) {
    out(`  ${f.order}. '${f.rule}' (priority ${f.priority}): ${eventInWords(f.event)}${f.applied ? '' : ' — not applied, a rule applied earlier already decided this'}`);
  }
  out(`Rules that did not fire: ${d.explanation.notFired.map((r) => `'${r}'`).join(', ') || '(none)'}`);
}

export function printPublished(result: Extract<PublishResult, { ok: true }>, what: string): void {
  const v = result.version;
  out(`${what} version ${v.version} (hash ${v.hash}), now active.`);
  out(`  by ${v.author} at ${v.publishedAt}: ${v.comment}`);
  if (result.previous !== null) {
    out(`Changes from version ${result.previous}:`);
    printChanges(result.changes);
  }
}

