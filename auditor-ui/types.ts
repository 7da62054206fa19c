/** What the auditors' pages' routes are given (auditor-ui/index.ts builds it): kept apart so no route imports the router that mounts it. */
import type { RequestHandler } from 'express';
import type { StaffGuards } from '../api/staff/guards.ts';
import type { StaffDeps } from '../api/staff/types.ts';
import type { AuditorService } from './deps.ts';

export type AuditorDeps = StaffDeps & { auditor: AuditorService };

/** What each group of auditor routes puts before its handlers: the guard for auditors and admins, and CSRF. */
export interface AuditorGuards extends StaffGuards {
  auditors: RequestHandler;
}
