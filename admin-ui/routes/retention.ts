/**
 * The retention page (/admin/drafts/:id/retention): how long a closed ticket's personal data, by
 * default and per category, and the ticket itself are kept, what that means in words, and the
 * validator's problems beside their fields (admin-ui/forms/retention.ts).
 * Served by formSectionRoutes (form-section.ts).
 */
import type { Router } from 'express';
import { applyRetention, retentionFieldFor, retentionMine, retentionView } from '../forms/retention.ts';
import type { FormDeps, FormGuards } from '../forms/page.ts';
import { formSectionRoutes } from './form-section.ts';

export function retentionRoutes(deps: FormDeps, guards: FormGuards): Router {
  return formSectionRoutes({ name: 'retention', mine: retentionMine, fieldFor: retentionFieldFor, view: retentionView, apply: applyRetention }, deps, guards);
}
