// The texts of the screens behind sign-in, in one chunk loaded once someone is signed in: the
// sign-in page of a Vietnamese hotline carries only its own texts over a slow phone link.
import { callsEn, callsVi } from './calls.ts';
import { careEn, careVi } from './care.ts';
import { knowledgeEn, knowledgeVi } from './knowledge.ts';
import { privacyEn, privacyVi } from './privacy.ts';
import { ticketsEn, ticketsVi } from './tickets.ts';

export const screensVi = { ...ticketsVi, ...careVi, ...privacyVi, ...knowledgeVi, ...callsVi };
export const screensEn = { ...ticketsEn, ...careEn, ...privacyEn, ...knowledgeEn, ...callsEn };
