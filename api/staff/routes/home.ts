/**
 * The staff home (who you are, your role, how you signed in, your recovery codes, what your role
 * may open, the agents' queues first for agents and admins); /staff/audit, once the audit log's page, sends auditors and admins on to /audit/log.
 */
import { Router, type Request, type Response } from 'express';
import type { StaffGuards } from '../guards.ts';
import { staffPage } from '../pages.ts';
import { AGENT_ROLES, AUDIT_READERS, type StaffDeps } from '../types.ts';

export function homeRoutes(deps: StaffDeps, { access }: StaffGuards): Router {
  const router = Router();

  router.get('/staff', access.requireStaff(), home);
  router.get('/staff/audit', access.requireStaff(AUDIT_READERS), auditLog);
  return router;

  async function home(req: Request, res: Response) {
    const user = req.staffUser!;
    const factor = await deps.staffAuth.find(user.id);
    staffPage(deps, req, res, 'home', {
      person: { displayName: user.displayName, email: user.email },
      role: user.role,
      factor: access.factorOf(req.session) ?? 'password',
      enrolled: Boolean(factor),
      recoveryLeft: factor?.recoveryCodesLeft ?? 0,
      canReadAudit: (AUDIT_READERS as readonly string[]).includes(user.role),
      // Agents work from their queues (/agent): linked first; the staff home stays theirs too.
      canWorkTickets: (AGENT_ROLES as readonly string[]).includes(user.role),
    });
  }

  // The audit log's page moved to /audit/log (auditor-ui/log/); bookmarks still lead there, with their filter.
  function auditLog(req: Request, res: Response) {
    const query = req.originalUrl.indexOf('?');
    res.redirect(303, `/audit/log${query >= 0 ? req.originalUrl.slice(query) : ''}`);
  }
}
