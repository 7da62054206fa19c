/**
 * Rendering an agents' workspace page (agent-ui/queue, agent-ui/ticket, agent-ui/team): the staff
 * layout with the staff navigation (api/staff/pages.ts folderPages, as the auditors' pages do), the
 * folder's views and the workspace's helpers in the viewer's language:
 *
 * - `ag`  — agent.json (queues, filters, bulk actions, saved views, the team page);
 * - `tk`  — agent-ticket.json (the ticket page);
 * - `sla` — agent-sla.json (countdowns' words);
 * - `st`  — staff.json, as on every staff page.
 *
 * `page` is `agent-<view name>`: the layout marks the "Queues" link current on every agent page.
 *
 * ```ts
 * const pages = agentPages(new URL('./views/', import.meta.url));
 * pages.render(deps, req, res, 'queue', { title: pages.words(deps, req)('queue.title') });
 * pages.words(deps, req, 'agent-ticket')('actions.take');
 * ```
 */
import { folderPages } from '../api/staff/pages.ts';

/** The workspace's helpers in the views: helper name → namespace. */
export const AGENT_HELPERS = { ag: 'agent', tk: 'agent-ticket', sla: 'agent-sla' } as const;

/** A folder's pages: `render(deps, req, res, view, model, status)` and `words(deps, req, namespace = 'agent')`. */
export function agentPages(views: URL) {
  return folderPages({ views, prefix: 'agent', helpers: AGENT_HELPERS });
}
