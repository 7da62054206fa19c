/**
 * What every group of staff routes puts before its handlers, made once by the staff router.
 */
import type { RequestHandler } from 'express';
import type { Limits } from '../portal/limits.ts';
import type { StaffAccess } from './access.ts';
import type { StaffCodeLimits } from './limits.ts';

export interface StaffGuards {
  access: StaffAccess;
  requireCsrf: RequestHandler;
  /** The portal's limits: password failures count the same on both sign-ins. */
  limits: Limits;
  codes: StaffCodeLimits;
}
