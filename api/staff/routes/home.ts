/**
 * The staff home (who you are, your role, how you signed in, your recovery codes, what your role
 * may open) and the audit log's latest entries for auditors and admins.
 */
import { Router, type Request, type Response } from 'express';
import type { StaffGuards } from '../guards.ts';
import { staffPage } from '../pages.ts';
import { formatDateTime } from '../../portal/format.ts';
import { viewerOf } from '../../portal/pages.ts';
import { AUDIT_READERS, type StaffDeps } from '../types.ts';
const AUDIT_PAGE = 50;

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
    });
  }

  async function auditLog(req: Request, res: Response) {
    const { language, timeZone } = viewerOf(req);
    const entries = (await deps.audit.list(AUDIT_PAGE)).map((e) => ({ ...e, shownAt: formatDateTime(e.occurredAt, language, timeZone) }));
    staffPage(deps, req, res, 'audit', { entries, limit: AUDIT_PAGE });
  }
}
