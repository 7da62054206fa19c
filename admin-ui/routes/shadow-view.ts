/**
 * The shadow page's model (admin-ui/views/shadow.hbs): the divergence (services/rules-admin/shadow.ts)
 * in the viewer's words — how long the shadow has run, how many tickets it saw, how often and
 * where it differs (per field, per service level × priority, with shares), and the latest
 * diverging tickets with both decisions side by side. Strings from locales/{lng}/admin-shadow.json.
 */
import type { TFunction } from 'i18next';
import { formatDateTime } from '../../api/portal/format.ts';
import { formatDuration } from '../../rules/duration.ts';
import { PRIORITIES } from '../../rules/types.ts';
import { SHADOW_FIELDS, type Divergence, type ShadowField, type ShadowOutcome } from '../../services/rules-admin/shadow.ts';

interface Viewer {
  language: string;
  timeZone: string;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** "2 days 3 hours", "5 minutes": the largest two units, in the viewer's language. */
export function elapsedWords(ms: number, language: string, t: TFunction): string {
  if (ms < MINUTE) return t('elapsed.underMinute');
  const unit = (u: 'day' | 'hour' | 'minute', n: number) => new Intl.NumberFormat(language, { style: 'unit', unit: u, unitDisplay: 'long' }).format(n);
  const days = Math.floor(ms / DAY);
  const hours = Math.floor((ms % DAY) / HOUR);
  const minutes = Math.floor((ms % HOUR) / MINUTE);
  const parts = days > 0 ? [unit('day', days), hours > 0 ? unit('hour', hours) : ''] : hours > 0 ? [unit('hour', hours), minutes > 0 ? unit('minute', minutes) : ''] : [unit('minute', minutes)];
  return parts.filter(Boolean).join(' ');
}

/** A share as a percentage in the viewer's language ("60 %", "60%"). */
export function shareText(part: number, whole: number, language: string): string {
  return new Intl.NumberFormat(language, { style: 'percent', maximumFractionDigits: 0 }).format(whole === 0 ? 0 : part / whole);
}

/** One side's value of a field, as the page shows it. */
function valueText(field: ShadowField, o: ShadowOutcome, t: TFunction): string {
  const none = t('value.none');
  switch (field) {
    case 'responseMs':
    case 'resolutionMs':
      return formatDuration(o[field]);
    case 'tags':
    case 'notify':
      return o[field].length ? o[field].join(', ') : none;
    case 'escalation':
      return o.escalation ? t('value.escalation', { tier: o.escalation.tier, rule: o.escalation.rule }) : none;
    case 'fired':
      return o.fired.length ? o.fired.map((f) => f.rule).join('; ') : none;
    default:
      return String(o[field]);
  }
}

export function shadowModel(d: Divergence, viewer: Viewer, t: TFunction, nowMs = Date.now()) {
  const when = (iso: string) => formatDateTime(iso, viewer.language, viewer.timeZone);
  const share = (part: number, whole: number) => shareText(part, whole, viewer.language);
  const fieldLabel = (f: ShadowField) => t(`field.${f}`);

  let period: { id: string; text: string };
  if (d.running && d.since) period = { id: 'running', text: t('period.running', { when: when(d.since), elapsed: elapsedWords(nowMs - Date.parse(d.since), viewer.language, t) }) };
  else if (d.firstDecidedAt && d.lastDecidedAt) period = { id: 'stopped', text: t('period.stopped', { from: when(d.firstDecidedAt), to: when(d.lastDecidedAt) }) };
  else period = { id: 'never', text: t('period.never') };

  const cells = new Map(d.byCell.map((c) => [`${c.serviceLevel}/${c.priority}`, c]));
  const priorities = [...new Set([...PRIORITIES, ...d.byCell.map((c) => c.priority)])];
  const matrix = d.serviceLevels.map((level) => ({
    level,
    cells: priorities.map((priority) => {
      const c = cells.get(`${level}/${priority}`);
      return {
        priority,
        decided: c?.decided ?? 0,
        diverged: c?.diverged ?? 0,
        text: c ? t('cells.value', { count: c.diverged, total: c.decided, share: share(c.diverged, c.decided) }) : t('cells.none'),
        differs: (c?.diverged ?? 0) > 0,
      };
    }),
  }));

  return {
    period,
    running: d.running,
    decided: d.decided,
    decidedText: t('totals.decided', { count: d.decided }),
    divergedText: t('totals.diverged', { count: d.decided, diverged: d.diverged, share: share(d.diverged, d.decided) }),
    fields: SHADOW_FIELDS.map((f) => ({ field: f, label: fieldLabel(f), count: d.byField[f], share: share(d.byField[f], d.decided), differs: d.byField[f] > 0 })),
    priorities,
    matrix,
    examples: d.examples.map((e) => ({
      number: e.ticketNumber,
      href: `/staff/tickets/${encodeURIComponent(e.ticketNumber)}`,
      decidedAt: when(e.decidedAt),
      liveHeading: t('example.live', { version: e.activeVersion }),
      shadowHeading: e.shadow.revision !== undefined ? t('example.shadowRevision', { revision: e.shadow.revision }) : t('example.shadow'),
      differsText: e.differs.map(fieldLabel).join(', '),
      rows: SHADOW_FIELDS.map((f) => ({ field: f, label: fieldLabel(f), live: valueText(f, e.active, t), shadow: valueText(f, e.shadow, t), differs: e.differs.includes(f) })),
    })),
  };
}
