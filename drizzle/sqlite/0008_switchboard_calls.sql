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
CREATE INDEX `calls_status_idx` ON `calls` (`status`);