import multipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Accounts } from '../core/accounts/accounts.ts';
import type { AttachmentFiles } from '../core/attachment-files.ts';
import type { Conversations } from '../core/conversations.ts';
import { HttpError } from '../core/errors.ts';
import { actorOf, conversationScope, requirePrincipal, visibleConversation } from '../core/http/auth.ts';
import { both } from '../core/i18n/index.ts';
import type { Store } from '../core/store/store.ts';

const security = [{ bearerAuth: [] }];

const extensionOf: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'application/pdf': 'pdf',
  'text/plain': 'txt',
  'text/csv': 'csv',
  'audio/mpeg': 'mp3',
  'audio/mp4': 'm4a',
  'video/mp4': 'mp4',
};

/** `content-disposition` with the file's name: an ASCII fallback and the UTF-8 name (RFC 6266). */
export function contentDisposition(disposition: 'inline' | 'attachment', name: string): string {
  const ascii = name.normalize('NFD').replace(/\p{M}/gu, '').replace(/đ/g, 'd').replace(/Đ/g, 'D').replace(/[^\x20-\x7e]|["\\%]/g, '_');
  return `${disposition}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}

/**
 * Files for the agents: a message's file downloads (only for those who may see its conversation,
 * each download audited), and uploads a reply then carries (`attachmentIds`).
 */
export async function attachmentsApi(app: FastifyInstance, deps: { store: Store; conversations: Conversations; accounts: Accounts; attachmentFiles: AttachmentFiles; maxBytes: number }) {
  const { conversations, attachmentFiles } = deps;
  requirePrincipal(app, deps);
  await app.register(multipart, { limits: { fileSize: deps.maxBytes, files: 1, fields: 5, parts: 6 } });

  app.get(
    '/attachments/:id',
    {
      schema: {
        tags: ['conversations'],
        summary: "Download a message's file (or one of your uploads): its type, its name, never sniffed by the browser",
        security,
        params: Type.Object({ id: Type.Integer({ minimum: 1 }) }),
        querystring: Type.Object({ download: Type.Optional(Type.Boolean({ description: 'true: always as an attachment, never shown inline' })) }),
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: number };
      const { download } = request.query as { download?: boolean };
      const { row, bytes } = await attachmentFiles.read(id);
      const actor = actorOf(request);
      if (row.conversationId !== null) await visibleConversation(conversations, request, row.conversationId);
      else if (conversationScope(request.principal) && row.uploadedBy !== actor) {
        await conversations.audit({ actor, action: 'attachment.denied', subjectType: 'attachment', subjectId: id });
        throw new HttpError(403, 'forbidden', 'this file is another person’s upload');
      }
      if (!bytes) {
        const messages = both('files.error.notStored', { state: row.state });
        throw new HttpError(404, 'not_stored', messages.en, { state: row.state, detail: row.stateDetail, messages });
      }
      await conversations.audit({ actor, action: 'attachment.download', subjectType: 'attachment', subjectId: id, detail: { conversationId: row.conversationId, messageId: row.messageId } });
      const type = row.mimeType ?? 'application/octet-stream';
      const name = row.name ?? `${row.kind}-${row.id}${extensionOf[type] ? `.${extensionOf[type]}` : ''}`;
      const inline = !download && (type.startsWith('image/') || type === 'application/pdf');
      return reply
        .type(type)
        .header('content-disposition', contentDisposition(inline ? 'inline' : 'attachment', name))
        .header('x-content-type-options', 'nosniff')
        // A file is never a page of the gateway: no scripts, no forms, its own origin.
        .header('content-security-policy', "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox")
        .header('cache-control', 'private, max-age=3600')
        .send(bytes);
    },
  );

  app.post(
    '/uploads',
    {
      schema: {
        tags: ['conversations'],
        summary: 'Upload a file (multipart, field `file`) for a reply; the same limits and checks as citizens’ files',
        security,
        consumes: ['multipart/form-data'],
        response: {
          201: Type.Object({ id: Type.Integer(), kind: Type.String(), name: Type.Union([Type.String(), Type.Null()]), mimeType: Type.String(), size: Type.Integer() }),
        },
      },
    },
    async (request, reply) => {
      if (!request.isMultipart()) throw new HttpError(415, 'multipart_required', 'send the file as multipart/form-data in the field "file"');
      const part = await request.file();
      if (!part || part.fieldname !== 'file') throw new HttpError(400, 'file_missing', 'send the file in the field "file"');
      let bytes: Buffer;
      try {
        bytes = await part.toBuffer();
      } catch (error) {
        if ((error as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') {
          const messages = both('files.error.tooLarge', { max: Math.floor(deps.maxBytes / 1024 / 1024) });
          throw new HttpError(413, 'file_too_large', messages.en, { messages });
        }
        throw error;
      }
      if (bytes.length === 0) throw new HttpError(400, 'file_empty', 'the file is empty');
      const saved = await attachmentFiles.upload({ bytes, name: part.filename, declaredType: part.mimetype, uploadedBy: actorOf(request) });
      if (!saved.ok) {
        if (saved.reason === 'too_large') {
          const messages = both('files.error.tooLarge', { max: Math.floor(deps.maxBytes / 1024 / 1024) });
          throw new HttpError(413, 'file_too_large', messages.en, { messages });
        }
        const messages = both('files.error.type');
        throw new HttpError(415, 'file_type', messages.en, { messages, ...(saved.attachment.mimeType ? { mimeType: saved.attachment.mimeType } : {}) });
      }
      return reply.status(201).send({ id: saved.id, kind: saved.attachment.kind, name: saved.attachment.name ?? null, mimeType: saved.attachment.mimeType!, size: saved.attachment.size! });
    },
  );
}
