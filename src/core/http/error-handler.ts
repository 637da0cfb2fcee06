import type { FastifyError, FastifyInstance } from 'fastify';
import { HttpError } from '../errors.ts';
import { both } from '../i18n/index.ts';
import { fromSchemaErrors, ValidationError } from './validation.ts';

/**
 * The one error handler. 4xx answers say what is wrong (in Vietnamese and English for the
 * citizen-facing cases); 5xx answers say nothing of the internals, which go to the log.
 */
export function installErrorHandler(app: FastifyInstance, limits: Record<string, number>): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error.validation) {
      const invalid = fromSchemaErrors(error.validation, limits);
      return reply.status(400).send({ statusCode: 400, code: invalid.code, message: invalid.message, fields: invalid.fields });
    }
    if (error instanceof ValidationError) {
      return reply.status(400).send({ statusCode: 400, code: error.code, message: error.message, fields: error.fields });
    }
    if (error instanceof HttpError) {
      return reply
        .status(error.statusCode)
        .send({ statusCode: error.statusCode, code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) });
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return reply.status(status).send({ statusCode: status, code: error.code ?? 'bad_request', message: error.message });
    }
    request.log.error({ err: error }, 'request failed');
    return reply.status(500).send({ statusCode: 500, code: 'internal', message: both('error.internal').en, details: { messages: both('error.internal') } });
  });
}
