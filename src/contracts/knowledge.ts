// Wire shapes of the knowledge base's admin API (src/router/api.ts) as the inbox reads them.

export type ProposalStatus = 'pending' | 'accepted' | 'rejected';

/** A way of asking learned from an operator, waiting for (or past) a supervisor's decision. */
export interface KbProposalView {
  id: number;
  entryId: string;
  /** The citizen's words with names, numbers, addresses and codes removed. */
  question: string;
  status: ProposalStatus;
  conversationId: number | null;
  /** Who answered the citizen with the entry. */
  proposedBy: string;
  proposedAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  /** The question as accepted (possibly edited by the supervisor). */
  acceptedQuestion: string | null;
}
