CREATE TABLE `kb_proposals` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`entry_id` text NOT NULL,
	`question` text NOT NULL,
	`status` text NOT NULL,
	`conversation_id` integer,
	`reply_message_id` integer NOT NULL,
	`proposed_by` text NOT NULL,
	`proposed_at` integer NOT NULL,
	`decided_by` text,
	`decided_at` integer,
	`accepted_question` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `kb_proposals_reply_message_id_unique` ON `kb_proposals` (`reply_message_id`);--> statement-breakpoint
CREATE INDEX `kb_proposals_status_idx` ON `kb_proposals` (`status`,`id`);