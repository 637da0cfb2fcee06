CREATE TABLE `privacy_requests` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`contact_id` integer,
	`requester_name` text NOT NULL,
	`requester_contact` text,
	`received_via` text NOT NULL,
	`details` text,
	`received_at` integer NOT NULL,
	`acknowledge_by` integer NOT NULL,
	`due_at` integer NOT NULL,
	`acknowledged_at` integer,
	`completed_at` integer,
	`outcome` text,
	`outcome_note` text,
	`created_by_id` integer,
	`handled_by_id` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `privacy_requests_open_idx` ON `privacy_requests` (`completed_at`,`due_at`);--> statement-breakpoint
CREATE INDEX `privacy_requests_contact_idx` ON `privacy_requests` (`contact_id`);--> statement-breakpoint
ALTER TABLE `contacts` ADD `erased_at` integer;