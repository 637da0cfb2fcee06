/** What a notice template is for: a transport lists its templates by it. */
export type NoticeTemplatePurpose = 'care_pre_notice' | 'ticket_answer';

/** A template a notice transport offers (a ZNS template Zalo approved), as the campaign screen lists it (`GET /api/v1/notice-templates`). */
export interface NoticeTemplateInfo {
  /** The transport that sends it (`zns`). */
  transport: string;
  /** How the gateway names it; what a campaign's `znsTemplate` holds. */
  key: string;
  name: string;
  purpose: NoticeTemplatePurpose;
}
