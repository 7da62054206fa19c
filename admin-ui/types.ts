/** What the admin pages' routes are given (admin-ui/index.ts builds it): kept apart so no route imports the router that mounts it. */
import type { StaffGuards } from '../api/staff/guards.ts';
import type { StaffDeps } from '../api/staff/types.ts';
import type { RulesAdmin } from '../services/rules-admin/index.ts';

export type AdminDeps = StaffDeps & { rulesAdmin: RulesAdmin };

/** What each group of admin routes puts before its handlers: the guard for process owners and admins, and CSRF. */
export interface AdminGuards extends StaffGuards {
  admins: ReturnType<StaffGuards['access']['requireStaff']>;
}
