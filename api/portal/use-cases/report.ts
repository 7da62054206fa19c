/**
 * Report a problem from the portal: check the form and the files → create the
 * ticket through intake (channel 'portal', the form's idempotency key, so a double
 * click makes one ticket) → record the signed-in account as its submitter → store
 * the attachments → for a requester without an account, make a secret follow link.
 * Nothing is created unless everything is valid. The attachments and the follow link are
 * sealed under the requester's key for the ticket, and kept with the requester's pseudonym
 * (use-cases/portal-data.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { FieldProblem } from '../../errors.ts';
import { ValidationError } from '../../errors.ts';
import { createTicket, type IntakeDeps } from '../../../services/tickets/index.ts';
import type { PortalRepo } from '../../../db/portal-repo.ts';
import { checkFiles } from '../attachments.ts';
import { addFollowToken, sealAttachments } from './portal-data.ts';
import { FormChecks, text, type FormBody } from '../forms.ts';
import type { Viewer } from '../types.ts';

/** The categories a requester picks from (the rules file's categories). */
export const CATEGORIES = ['access', 'hardware', 'software', 'network', 'email', 'other'] as const;
/** Impact in plain words: only me (low), my team (medium), the whole company (high). */
export const IMPACTS = ['low', 'medium', 'high'] as const;
/** Urgency in plain words: it can wait (low), it slows my work (medium), I cannot work (high). */
export const URGENCIES = ['low', 'medium', 'high'] as const;

export interface ReportDeps extends IntakeDeps {
  portal: PortalRepo;
}

export interface ReportOutcome {
  number: string;
  /** False when the worker has not recorded it yet (intake answered 202). */
  recorded: boolean;
  /** For a report without an account: the secret code and the link that carries it. */
  follow?: { code: string; link: string };
}

export const tokenHash = (code: string): string => createHash('sha256').update(code).digest('hex');

export async function submitReport(
  deps: ReportDeps,
  viewer: Viewer,
  form: { body: FormBody; files: Express.Multer.File[]; uploadProblem?: FieldProblem | undefined; keyScope: string; publicBase: string },
): Promise<ReportOutcome> {
  const { body } = form;
  const title = text(body, 'title').trim();
  const description = text(body, 'description').trim();
  const email = viewer.user ? viewer.user.email : text(body, 'email').trim().toLowerCase();
  const key = text(body, 'idempotencyKey');

  const checks = new FormChecks();
  // A form cut short by a size limit says only that: the fields after the cut never
  // arrived, and telling the user to fill them in would be wrong.
  if (form.uploadProblem) checks.add(form.uploadProblem.field, form.uploadProblem.key, form.uploadProblem.params).done();
  checks
    .oneOf('category', text(body, 'category'), CATEGORIES)
    .oneOf('impact', text(body, 'impact'), IMPACTS)
    .oneOf('urgency', text(body, 'urgency'), URGENCIES)
    .required('title', title, 200)
    .required('description', description, 20_000);
  if (!viewer.user) checks.email('email', email);
  if (!/^[0-9a-f-]{36}$/.test(key)) checks.add('form', 'staleForm');
  const files = checkFiles(form.files);
  if (files.problem) checks.add(files.problem.field, files.problem.key, files.problem.params);
  checks.done();

  const result = await createTicket(
    deps,
    {
      title, description, requesterEmail: email, locale: viewer.language, channel: 'portal',
      category: text(body, 'category'), impact: text(body, 'impact'), urgency: text(body, 'urgency'),
    },
    // Scoped to the viewer, so one person's form key can never return another's ticket.
    // Filed by the signed-in account; a report without an account is the requester's own (no filer recorded).
    { idempotencyKey: `portal:${form.keyScope}:${key}`, language: viewer.language, filedBy: viewer.user?.email },
  ).catch((err: unknown) => {
    // Intake's own checks name API fields; the form shows them beside the same fields.
    if (err instanceof ValidationError) throw new ValidationError(err.fields.map((f) => ({ ...f, field: f.field === 'requesterEmail' ? 'email' : f.field })));
    throw err;
  });
  const number = result.kind === 'recorded' ? result.ticket.number : result.number;
  // A signed-in report is this account's own ticket: it sees it whether or not its address is verified.
  if (viewer.user) await deps.portal.recordSubmitter(number, viewer.user.id);

  // The requester's pseudonym, as intake made it for this address (the ticket may not be recorded yet).
  const requester = (result.kind === 'recorded' ? result.ticket.requester : undefined) ?? (await deps.vault.personRef(email));
  await deps.portal.addAttachments(number, requester, await sealAttachments(deps.vault, number, requester, files.files));

  if (viewer.user) return { number, recorded: result.kind === 'recorded' };
  const code = randomBytes(24).toString('base64url');
  const link = `${form.publicBase}/follow/${number}/${code}`;
  await addFollowToken(deps, { tokenHash: tokenHash(code), ticketNumber: number, requester, link, locale: viewer.language });
  return { number, recorded: result.kind === 'recorded', follow: { code, link } };
}
