/**
 * Attachments on the report form: parsed into memory with hard limits (multer), the
 * type decided by the file's extension AND its first bytes (the browser's claimed
 * type is ignored), so a renamed executable is refused. Problems become field
 * messages on the form; nothing is stored until the whole report is valid.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { NextFunction, Request, Response } from 'express';
import multer from 'multer';
import { HttpError, type FieldProblem } from '../errors.ts';
import type { NewAttachment } from '../../db/portal-repo.ts';

export const MAX_FILE_BYTES = 10 * 1024 * 1024;
export const MAX_FILES = 5;

interface FileType { contentType: string; magic?: (b: Buffer) => boolean }

const starts = (...bytes: number[]) => (b: Buffer) => bytes.every((x, i) => b[i] === x);
const isText = (b: Buffer) => !b.subarray(0, 8192).includes(0);

/** Accepted extensions: screenshots, PDFs, plain-text logs, office documents. */
export const FILE_TYPES: Record<string, FileType> = {
  '.png': { contentType: 'image/png', magic: starts(0x89, 0x50, 0x4e, 0x47) },
  '.jpg': { contentType: 'image/jpeg', magic: starts(0xff, 0xd8, 0xff) },
  '.jpeg': { contentType: 'image/jpeg', magic: starts(0xff, 0xd8, 0xff) },
  '.gif': { contentType: 'image/gif', magic: starts(0x47, 0x49, 0x46, 0x38) },
  '.webp': { contentType: 'image/webp', magic: (b) => starts(0x52, 0x49, 0x46, 0x46)(b) && b.subarray(8, 12).toString('latin1') === 'WEBP' },
  '.pdf': { contentType: 'application/pdf', magic: starts(0x25, 0x50, 0x44, 0x46) },
  '.txt': { contentType: 'text/plain; charset=utf-8', magic: isText },
  '.log': { contentType: 'text/plain; charset=utf-8', magic: isText },
  '.csv': { contentType: 'text/csv; charset=utf-8', magic: isText },
  '.docx': { contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', magic: starts(0x50, 0x4b, 0x03, 0x04) },
  '.xlsx': { contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', magic: starts(0x50, 0x4b, 0x03, 0x04) },
};

export const ACCEPT_ATTRIBUTE = Object.keys(FILE_TYPES).join(',');

declare module 'express-serve-static-core' {
  interface Request {
    /** Why the uploaded files were refused while parsing (too large, too many). */
    uploadProblem?: FieldProblem;
  }
}

const upload = multer({
  storage: multer.memoryStorage(),
  limits: { fileSize: MAX_FILE_BYTES, files: MAX_FILES, fields: 30, fieldSize: 64 * 1024, parts: 40 },
  defParamCharset: 'utf8',
}).array('attachments', MAX_FILES);

const maxSize = `${MAX_FILE_BYTES / (1024 * 1024)} MB`;

/** The report form's text fields; a field name the form does not have (it comes from the client) is never echoed. */
const REPORT_TEXT_FIELDS = ['title', 'description', 'email'] as const;

/**
 * Parses a multipart form; a file over the limit, too many files or a field too large
 * leave `req.uploadProblem` for the form to show (nothing is kept of the request's
 * files). Parsing stops there, so the fields after it never arrive.
 */
export function parseReportForm(req: Request, res: Response, next: NextFunction): void {
  upload(req, res, (err: unknown) => {
    if (!err) return next();
    if (err instanceof multer.MulterError) {
      req.files = [];
      req.body ??= {};
      switch (err.code) {
        case 'LIMIT_FILE_SIZE': req.uploadProblem = { field: 'attachments', key: 'fileTooLarge', params: { name: (err as multer.MulterError & { filename?: string }).filename ?? '', max: maxSize } }; break;
        case 'LIMIT_FILE_COUNT':
        case 'LIMIT_UNEXPECTED_FILE': req.uploadProblem = { field: 'attachments', key: 'tooManyFiles', params: { max: MAX_FILES } }; break;
        // A text field over the size limit is named as itself, beside that field.
        case 'LIMIT_FIELD_VALUE': req.uploadProblem = err.field && (REPORT_TEXT_FIELDS as readonly string[]).includes(err.field) ? { field: err.field, key: 'fieldTooLarge' } : { field: 'form', key: 'formTooLarge' }; break;
        default: req.uploadProblem = { field: 'form', key: 'formTooLarge' };
      }
      return next();
    }
    next(new HttpError(400, 'MALFORMED_FORM', 'portal:errors.malformedForm'));
  });
}

/** Checks each file's type; returns the files ready to store, or a problem for the form. */
export function checkFiles(files: Express.Multer.File[]): { files: NewAttachment[]; problem?: FieldProblem } {
  const out: NewAttachment[] = [];
  for (const f of files) {
    if (f.size === 0) continue;
    const filename = [...path.basename(f.originalname)].map((ch) => (ch.charCodeAt(0) < 0x20 || ch === '"' || ch === '\\' ? '_' : ch)).join('').slice(0, 200) || 'attachment';
    const type = FILE_TYPES[path.extname(filename).toLowerCase()];
    if (!type || (type.magic && !type.magic(f.buffer))) {
      return { files: [], problem: { field: 'attachments', key: 'fileType', params: { name: filename, types: Object.keys(FILE_TYPES).map((e) => e.slice(1)).join(', ') } } };
    }
    out.push({ filename, contentType: type.contentType, sha256: createHash('sha256').update(f.buffer).digest('hex'), data: f.buffer });
  }
  return { files: out };
}
