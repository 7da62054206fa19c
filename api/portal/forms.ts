/**
 * Form checks for the portal: each problem names its field and a message key under
 * `field.` in locales/{lng}/portal.json, shown beside the field.
 */
import express from 'express';
import type { TFunction } from 'i18next';
import { ValidationError, type FieldProblem } from '../errors.ts';

export type FormBody = Record<string, unknown>;

/** Reads a posted form (urlencoded; the report form is multipart, see attachments.ts). */
export const formBody = express.urlencoded({ extended: false, limit: '100kb' });

export function text(body: FormBody, name: string): string {
  const v = body[name];
  return typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : '';
}

export class FormChecks {
  readonly problems: FieldProblem[] = [];

  add(field: string, key: string, params?: Record<string, unknown>): this {
    if (!this.problems.some((p) => p.field === field)) this.problems.push({ field, key, ...(params ? { params } : {}) });
    return this;
  }

  required(field: string, value: string, max: number): this {
    if (value.trim() === '') return this.add(field, 'required');
    if (value.length > max) return this.add(field, 'tooLong', { max });
    return this;
  }

  email(field: string, value: string): this {
    if (value.trim() === '') return this.add(field, 'required');
    if (value.length > 254 || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value.trim())) return this.add(field, 'email');
    return this;
  }

  oneOf(field: string, value: string, allowed: readonly string[]): this {
    if (!allowed.includes(value)) return this.add(field, value === '' ? 'choose' : 'oneOf');
    return this;
  }

  /** Throws a ValidationError (422) naming every problem, or returns when there is none. */
  done(): void {
    if (this.problems.length) throw new ValidationError(this.problems);
  }
}

/** Field name → translated message, for the template to show beside each field. */
export function fieldMessages(problems: readonly FieldProblem[], tp: TFunction): Record<string, string> {
  return Object.fromEntries(problems.map((p) => [p.field, tp(`field.${p.key}`, { ...p.params })]));
}
