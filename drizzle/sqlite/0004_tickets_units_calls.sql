CREATE TABLE `agent_units` (
	`agent_id` integer NOT NULL,
	`unit_id` integer NOT NULL,
	PRIMARY KEY(`agent_id`, `unit_id`),
	FOREIGN KEY (`agent_id`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`unit_id`) REFERENCES `units`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `calls` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`direction` text NOT NULL,
	`number` text NOT NULL,
	`started_at` integer NOT NULL,
	`duration_seconds` integer DEFAULT 0 NOT NULL,
	`agent_id` integer,
	`contact_id` integer,
	`notes` text,
	`source` text NOT NULL,
	`external_id` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `calls_external_id_unique` ON `calls` (`external_id`);--> statement-breakpoint
CREATE INDEX `calls_started_idx` ON `calls` (`started_at`);--> statement-breakpoint
CREATE TABLE `canned_answers` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`shortcut` text NOT NULL,
	`title` text NOT NULL,
	`body` text NOT NULL,
	`team_id` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `canned_answers_shortcut_unique` ON `canned_answers` (`shortcut`);--> statement-breakpoint
CREATE TABLE `conversation_labels` (
	`conversation_id` integer NOT NULL,
	`label_id` integer NOT NULL,
	PRIMARY KEY(`conversation_id`, `label_id`),
	FOREIGN KEY (`conversation_id`) REFERENCES `conversations`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`label_id`) REFERENCES `labels`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `conversation_labels_label_idx` ON `conversation_labels` (`label_id`);--> statement-breakpoint
CREATE TABLE `labels` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`key` text NOT NULL,
	`name` text NOT NULL,
	`color` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `labels_key_unique` ON `labels` (`key`);--> statement-breakpoint
CREATE TABLE `ticket_counters` (
	`year` integer PRIMARY KEY NOT NULL,
	`last` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `ticket_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`ticket_id` integer NOT NULL,
	`at` integer NOT NULL,
	`actor_id` integer,
	`actor_name` text NOT NULL,
	`action` text NOT NULL,
	`from_level` integer,
	`to_level` integer,
	`from_status` text,
	`to_status` text,
	`from_unit_id` integer,
	`to_unit_id` integer,
	`comment` text,
	`attachments` text,
	FOREIGN KEY (`ticket_id`) REFERENCES `tickets`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `ticket_events_ticket_idx` ON `ticket_events` (`ticket_id`,`id`);--> statement-breakpoint
CREATE TABLE `tickets` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`code` text NOT NULL,
	`channel` text NOT NULL,
	`conversation_id` integer,
	`call_id` integer,
	`contact_id` integer,
	`type` text NOT NULL,
	`tthc` integer DEFAULT false NOT NULL,
	`field` text,
	`unit_id` integer,
	`level` integer NOT NULL,
	`status` text NOT NULL,
	`subject` text NOT NULL,
	`body` text,
	`answer` text,
	`deadline` integer,
	`created_by_id` integer,
	`received_at` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`answered_at` integer,
	`closed_at` integer,
	`satisfaction` text,
	`satisfaction_comment` text,
	`satisfaction_at` integer,
	`satisfaction_asked_at` integer,
	`due_soon_notified_at` integer,
	`overdue_notified_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `tickets_code_unique` ON `tickets` (`code`);--> statement-breakpoint
CREATE INDEX `tickets_received_idx` ON `tickets` (`received_at`);--> statement-breakpoint
CREATE INDEX `tickets_unit_idx` ON `tickets` (`unit_id`,`status`);--> statement-breakpoint
CREATE INDEX `tickets_deadline_idx` ON `tickets` (`status`,`deadline`);--> statement-breakpoint
CREATE INDEX `tickets_conversation_idx` ON `tickets` (`conversation_id`);--> statement-breakpoint
CREATE TABLE `units` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`key` text NOT NULL,
	`name` text NOT NULL,
	`kind` text NOT NULL,
	`parent_id` integer,
	`created_at` integer NOT NULL,
	`disabled_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `units_key_unique` ON `units` (`key`);