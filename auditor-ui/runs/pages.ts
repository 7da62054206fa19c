/**
 * Rendering a period-check page (auditor-ui/pages.ts): views from auditor-ui/runs/views/ and the
 * `ar` helper, which reads the `auditor-runs` namespace (locales/{lng}/auditor-runs.json).
 */
import { auditorPages } from '../pages.ts';

const pages = auditorPages({ views: new URL('./views/', import.meta.url), namespace: 'auditor-runs', helper: 'ar' });

/** The auditor-runs namespace's messages in the viewer's language. */
export const runsT = pages.words;
export const runsPage = pages.render;
