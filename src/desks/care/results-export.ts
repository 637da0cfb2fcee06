import ExcelJS from 'exceljs';
import { t, type Locale, type MessageKey } from '../../core/i18n/index.ts';
import type { CampaignResults } from './campaigns.ts';

type Group = CampaignResults['byUnit'][number];

/** The campaign's results as a workbook: the summary, one sheet per breakdown, and the answers' texts. */
export async function resultsXlsx(results: CampaignResults, locale: Locale, deploymentName: string): Promise<Buffer> {
  const say = (key: MessageKey, params?: Record<string, string | number>) => t(locale, key, params);
  const book = new ExcelJS.Workbook();
  book.creator = deploymentName;
  const summary = book.addWorksheet(say('care.report.summary'));
  summary.columns = [{ width: 50 }, { width: 14 }];
  summary.addRow([say('care.report.title', { campaign: results.campaign.name })]).font = { bold: true, size: 14 };
  summary.addRow([]);
  for (const [key, value] of [
    ['care.report.sample', results.sample],
    ['care.report.notified', results.notified],
    ['care.report.reached', results.reached],
    ['care.report.completed', results.completed],
    ['care.report.responseRate', results.responseRate],
    ['care.report.reachRate', results.reachRate],
    ['care.report.satisfiedRate', results.satisfaction.satisfiedPercent],
  ] as Array<[MessageKey, number]>) {
    summary.addRow([say(key), value]);
  }
  const level = (key: string) => (['province', 'district', 'commune'].includes(key) ? say(`care.level.${key}` as MessageKey) : key);
  const groups: Array<[MessageKey, Group[], (key: string) => string]> = [
    ['care.report.byDeskLevel', results.byDeskLevel, level],
    ['care.report.byDesk', results.byDesk, (k) => k],
    ['care.report.byUnit', results.byUnit, (k) => k],
    ['care.report.byProcedure', results.byProcedure, (k) => k],
    ['care.report.byMonth', results.byMonth, (k) => k],
  ];
  for (const [title, rows, label] of groups) {
    const sheet = book.addWorksheet(say(title).slice(0, 31));
    sheet.columns = [{ width: 50 }, { width: 12 }, { width: 12 }, { width: 12 }, { width: 14 }, { width: 18 }];
    sheet.addRow(['group', 'responses', 'satisfied', 'neutral', 'notSatisfied', 'percent'].map((h) => say(`care.report.heading.${h}` as MessageKey))).font = { bold: true };
    for (const g of rows) sheet.addRow([label(g.key) || say('report.none'), g.responses, g.satisfied, g.neutral, g.notSatisfied, g.satisfiedPercent]);
  }
  if (results.byQuestion.length) {
    const sheet = book.addWorksheet(say('care.report.byQuestion').slice(0, 31));
    sheet.columns = [{ width: 80 }, { width: 12 }, { width: 14 }, { width: 18 }];
    sheet.addRow([say('care.report.heading.question'), say('care.report.heading.responses'), say('care.report.heading.mean'), say('care.report.heading.percent')]).font = { bold: true };
    for (const q of results.byQuestion) sheet.addRow([q.label, q.answers, q.mean, q.satisfiedPercent]);
  }
  const texts = book.addWorksheet(say('care.report.texts').slice(0, 31));
  texts.columns = [{ width: 26 }, { width: 30 }, { width: 30 }, { width: 40 }, { width: 50 }, { width: 80 }];
  texts.addRow(['code', 'desk', 'unit', 'procedure', 'question', 'text'].map((h) => say(`care.report.heading.${h}` as MessageKey))).font = { bold: true };
  for (const row of results.texts) texts.addRow([row.code, row.desk, row.unit, row.procedure, row.label, row.text]).alignment = { wrapText: true, vertical: 'top' };
  return Buffer.from(await book.xlsx.writeBuffer());
}
