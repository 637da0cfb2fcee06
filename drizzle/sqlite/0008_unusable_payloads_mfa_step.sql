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