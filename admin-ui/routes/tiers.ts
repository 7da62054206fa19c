/**
 * The support tiers and teams page (/admin/drafts/:id/tiers): each tier's id, name and teams,
 * each team's id, name and tier, adding and removing either (admin-ui/forms/tiers.ts), with who
 * names each one shown beside it and the validator's problems beside their fields.
 * Served by formSectionRoutes (form-section.ts).
 */
import type { Router } from 'express';
import { applyTiers, tiersFieldFor, tiersMine, tiersView } from '../forms/tiers.ts';
import type { FormDeps, FormGuards } from '../forms/page.ts';
import { formSectionRoutes } from './form-section.ts';

export function tierRoutes(deps: FormDeps, guards: FormGuards): Router {
  return formSectionRoutes({ name: 'tiers', mine: tiersMine, fieldFor: () => tiersFieldFor, view: tiersView, apply: applyTiers }, deps, guards);
}
