import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { BusinessHoursConfig, Weekday } from './config/file-schema.ts';
import { weekdays } from './config/file-schema.ts';
import { projectRoot } from './config/project-root.ts';

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const holidayFile = z.object({
  days_off: z.array(z.object({ from: z.coerce.string().pipe(isoDate), to: z.coerce.string().pipe(isoDate), name: z.string() })).default([]),
  make_up_working_days: z.array(z.object({ date: z.coerce.string().pipe(isoDate) })).default([]),
});

export interface Calendar {
  /** Days off by local date (YYYY-MM-DD) with their names. */
  daysOff: Map<string, string>;
  /** Weekend days worked to make up for a bridge holiday. */
  makeUpDays: Set<string>;
}

/** Reads holiday calendars in the format of config/holidays/*.yaml. */
export function loadCalendar(files: string[]): Calendar {
  const calendar: Calendar = { daysOff: new Map(), makeUpDays: new Set() };
  for (const file of files) {
    const path = isAbsolute(file) ? file : resolve(projectRoot, file);
    // YAML reads bare dates as Date objects; the schema wants the written form back.
    const parsed = holidayFile.parse(parseYaml(readFileSync(path, 'utf8'), { schema: 'core' }));
    for (const off of parsed.days_off) {
      for (let day = off.from; day <= off.to; day = nextDate(day)) calendar.daysOff.set(day, off.name);
    }
    for (const day of parsed.make_up_working_days) calendar.makeUpDays.add(day.date);
  }
  return calendar;
}

function nextDate(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

// Building an Intl.DateTimeFormat costs far more than using one, and the router asks whether
// the hotline is open for every citizen's message: one formatter per time zone, kept.
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', weekday: 'short' });
    formatters.set(timeZone, format);
  }
  return format;
}

/** The local date, minute of the day and weekday of an instant. */
export interface LocalParts {
  readonly date: string;
  readonly minutes: number;
  readonly weekday: Weekday;
}

// The parts change once a minute (time zones are whole minutes apart), and the router asks for
// them with every citizen message, and for the next opening's minute with every handoff out of
// hours: the minutes asked are kept, a bounded few, so the two do not push each other out.
const knownParts = new Map<string, LocalParts>();

/** Local calendar parts of an instant in a time zone. */
export function localParts(at: Date, timeZone: string): LocalParts {
  const key = `${timeZone} ${Math.floor(at.getTime() / 60_000)}`;
  const known = knownParts.get(key);
  if (known) return known;
  const parts = Object.fromEntries(
    formatterFor(timeZone)
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  const local: LocalParts = Object.freeze({
    date: `${parts.year}-${parts.month}-${parts.day}`,
    minutes: Number(parts.hour) * 60 + Number(parts.minute),
    weekday: parts.weekday!.toLowerCase().slice(0, 3) as Weekday,
  });
  if (knownParts.size >= 256) knownParts.clear();
  knownParts.set(key, local);
  return local;
}

/** The instant of a local date and minute in a time zone (exact for zones without DST jumps at that hour). */
export function instantOf(date: string, minutes: number, timeZone: string): Date {
  const guess = new Date(`${date}T00:00:00Z`).getTime() + minutes * 60_000;
  const local = localParts(new Date(guess), timeZone);
  const localMs = new Date(`${local.date}T00:00:00Z`).getTime() + local.minutes * 60_000;
  return new Date(guess - (localMs - guess));
}

const toMinutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

export interface BusinessHours {
  /** Whether people answer at this instant. */
  isOpen(at: Date): boolean;
  /** When people answer next (now if open), within the next 60 days; null if never. */
  nextOpening(at: Date): Date | null;
  /** Adds working days (days with opening hours, holidays skipped) to a date, for deadlines. */
  addWorkingDays(at: Date, days: number): Date;
}

/** Opening hours and days off of the hotline, in its own time zone. */
export function createBusinessHours(config: BusinessHoursConfig | undefined, timeZone: string, calendar?: Calendar): BusinessHours {
  const cal = calendar ?? loadCalendar(config?.holidayFiles ?? []);
  const weekly = config?.weekly;

  function slots(date: string, weekday: Weekday): Array<[number, number]> {
    if (!weekly) return [[0, 24 * 60]];
    if (cal.daysOff.has(date)) return [];
    // A make-up Saturday works the hours of a normal weekday.
    const day = cal.makeUpDays.has(date) ? 'mon' : weekday;
    return weekly[day].map((range) => [toMinutes(range.slice(0, 5)), toMinutes(range.slice(6))]);
  }

  function dayAfter(date: string, offset: number): { date: string; weekday: Weekday } {
    const d = new Date(`${date}T12:00:00Z`);
    d.setUTCDate(d.getUTCDate() + offset);
    return { date: d.toISOString().slice(0, 10), weekday: weekdays[d.getUTCDay()]! };
  }

  return {
    isOpen(at) {
      const local = localParts(at, timeZone);
      return slots(local.date, local.weekday).some(([from, to]) => local.minutes >= from && local.minutes < to);
    },
    nextOpening(at) {
      const local = localParts(at, timeZone);
      for (let offset = 0; offset <= 60; offset++) {
        const day = dayAfter(local.date, offset);
        for (const [from, to] of slots(day.date, day.weekday)) {
          if (offset === 0 && local.minutes >= to) continue;
          if (offset === 0 && local.minutes >= from) return at;
          return instantOf(day.date, from, timeZone);
        }
      }
      return null;
    },
    addWorkingDays(at, days) {
      const local = localParts(at, timeZone);
      let offset = 0;
      let left = days;
      while (left > 0 && offset < 3660) {
        offset++;
        const day = dayAfter(local.date, offset);
        if (slots(day.date, day.weekday).length > 0) left--;
      }
      return new Date(at.getTime() + offset * 86_400_000);
    },
  };
}
