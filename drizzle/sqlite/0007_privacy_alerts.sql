ALTER TABLE `privacy_requests` ADD `acknowledge_alerted_at` integer;--> statement-breakpoint
ALTER TABLE `privacy_requests` ADD `due_alerted_at` integer;