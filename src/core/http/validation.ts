import type { FastifySchemaValidationError } from 'fastify';
import { HttpError } from '../errors.ts';
import { both, type MessageKey } from '../i18n/index.ts';

export interface FieldError {
  field: string;
  code: string;
  message: { vi: string; en: string };
}

/** A 400 whose body lists every bad field with a message in Vietnamese and English. */
export class ValidationError extends HttpError {
  constructor(readonly fields: FieldError[]) {
    const first = fields[0]?.message ?? both('validation.body.invalid');
    super(400, 'validation', first.en, { fields });
    this.name = 'ValidationError';
  }
}

/** Field-specific messages; fields not listed get the generic one. */
const fieldMessages: Record<string, MessageKey> = {
  name: 'validation.name.required',
  phone: 'validation.phone.invalid',
  email: 'validation.email.invalid',
  text: 'validation.text.required',
  dossierCode: 'validation.dossierCode.invalid',
  unit: 'validation.unit.invalid',
  clientMessageId: 'validation.clientMessageId.invalid',
  contact: 'validation.contact.required',
};

export function fieldError(field: string, code: string, params?: Record<string, string | number>): FieldError {
  const key = fieldMessages[field] ?? 'validation.field.invalid';
  return { field, code, message: both(key, { field, ...params }) };
}

/** Turns Ajv's errors into one message per field, in both languages. */
export function fromSchemaErrors(errors: FastifySchemaValidationError[], limits: Record<string, number> = {}): ValidationError {
  const seen = new Map<string, FieldError>();
  for (const error of errors) {
    const missing = (error.params as { missingProperty?: string }).missingProperty;
    const field = missing ?? error.instancePath.replace(/^\//, '').replace(/\//g, '.');
    if (!field) {
      seen.set('', { field: '', code: error.keyword, message: both('validation.body.invalid') });
      continue;
    }
    if (!seen.has(field)) seen.set(field, fieldError(field, missing ? 'required' : error.keyword, { max: limits[field] ?? '' }));
  }
  return new ValidationError([...seen.values()]);
}
