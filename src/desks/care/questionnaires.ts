// Questionnaires of care and survey campaigns: their shape, the two default templates, and the
// checking of answers (the same rules for an operator's form, a field visit and the web page).
import { t, type Locale, type MessageKey } from '../../core/i18n/index.ts';

export type QuestionKind = 'choice' | 'scale' | 'yesno' | 'text';
export type Satisfaction = 'satisfied' | 'neutral' | 'not_satisfied';

export interface ChoiceOption {
  value: string;
  label: string;
  /** What choosing it says about satisfaction, when the question measures it. */
  satisfaction?: Satisfaction;
}

export interface Question {
  /** Stable key the answers are stored under. */
  key: string;
  kind: QuestionKind;
  label: string;
  required: boolean;
  /** choice: the options. */
  options?: ChoiceOption[];
  /** One of the national index's five areas, for the results by area (survey template). */
  area?: 'access' | 'procedures' | 'civilServants' | 'results' | 'feedback';
}

export interface Questionnaire {
  template: 'care' | 'survey' | 'custom';
  title: string;
  questions: Question[];
  /** The question whose answer says whether the citizen is satisfied (choice, scale or yes/no). */
  overallKey: string;
}

export type Answers = Record<string, string | number | boolean>;

export const templates = ['care', 'survey'] as const;
export type TemplateName = (typeof templates)[number];

/** The default questionnaires in the deployment's language; the campaign keeps its own copy. */
export function defaultQuestionnaire(name: TemplateName, locale: Locale): Questionnaire {
  const say = (key: MessageKey) => t(locale, key);
  const satisfaction: ChoiceOption[] = [
    { value: 'satisfied', label: say('care.option.satisfied'), satisfaction: 'satisfied' },
    { value: 'neutral', label: say('care.option.neutral'), satisfaction: 'neutral' },
    { value: 'not_satisfied', label: say('care.option.notSatisfied'), satisfaction: 'not_satisfied' },
  ];
  if (name === 'care') {
    return {
      template: 'care',
      title: say('care.template.care'),
      overallKey: 'overall',
      questions: [
        { key: 'overall', kind: 'choice', label: say('care.q.overall'), required: true, options: satisfaction },
        { key: 'satisfiedMost', kind: 'text', label: say('care.q.satisfiedMost'), required: false },
        { key: 'inconveniences', kind: 'text', label: say('care.q.inconveniences'), required: false },
        { key: 'suggestions', kind: 'text', label: say('care.q.suggestions'), required: false },
      ],
    };
  }
  const scale = (key: string, label: MessageKey, area: Question['area']): Question => ({ key, kind: 'scale', label: say(label), required: true, area });
  return {
    template: 'survey',
    title: say('care.template.survey'),
    overallKey: 'overall',
    questions: [
      scale('access', 'care.q.access', 'access'),
      scale('procedures', 'care.q.procedures', 'procedures'),
      scale('civilServants', 'care.q.civilServants', 'civilServants'),
      scale('results', 'care.q.results', 'results'),
      scale('feedback', 'care.q.feedback', 'feedback'),
      { key: 'onTime', kind: 'yesno', label: say('care.q.onTime'), required: false },
      { key: 'overall', kind: 'scale', label: say('care.q.overallScale'), required: true },
      { key: 'inconveniences', kind: 'text', label: say('care.q.inconveniences'), required: false },
      { key: 'suggestions', kind: 'text', label: say('care.q.suggestions'), required: false },
    ],
  };
}

/** Why a questionnaire cannot be used, or null. */
export function questionnaireProblem(q: Questionnaire): string | null {
  const keys = q.questions.map((question) => question.key);
  if (new Set(keys).size !== keys.length) return 'question keys must be unique';
  const overall = q.questions.find((question) => question.key === q.overallKey);
  if (!overall) return `overallKey "${q.overallKey}" is not a question`;
  if (overall.kind === 'text') return 'the overall question cannot be free text';
  for (const question of q.questions) {
    if (question.kind === 'choice' && !question.options?.length) return `question "${question.key}" needs options`;
  }
  return null;
}

/** What an answer to the overall question says: 4-5 of 5 satisfied, 3 neutral, 1-2 not. */
export function satisfactionOf(q: Questionnaire, answers: Answers): Satisfaction | null {
  const overall = q.questions.find((question) => question.key === q.overallKey);
  const value = answers[q.overallKey];
  if (!overall || value === undefined) return null;
  switch (overall.kind) {
    case 'scale':
      return Number(value) >= 4 ? 'satisfied' : Number(value) === 3 ? 'neutral' : 'not_satisfied';
    case 'yesno':
      return value === true ? 'satisfied' : 'not_satisfied';
    case 'choice':
      return overall.options?.find((o) => o.value === value)?.satisfaction ?? null;
    default:
      return null;
  }
}

/**
 * The answers as the questionnaire types them, or the list of problems (question key and why).
 * Accepts the strings an HTML form posts ("4", "yes") as well as JSON values.
 */
export function checkAnswers(q: Questionnaire, input: Record<string, unknown>): { ok: true; answers: Answers } | { ok: false; problems: Array<{ key: string; reason: string }> } {
  const answers: Answers = {};
  const problems: Array<{ key: string; reason: string }> = [];
  const known = new Set(q.questions.map((question) => question.key));
  for (const key of Object.keys(input)) if (!known.has(key)) problems.push({ key, reason: 'not a question of this questionnaire' });
  for (const question of q.questions) {
    const raw = input[question.key];
    const empty = raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '');
    if (empty) {
      if (question.required) problems.push({ key: question.key, reason: 'required' });
      continue;
    }
    switch (question.kind) {
      case 'scale': {
        const n = typeof raw === 'number' ? raw : Number(String(raw).trim());
        if (!Number.isInteger(n) || n < 1 || n > 5) problems.push({ key: question.key, reason: 'must be a whole number from 1 to 5' });
        else answers[question.key] = n;
        break;
      }
      case 'yesno': {
        const v = typeof raw === 'boolean' ? raw : ({ yes: true, true: true, co: true, 'có': true, no: false, false: false, khong: false, 'không': false } as Record<string, boolean>)[String(raw).trim().toLowerCase()];
        if (v === undefined) problems.push({ key: question.key, reason: 'must be yes or no' });
        else answers[question.key] = v;
        break;
      }
      case 'choice': {
        const v = String(raw);
        if (!question.options?.some((o) => o.value === v)) problems.push({ key: question.key, reason: `must be one of ${question.options?.map((o) => o.value).join(', ')}` });
        else answers[question.key] = v;
        break;
      }
      case 'text': {
        const v = String(raw).trim();
        if (v.length > 4000) problems.push({ key: question.key, reason: 'at most 4000 characters' });
        else answers[question.key] = v;
        break;
      }
    }
  }
  return problems.length ? { ok: false, problems } : { ok: true, answers };
}

/** An answer as a person reads it (the option's label, yes/no in the language, the scale number). */
export function answerText(question: Question, value: string | number | boolean, locale: Locale): string {
  if (question.kind === 'choice') return question.options?.find((o) => o.value === value)?.label ?? String(value);
  if (question.kind === 'yesno') return t(locale, value === true ? 'care.answer.yes' : 'care.answer.no');
  return String(value);
}
