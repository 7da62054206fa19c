/**
 * The population export (issue 12, "Evidence export"): for a period, a CSV of every ticket closed
 * or cancelled in it with its SLA outcome (db/audit-population-repo.ts: the columns and how each
 * outcome is decided), the query that produced it with its parameters, the row count and the
 * CSV's SHA-256, packaged as a signed evidence bundle of kind `population` (services/audit/
 * bundle.ts) with a checkpoint of the audit log written for it. No personal data.
 */
import { stringify } from 'csv-stringify/sync';
import { POPULATION_COLUMNS, POPULATION_SQL, type AuditPopulationRepo, type PopulationRow } from '../../db/audit-population-repo.ts';
import { buildBundle, POPULATION_CSV, POPULATION_META, POPULATION_QUERY, type EvidenceBundle, type PopulationMeta } from './bundle.ts';
import type { CheckpointWithEntry } from './checkpoints.ts';
import { sha256Hex, type Signer } from './signature.ts';

export interface PopulationDeps {
  population: AuditPopulationRepo;
  /** A signed checkpoint of the audit log for this export (AuditCheckpoints.write('export')), once the CSV is made (record the export first, so the checkpoint covers it). */
  checkpoint: (meta: PopulationMeta) => Promise<CheckpointWithEntry>;
  signer: () => Signer;
}

export interface PopulationExport {
  bundle: EvidenceBundle;
  /** The bundle's file text. */
  text: string;
  csv: string;
  meta: PopulationMeta;
}

/** The CSV of the rows: a header of POPULATION_COLUMNS, one line per ticket, empty cells for nulls. */
export function populationCsv(rows: PopulationRow[]): string {
  return stringify(rows, { header: true, columns: [...POPULATION_COLUMNS], record_delimiter: 'unix' });
}

/** `FROM/TO`, the bundle's subject for a period. */
export const periodSubject = (range: { fromMs: number; toMs: number }): string =>
  `${new Date(range.fromMs).toISOString()}/${new Date(range.toMs).toISOString()}`;

/** The population of [from, to) as a signed bundle. */
export async function exportPopulation(deps: PopulationDeps, range: { fromMs: number; toMs: number }): Promise<PopulationExport> {
  const rows = await deps.population.rows(range);
  const csv = populationCsv(rows);
  const period = { from: new Date(range.fromMs).toISOString(), to: new Date(range.toMs).toISOString() };
  const meta: PopulationMeta = {
    period,
    query: POPULATION_SQL,
    parameters: period,
    columns: [...POPULATION_COLUMNS],
    rows: rows.length,
    sha256: sha256Hex(csv),
  };
  const checkpoint = await deps.checkpoint(meta);
  const { bundle, text } = buildBundle({
    kind: 'population',
    subject: periodSubject(range),
    files: { [POPULATION_CSV]: csv, [POPULATION_META]: `${JSON.stringify(meta, null, 2)}\n`, [POPULATION_QUERY]: POPULATION_SQL },
    checkpoint,
  }, deps.signer());
  return { bundle, text, csv, meta };
}
