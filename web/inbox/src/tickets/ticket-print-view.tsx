import { useEffect, useState } from 'react';
import { ApiError } from '../api.ts';
import { useI18n, type MessageKey } from '../i18n/index.ts';
import { navigate } from '../route.ts';
import { ticketsApi, type PrintedTicket } from './tickets-api.ts';
import { ErrorLine } from '../components/error-line.tsx';

/**
 * One ticket on one A4 sheet, for units that file them on paper. The server lays the ticket out
 * (GET /tickets/:id/print, the same content as the PDF) from what this reader may read of it; the
 * page only shows it. The print stylesheet hides the app and the tools around the sheet.
 */
export function TicketPrintView({ id }: { id: number }) {
  const { t, locale } = useI18n();
  const [ticket, setTicket] = useState<PrintedTicket | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    ticketsApi.printed(id).then(setTicket, (e: unknown) => setError(e instanceof ApiError && e.status === 404 ? t('app.error') : e instanceof Error ? e.message : String(e)));
  }, [id, t]);

  const format = new Intl.DateTimeFormat(locale === 'vi' ? 'vi-VN' : 'en-GB', { day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false });
  const when = (iso: string | null) => (iso ? format.format(new Date(iso)) : '—');

  return (
    <main className="ticket-print">
      <div className="print-tools no-print">
        <button type="button" className="link" onClick={() => navigate({ name: 'tickets', id })}>
          {t('print.back')}
        </button>
        <button type="button" className="primary" onClick={() => window.print()} disabled={!ticket}>
          {t('print.print')}
        </button>
        <a href={`/api/v1/tickets/${id}/print.pdf?lang=${locale}`} target="_blank" rel="noopener">
          {t('print.pdf')}
        </a>
      </div>
      <ErrorLine message={error} />
      {ticket && (
        <article className="ticket-sheet" aria-label={ticket.code} lang={locale}>
          <header className="sheet-header">
            <p className="issuer">{ticket.header.organisation}</p>
            <p className="motto">
              <strong>{ticket.header.country}</strong>
              <u>{ticket.header.motto}</u>
            </p>
          </header>
          <h1>{t('print.title')}</h1>
          <p className="code">{t('print.code', { code: ticket.code })}</p>
          <dl className="facts">
            <dt>{t('print.receivedAt')}</dt>
            <dd data-field="received">{when(ticket.receivedAt)}</dd>
            <dt>{t('print.channel')}</dt>
            <dd>{t(`channel.${ticket.channel}` as MessageKey)}</dd>
            <dt>{t('print.type')}</dt>
            <dd>
              {t(`tickets.type.${ticket.type}` as MessageKey)}
              {ticket.tthc ? ` · ${t('print.tthc')}` : ''}
              {ticket.field ? ` · ${t('print.field')}: ${ticket.field}` : ''}
            </dd>
            <dt>{t('print.status')}</dt>
            <dd>
              {t(`tickets.status.${ticket.status}` as MessageKey)} · {t(`print.level.${ticket.level}` as MessageKey)}
              {ticket.unitName ? ` · ${ticket.unitName}` : ''}
            </dd>
            {ticket.answeredAt && (
              <>
                <dt>{t('print.answeredAt')}</dt>
                <dd>{when(ticket.answeredAt)}</dd>
              </>
            )}
            {ticket.closedAt && (
              <>
                <dt>{t('print.closedAt')}</dt>
                <dd>{when(ticket.closedAt)}</dd>
              </>
            )}
          </dl>
          <h2>{t('print.citizen')}</h2>
          <p className="citizen">
            {ticket.reporterHidden
              ? t('print.citizen.hidden')
              : ticket.citizen
                ? [ticket.citizen.name, ticket.citizen.phone, ticket.citizen.email].filter(Boolean).join(' · ') || t('print.citizen.none')
                : t('print.citizen.none')}
          </p>
          <h2>{t('print.question')}</h2>
          <p className="subject">
            <strong>{ticket.subject}</strong>
          </p>
          {ticket.body && <p className="text">{ticket.body}</p>}
          <h2>{t('print.handling')}</h2>
          <ol className="stages">
            {ticket.stages.map((stage, index) => (
              <li key={index} data-level={stage.level}>
                <h3>
                  {t(`print.level.${stage.level}` as MessageKey)}
                  {stage.unitName ? ` · ${stage.unitName}` : ''} · {t(`print.outcome.${stage.outcome}` as MessageKey)}
                </h3>
                <p className="dates">
                  <span>
                    {t('print.from')}: {when(stage.from)}
                  </span>
                  {stage.deadline && (
                    <span>
                      {t('print.deadline')}: {when(stage.deadline)}
                    </span>
                  )}
                  {stage.endedAt && (
                    <span>
                      {t('print.endedAt')}: {when(stage.endedAt)}
                    </span>
                  )}
                </p>
                {stage.text && <p className="text">{stage.text}</p>}
                {stage.signedBy && (
                  <p className="signer">
                    {t('print.signedBy')}: <strong>{stage.signedBy}</strong>
                  </p>
                )}
              </li>
            ))}
          </ol>
          <h2>{t('print.satisfaction')}</h2>
          <p className="satisfaction" data-satisfaction={ticket.satisfaction ?? 'none'}>
            {t(ticket.satisfaction ? (`tickets.satisfaction.${ticket.satisfaction}` as MessageKey) : 'tickets.satisfaction.none')}
            {ticket.satisfactionComment ? `: ${ticket.satisfactionComment}` : ''}
          </p>
          <footer>{t('print.printed', { at: when(ticket.printedAt), name: ticket.printedBy })}</footer>
        </article>
      )}
    </main>
  );
}
