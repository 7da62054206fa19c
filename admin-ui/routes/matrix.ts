/**
 * The priority matrix page (/admin/drafts/:id/matrix): impact × urgency, a select of P1–P4 in each
 * cell, the validator's problems beside the cell they are about (admin-ui/forms/matrix.ts).
 * Served by formSectionRoutes (form-section.ts).
 */
import type { Router } from 'express';
import { applyMatrix, matrixFieldFor, matrixMine, matrixView } from '../forms/matrix.ts';
import type { FormDeps, FormGuards } from '../forms/page.ts';
import { formSectionRoutes } from './form-section.ts';

export function matrixRoutes(deps: FormDeps, guards: FormGuards): Router {
  return formSectionRoutes({ name: 'matrix', mine: matrixMine, fieldFor: () => matrixFieldFor, view: matrixView, apply: applyMatrix }, deps, guards);
}
