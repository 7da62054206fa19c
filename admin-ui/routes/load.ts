/** What the admin routes share: reading a draft by the id in the address, a posted revision, the actor. */
import type { Request } from 'express';
import { text, type FormBody } from '../../api/portal/forms.ts';
import { NotFoundError, ServiceError } from '../../services/errors.ts';
import type { Actor, DraftView } from '../../services/rules-admin/index.ts';
import type { AdminDeps } from '../types.ts';

/** The draft the address names; 404 for an id that is not a number or not a draft. */
export async function draftOf(deps: Pick<AdminDeps, 'rulesAdmin'>, req: Request): Promise<DraftView> {
  const id = String(req.params.id ?? '');
  if (!/^\d{1,12}$/.test(id)) throw new NotFoundError('admin:errors.noDraft', { id });
  return deps.rulesAdmin.drafts.get(Number(id));
}

/** The revision a form was rendered from (a hidden field); a form without one is refused. */
export function revisionOf(body: FormBody): number {
  const r = text(body, 'revision');
  if (!/^\d{1,9}$/.test(r)) throw new ServiceError(400, 'BAD_REVISION', 'admin:errors.badRevision');
  return Number(r);
}

export const actorOf = (req: Request): Actor => ({ id: req.staffUser!.id });

/** A version number from the address; 404 when it is not one. */
export function versionParam(value: string | undefined): number {
  if (!value || !/^\d{1,9}$/.test(value)) throw new NotFoundError('admin:errors.noVersion', { version: value ?? '' });
  return Number(value);
}
