CREATE TABLE `campaign_targets` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`campaign_id` integer NOT NULL,
	`dossier_id` integer NOT NULL,
	`contact_id` integer,
	`phone` text,
	`email` text,
	`stratum` text NOT NULL,
	`mode` text NOT NULL,
	`status` text NOT NULL,
	`outcome` text,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer,
	`call_back_at` integer,
	`notified_at` integer,
	`notice_channel` text,
	`notice_detail` text,
	`survey_token_hash` text,
	`answers` text,
	`satisfaction` text,
	`answered_via` text,
	`completed_at` integer,
	`ticket_id` integer,
	`assigned_to` integer,
	`locked_by` integer,
	`locked_until` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`campaign_id`) REFERENCES `campaigns`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`dossier_id`) REFERENCES `dossiers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `campaign_targets_survey_token_hash_unique` ON `campaign_targets` (`survey_token_hash`);--> statement-breakpoint
CREATE UNIQUE INDEX `campaign_targets_dossier_uq` ON `campaign_targets` (`campaign_id`,`dossier_id`);--> statement-breakpoint
CREATE INDEX `campaign_targets_queue_idx` ON `campaign_targets` (`campaign_id`,`status`,`next_attempt_at`);--> statement-breakpoint
CREATE INDEX `campaign_targets_phone_idx` ON `campaign_targets` (`phone`);--> statement-breakpoint
CREATE INDEX `campaign_targets_contact_idx` ON `campaign_targets` (`contact_id`);--> statement-breakpoint
CREATE INDEX `campaign_targets_assigned_idx` ON `campaign_targets` (`assigned_to`);--> statement-breakpoint
CREATE TABLE `campaigns` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`kind` text NOT NULL,
	`status` text NOT NULL,
	`filter` text NOT NULL,
	`sample_size` integer NOT NULL,
	`stratify_by` text NOT NULL,
	`strata` text NOT NULL,
	`min_per_stratum` integer DEFAULT 0 NOT NULL,
	`seed` text NOT NULL,
	`exclude_days` integer NOT NULL,
	`questionnaire` text NOT NULL,
	`outbound_number` text NOT NULL,
	`purpose` text NOT NULL,
	`max_attempts` integer NOT NULL,
	`options` text NOT NULL,
	`created_by_id` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `dossiers` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`code` text NOT NULL,
	`procedure` text,
	`field` text,
	`desk` text,
	`desk_level` text,
	`unit` text,
	`applicant_name` text,
	`applicant_phone` text,
	`applicant_email` text,
	`submitted_at` integer,
	`due_at` integer,
	`finished_at` integer,
	`status` text,
	`contact_id` integer,
	`raw` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `dossiers_code_unique` ON `dossiers` (`code`);--> statement-breakpoint
CREATE INDEX `dossiers_finished_idx` ON `dossiers` (`finished_at`);--> statement-breakpoint
CREATE INDEX `dossiers_phone_idx` ON `dossiers` (`applicant_phone`);--> statement-breakpoint
CREATE INDEX `dossiers_contact_idx` ON `dossiers` (`contact_id`);--> statement-breakpoint
CREATE TABLE `opt_outs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`phone` text,
	`email` text,
	`contact_id` integer,
	`source` text NOT NULL,
	`campaign_id` integer,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `opt_outs_phone_idx` ON `opt_outs` (`phone`);--> statement-breakpoint
CREATE INDEX `opt_outs_email_idx` ON `opt_outs` (`email`);--> statement-breakpoint
CREATE INDEX `opt_outs_contact_idx` ON `opt_outs` (`contact_id`);--> statement-breakpoint
CREATE TABLE `target_attempts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`target_id` integer NOT NULL,
	`at` integer NOT NULL,
	`agent_id` integer,
	`mode` text NOT NULL,
	`outcome` text NOT NULL,
	`call_back_at` integer,
	`note` text,
	`call_id` integer,
	FOREIGN KEY (`target_id`) REFERENCES `campaign_targets`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `target_attempts_target_idx` ON `target_attempts` (`target_id`,`id`);