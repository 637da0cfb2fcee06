CREATE TABLE `agent_teams` (
	`agent_id` integer NOT NULL,
	`team_id` integer NOT NULL,
	PRIMARY KEY(`agent_id`, `team_id`),
	FOREIGN KEY (`agent_id`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`team_id`) REFERENCES `teams`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `agents` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`username` text NOT NULL,
	`display_name` text NOT NULL,
	`role` text NOT NULL,
	`capacity` integer DEFAULT 3 NOT NULL,
	`presence` text DEFAULT 'offline' NOT NULL,
	`presence_at` integer,
	`last_assigned_at` integer,
	`created_at` integer NOT NULL,
	`disabled_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `agents_username_unique` ON `agents` (`username`);--> statement-breakpoint
ALTER TABLE `conversations` ADD `handler` text DEFAULT 'bot' NOT NULL;--> statement-breakpoint
ALTER TABLE `conversations` ADD `waiting_since` integer;--> statement-breakpoint
ALTER TABLE `conversations` ADD `assigned_at` integer;--> statement-breakpoint
ALTER TABLE `conversations` ADD `last_assignee_id` integer;--> statement-breakpoint
CREATE INDEX `conversations_queue_idx` ON `conversations` (`team_id`,`assignee_id`,`waiting_since`);