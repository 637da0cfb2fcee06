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
ALTER TABLE `agents` ADD `mfa_last_step` integer;