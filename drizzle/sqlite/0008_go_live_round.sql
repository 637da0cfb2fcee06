CREATE TABLE `attachments` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`message_id` integer,
	`conversation_id` integer,
	`position` integer DEFAULT 0 NOT NULL,
	`direction` text NOT NULL,
	`kind` text NOT NULL,
	`name` text,
	`mime_type` text,
	`size` integer,
	`state` text NOT NULL,
	`state_detail` text,
	`source_url` text,
	`storage_key` text,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer,
	`locked_until` integer,
	`uploaded_by` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `attachments_message_idx` ON `attachments` (`message_id`,`position`);--> statement-breakpoint
CREATE INDEX `attachments_due_idx` ON `attachments` (`state`,`next_attempt_at`);--> statement-breakpoint
CREATE INDEX `attachments_storage_key_idx` ON `attachments` (`storage_key`);--> statement-breakpoint
CREATE TABLE `file_blobs` (
	`key` text PRIMARY KEY NOT NULL,
	`bytes` blob NOT NULL,
	`size` integer NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
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
CREATE INDEX `kb_proposals_status_idx` ON `kb_proposals` (`status`,`id`);--> statement-breakpoint
CREATE TABLE `leases` (
	`name` text PRIMARY KEY NOT NULL,
	`holder` text NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `ticket_uploads` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`ticket_id` integer NOT NULL,
	`key` text NOT NULL,
	`name` text,
	`mime_type` text NOT NULL,
	`size` integer NOT NULL,
	`uploaded_by_id` integer,
	`uploaded_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ticket_uploads_ticket_key_idx` ON `ticket_uploads` (`ticket_id`,`key`);--> statement-breakpoint
CREATE TABLE `unusable_payloads` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`inbox_id` integer,
	`channel` text NOT NULL,
	`reason` text NOT NULL,
	`raw` text,
	`received_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `unusable_payloads_received_idx` ON `unusable_payloads` (`received_at`);--> statement-breakpoint
ALTER TABLE `agents` ADD `mfa_last_step` integer;--> statement-breakpoint
ALTER TABLE `agents` ADD `extension` text;--> statement-breakpoint
CREATE UNIQUE INDEX `agents_extension_unique` ON `agents` (`extension`);--> statement-breakpoint
ALTER TABLE `calls` ADD `status` text;--> statement-breakpoint
ALTER TABLE `calls` ADD `answered_at` integer;--> statement-breakpoint
ALTER TABLE `calls` ADD `ended_at` integer;--> statement-breakpoint
ALTER TABLE `calls` ADD `queue_wait_seconds` integer;--> statement-breakpoint
ALTER TABLE `calls` ADD `queue` text;--> statement-breakpoint
ALTER TABLE `calls` ADD `extension` text;--> statement-breakpoint
ALTER TABLE `calls` ADD `recording_url` text;--> statement-breakpoint
ALTER TABLE `calls` ADD `called_back_at` integer;--> statement-breakpoint
ALTER TABLE `calls` ADD `called_back_by` integer;--> statement-breakpoint
CREATE INDEX `calls_status_idx` ON `calls` (`status`);--> statement-breakpoint
ALTER TABLE `canned_answers` ADD `attachment_id` integer;--> statement-breakpoint
ALTER TABLE `conversations` ADD `source` text;