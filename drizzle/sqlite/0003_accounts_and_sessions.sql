CREATE TABLE `sessions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`token_hash` text NOT NULL,
	`agent_id` integer NOT NULL,
	`session_version` integer NOT NULL,
	`created_at` integer NOT NULL,
	`last_seen_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`revoked_at` integer,
	`ip` text,
	`user_agent` text,
	FOREIGN KEY (`agent_id`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `sessions_token_hash_unique` ON `sessions` (`token_hash`);--> statement-breakpoint
CREATE INDEX `sessions_agent_idx` ON `sessions` (`agent_id`);--> statement-breakpoint
ALTER TABLE `agents` ADD `email` text;--> statement-breakpoint
ALTER TABLE `agents` ADD `password_hash` text;--> statement-breakpoint
ALTER TABLE `agents` ADD `password_changed_at` integer;--> statement-breakpoint
ALTER TABLE `agents` ADD `mfa_secret` text;--> statement-breakpoint
ALTER TABLE `agents` ADD `mfa_enabled` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `agents` ADD `failed_logins` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `agents` ADD `locked_until` integer;--> statement-breakpoint
ALTER TABLE `agents` ADD `last_login_at` integer;--> statement-breakpoint
ALTER TABLE `agents` ADD `session_version` integer DEFAULT 1 NOT NULL;