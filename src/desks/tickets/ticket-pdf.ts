// The printed ticket as one A4 page of PDF, for units that file their tickets on paper. The content
// is printed-ticket.ts's; this file only lays it out. Long texts are cut with an ellipsis rather
// than spilling onto a second sheet: the full text stays on the ticket in the inbox.
import { access } from 'node:fs/promises';
import PDFDocument from 'pdfkit';
import { HttpError } from '../../core/errors.ts';
import { t, type Locale, type MessageKey } from '../../core/i18n/index.ts';
import { vi } from '../../core/i18n/vi.ts';
import type { PrintedTicket } from './printed-ticket.ts';

export interface PrintFonts {
  regular: string;
  bold: string;
}

const margin = 50;
const pageWidth = 595.28;
const pageHeight = 841.89;
const width = pageWidth - 2 * margin;
// Room kept at the bottom for the "printed at" line.
const bottom = pageHeight - margin - 20;

/** Fails with a clear 503 naming the font when it is not installed, before any work is done. */
async function checkFonts(fonts: PrintFonts, locale: Locale): Promise<void> {
  for (const path of [fonts.regular, fonts.bold]) {
    try {
      await access(path);
    } catch {
      throw new HttpError(503, 'print_font_missing', t(locale, 'print.error.font', { path }));
    }
  }
}

export async function ticketPdf(ticket: PrintedTicket, options: { locale: Locale; timeZone: string; fonts: PrintFonts; channelName?: (name: string, locale: Locale) => string | undefined }): Promise<Buffer> {
  const { locale } = options;
  await checkFonts(options.fonts, locale);
  const say = (key: MessageKey, params?: Record<string, string | number>) => t(locale, key, params);
  const format = new Intl.DateTimeFormat(locale === 'vi' ? 'vi-VN' : 'en-GB', { timeZone: options.timeZone, day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false });
  const when = (at: Date | null) => (at ? format.format(at) : '—');
  const channel = (name: string) => options.channelName?.(name, locale) ?? (`channel.${name}` in vi ? say(`channel.${name}` as MessageKey) : name);

  const doc = new PDFDocument({ size: 'A4', margin, info: { Title: ticket.code, Author: ticket.header.organisation, CreationDate: ticket.printedAt }, autoFirstPage: true });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.registerFont('regular', options.fonts.regular);
  doc.registerFont('bold', options.fonts.bold);

  // The administrative header: the organisation on the left, the national motto on the right.
  const top = margin;
  const half = width / 2 - 10;
  doc.font('bold').fontSize(10).text(ticket.header.organisation.toUpperCase(), margin, top, { width: half, align: 'center' });
  const leftBottom = doc.y;
  doc.font('bold').fontSize(10).text(ticket.header.country, margin + width / 2, top, { width: width / 2, align: 'center' });
  doc.font('bold').fontSize(10).text(ticket.header.motto, { width: width / 2, align: 'center', underline: true });
  doc.y = Math.max(leftBottom, doc.y) + 18;

  doc.font('bold').fontSize(14).text(say('print.title'), margin, doc.y, { width, align: 'center' });
  doc.font('regular').fontSize(11).text(say('print.code', { code: ticket.code }), { width, align: 'center' });
  doc.moveDown(0.8);

  const label = (name: string, value: string) => {
    if (doc.y > bottom - 14) return;
    doc.font('bold').fontSize(10).text(`${name}: `, margin, doc.y, { continued: true, width }).font('regular').text(value, { width });
  };
  const section = (title: string) => {
    if (doc.y > bottom - 30) return;
    doc.moveDown(0.5).font('bold').fontSize(11).text(title, margin, doc.y, { width });
    doc.moveTo(margin, doc.y + 1).lineTo(margin + width, doc.y + 1).lineWidth(0.5).stroke();
    doc.moveDown(0.3);
  };
  /** A text given at most `maxHeight` points, cut with an ellipsis past it. */
  const block = (text: string, maxHeight: number) => {
    const room = Math.min(maxHeight, bottom - doc.y);
    if (room < 12) return;
    doc.font('regular').fontSize(10).text(text, margin, doc.y, { width, height: room, ellipsis: '…' });
  };

  label(say('print.receivedAt'), when(ticket.receivedAt));
  label(say('print.channel'), channel(ticket.channel));
  label(say('print.type'), `${say(`ticketType.${ticket.type}` as MessageKey)}${ticket.tthc ? ` · ${say('print.tthc')}` : ''}${ticket.field ? ` · ${say('print.field')}: ${ticket.field}` : ''}`);
  label(say('print.status'), `${say(`print.status.${ticket.status}`)} · ${say(`print.level.${ticket.level}`)}${ticket.unitName ? ` · ${ticket.unitName}` : ''}`);
  if (ticket.answeredAt) label(say('print.answeredAt'), when(ticket.answeredAt));
  if (ticket.closedAt) label(say('print.closedAt'), when(ticket.closedAt));

  section(say('print.citizen'));
  if (ticket.reporterHidden) block(say('print.citizen.hidden'), 30);
  else block(ticket.citizen ? [ticket.citizen.name, ticket.citizen.phone, ticket.citizen.email].filter(Boolean).join(' · ') || say('print.citizen.none') : say('print.citizen.none'), 30);

  section(say('print.question'));
  doc.font('bold').fontSize(10).text(ticket.subject, margin, doc.y, { width, height: 40, ellipsis: '…' });
  if (ticket.body) block(ticket.body, 110);

  section(say('print.handling'));
  // The stages share what is left of the page, keeping room for the satisfaction at the end.
  const perStage = Math.max(24, (bottom - doc.y - 60) / Math.max(1, ticket.stages.length) - 28);
  for (const stage of ticket.stages) {
    if (doc.y > bottom - 60) break;
    doc.moveDown(0.2).font('bold').fontSize(10).text(`${say(`print.level.${stage.level}`)}${stage.unitName ? ` · ${stage.unitName}` : ''} · ${say(`print.outcome.${stage.outcome}`)}`, margin, doc.y, { width });
    const dates = [`${say('print.from')}: ${when(stage.from)}`, ...(stage.deadline ? [`${say('print.deadline')}: ${when(stage.deadline)}`] : []), ...(stage.endedAt ? [`${say('print.endedAt')}: ${when(stage.endedAt)}`] : [])];
    doc.font('regular').fontSize(9).text(dates.join('   '), { width });
    if (stage.text) block(stage.text, perStage);
    if (stage.signedBy) doc.font('regular').fontSize(9).text(`${say('print.signedBy')}: ${stage.signedBy}`, margin, doc.y, { width, align: 'right' });
  }

  section(say('print.satisfaction'));
  block(`${say(ticket.satisfaction ? `print.satisfaction.${ticket.satisfaction}` : 'print.satisfaction.none')}${ticket.satisfactionComment ? `: ${ticket.satisfactionComment}` : ''}`, 30);

  // The footer sits in the bottom margin: without lifting it, pdfkit would start a second page.
  doc.page.margins.bottom = 0;
  doc.font('regular').fontSize(8).fillColor('#555555').text(say('print.printed', { at: when(ticket.printedAt), name: ticket.printedBy }), margin, pageHeight - margin - 10, { width, align: 'right', lineBreak: false });
  doc.end();
  return done;
}
