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
ALTER TABLE `canned_answers` ADD `attachment_id` integer;