// Ways of asking learned from operators, as the admin screen uses them (src/router/api.ts).
import type { KbProposalView, ProposalStatus } from '../../../../src/contracts/knowledge.ts';
import { request } from '../api.ts';

export type { KbProposalView, ProposalStatus };

export const proposalsApi = {
  list: (status: ProposalStatus | 'all' = 'pending') => request<KbProposalView[]>('GET', `/api/v1/kb-proposals?status=${status}`),
  accept: (id: number, question?: string) => request<{ status: ProposalStatus; question: string }>('POST', `/api/v1/kb-proposals/${id}/accept`, question === undefined ? {} : { question }),
  reject: (id: number) => request<{ status: ProposalStatus; question: string }>('POST', `/api/v1/kb-proposals/${id}/reject`, {}),
};
