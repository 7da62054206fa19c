/**
 * The general settings page (/admin/drafts/:id/general): name, description, categories, service
 * levels, the default service level, the defaults, the auto-close period and the facts'
 * documentation (admin-ui/forms/general.ts), the validator's problems beside their fields.
 * Served by formSectionRoutes (form-section.ts).
 */
import type { Router } from 'express';
import { applyGeneral, generalFieldFor, generalMine, generalView } from '../forms/general.ts';
import type { FormDeps, FormGuards } from '../forms/page.ts';
import { formSectionRoutes } from './form-section.ts';

export function generalRoutes(deps: FormDeps, guards: FormGuards): Router {
  return formSectionRoutes({ name: 'general', mine: generalMine, fieldFor: generalFieldFor, view: generalView, apply: applyGeneral }, deps, guards);
}
