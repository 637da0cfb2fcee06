import type { FastifyInstance } from 'fastify';

/** How long a served security.txt stays valid (RFC 9116 asks for less than a year). */
const validityDays = 180;

/**
 * /.well-known/security.txt (RFC 9116): where to report a vulnerability of this deployment.
 * Served only when the deployment names a contact: a file with a made-up address is worse than none.
 */
export function registerSecurityTxt(app: FastifyInstance, options: { contact: string | undefined; publicBaseUrl: string | undefined; languages: string[] }): void {
  const { contact } = options;
  if (!contact) {
    app.log.warn('deployment.securityContact is not set: /.well-known/security.txt is not served');
    return;
  }
  app.get('/.well-known/security.txt', { schema: { tags: ['ops'], summary: 'Where to report a security problem (RFC 9116)' } }, async (_request, reply) => {
    const expires = new Date(Date.now() + validityDays * 86_400_000);
    expires.setUTCHours(0, 0, 0, 0);
    const lines = [
      `Contact: ${contact}`,
      `Expires: ${expires.toISOString().replace('.000Z', 'Z')}`,
      `Preferred-Languages: ${options.languages.join(', ')}`,
      ...(options.publicBaseUrl ? [`Canonical: ${new URL('/.well-known/security.txt', options.publicBaseUrl).toString()}`] : []),
    ];
    return reply.type('text/plain; charset=utf-8').header('cache-control', 'public, max-age=86400').send(`${lines.join('\n')}\n`);
  });
}
