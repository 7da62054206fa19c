/**
 * A ticket's Timeline (services/audit/timeline-types.ts) for its page: every sentence is the
 * service's, already in the auditor's language; this adds the page's links — each automated
 * entry's "Why" to its section, each "Why" to the decision, pause and calendar it rests on, each
 * decision to its calendar — and a few labels.
 */
import type { TFunction } from 'i18next';
import type { Timeline } from '../services/audit/timeline-types.ts';

/** An in-page id for a calendar (its id as the rules file writes it may hold any character). */
export const calendarAnchor = (id: string): string => `calendar-${id.replace(/[^A-Za-z0-9_-]/g, (c) => `_${c.codePointAt(0)!.toString(16)}`)}`;

export function timelineView(tl: Timeline, t: TFunction) {
  const calendarLink = (id: string | null | undefined) => {
    if (!id) return null;
    const known = tl.calendars.some((c) => c.id === id);
    return known ? { href: `#${calendarAnchor(id)}`, text: t('why.calendarLink', { id }) } : null;
  };
  const whys = tl.entries.flatMap((e) => {
    const w = e.why;
    if (!w) return [];
    const decision = w.decision === undefined ? undefined : tl.decisions[w.decision];
    const pause = w.pause === undefined ? undefined : tl.pauses[w.pause];
    return [{
      ...w,
      seq: e.seq,
      entryHref: `#entry-${e.seq}`,
      entryText: t('why.backToEntry', { seq: e.seq, when: e.when }),
      links: [
        decision && { href: `#${decision.anchor}`, text: t(`why.decisionLink.${decision.kind}`, { seq: decision.eventSeq }) },
        pause && { href: `#${pause.anchor}`, text: t('why.pauseLink', { seq: pause.startSeq }) },
        calendarLink(w.calendar),
      ].filter(Boolean),
      // What the sentences do not say already (a ladder step's sentences name its ladder and step).
      policyText: w.policy && !w.sentences.includes(w.policy.text) ? w.policy.text : null,
      stepText: w.step && !w.sentences.includes(w.step.text) ? w.step.text : null,
      ladderText: w.ladder && !w.step ? t('why.ladder', { id: w.ladder.id, name: w.ladder.name ?? w.ladder.id }) : null,
    }];
  });
  return {
    ticket: tl.ticket,
    statusText: tl.statusText,
    timeZone: tl.timeZone,
    history: {
      ...tl.history,
      completeText: t(tl.history.complete ? 'history.complete' : 'history.incomplete'),
      runs: tl.history.runs.map((r) => ({ ...r, originText: t(`verdict.origin.${r.origin}`), statusText: t(`run.statusText.${r.status}`, { defaultValue: r.status }) })),
    },
    entries: tl.entries.map((e) => ({
      ...e,
      anchor: `entry-${e.seq}`,
      whyHref: e.why ? `#${e.why.anchor}` : null,
      whyLabel: e.why ? t('entry.whyLabel', { seq: e.seq }) : null,
    })),
    whys,
    decisions: tl.decisions.map((d) => ({
      ...d,
      calendarLink: calendarLink(d.calendar),
      entryHref: `#entry-${d.eventSeq}`,
      heading: t(`decision.heading.${d.kind}`, { seq: d.eventSeq }),
      versionText: d.rulesVersion === null ? t('decision.versionUnknown') : t('decision.version', { version: d.rulesVersion, name: d.rulesName ?? '' }),
    })),
    pauses: tl.pauses.map((p) => ({ ...p, entryHref: `#entry-${p.startSeq}` })),
    calendars: tl.calendars.map((c) => ({ ...c, anchor: calendarAnchor(c.id), sourceText: t(`calendar.source.${c.source}`) })),
  };
}
