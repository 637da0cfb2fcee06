CREATE TABLE "campaign_targets" (
	"id" serial PRIMARY KEY NOT NULL,
	"campaign_id" integer NOT NULL,
	"dossier_id" integer NOT NULL,
	"contact_id" integer,
	"phone" text,
	"email" text,
	"stratum" text NOT NULL,
	"mode" text NOT NULL,
	"status" text NOT NULL,
	"outcome" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone,
	"call_back_at" timestamp with time zone,
	"notified_at" timestamp with time zone,
	"notice_channel" text,
	"notice_detail" text,
	"survey_token_hash" text,
	"answers" jsonb,
	"satisfaction" text,
	"answered_via" text,
	"completed_at" timestamp with time zone,
	"ticket_id" integer,
	"assigned_to" integer,
	"locked_by" integer,
	"locked_until" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "campaign_targets_survey_token_hash_unique" UNIQUE("survey_token_hash")
);
--> statement-breakpoint
CREATE TABLE "campaigns" (
	"id" serial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"status" text NOT NULL,
	"filter" jsonb NOT NULL,
	"sample_size" integer NOT NULL,
	"stratify_by" text NOT NULL,
	"strata" jsonb NOT NULL,
	"min_per_stratum" integer DEFAULT 0 NOT NULL,
	"seed" text NOT NULL,
	"exclude_days" integer NOT NULL,
	"questionnaire" jsonb NOT NULL,
	"outbound_number" text NOT NULL,
	"purpose" text NOT NULL,
	"max_attempts" integer NOT NULL,
	"options" jsonb NOT NULL,
	"created_by_id" integer,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "dossiers" (
	"id" serial PRIMARY KEY NOT NULL,
	"code" text NOT NULL,
	"procedure" text,
	"field" text,
	"desk" text,
	"desk_level" text,
	"unit" text,
	"applicant_name" text,
	"applicant_phone" text,
	"applicant_email" text,
	"submitted_at" timestamp with time zone,
	"due_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"status" text,
	"contact_id" integer,
	"raw" jsonb,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "dossiers_code_unique" UNIQUE("code")
);
--> statement-breakpoint
CREATE TABLE "opt_outs" (
	"id" serial PRIMARY KEY NOT NULL,
	"phone" text,
	"email" text,
	"contact_id" integer,
	"source" text NOT NULL,
	"campaign_id" integer,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "target_attempts" (
	"id" serial PRIMARY KEY NOT NULL,
	"target_id" integer NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"agent_id" integer,
	"mode" text NOT NULL,
	"outcome" text NOT NULL,
	"call_back_at" timestamp with time zone,
	"note" text,
	"call_id" integer
);
--> statement-breakpoint
ALTER TABLE "campaign_targets" ADD CONSTRAINT "campaign_targets_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "campaigns"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaign_targets" ADD CONSTRAINT "campaign_targets_dossier_id_dossiers_id_fk" FOREIGN KEY ("dossier_id") REFERENCES "dossiers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "target_attempts" ADD CONSTRAINT "target_attempts_target_id_campaign_targets_id_fk" FOREIGN KEY ("target_id") REFERENCES "campaign_targets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "campaign_targets_dossier_uq" ON "campaign_targets" USING btree ("campaign_id","dossier_id");--> statement-breakpoint
CREATE INDEX "campaign_targets_queue_idx" ON "campaign_targets" USING btree ("campaign_id","status","next_attempt_at");--> statement-breakpoint
CREATE INDEX "campaign_targets_phone_idx" ON "campaign_targets" USING btree ("phone");--> statement-breakpoint
CREATE INDEX "campaign_targets_contact_idx" ON "campaign_targets" USING btree ("contact_id");--> statement-breakpoint
CREATE INDEX "campaign_targets_assigned_idx" ON "campaign_targets" USING btree ("assigned_to");--> statement-breakpoint
CREATE INDEX "dossiers_finished_idx" ON "dossiers" USING btree ("finished_at");--> statement-breakpoint
CREATE INDEX "dossiers_phone_idx" ON "dossiers" USING btree ("applicant_phone");--> statement-breakpoint
CREATE INDEX "dossiers_contact_idx" ON "dossiers" USING btree ("contact_id");--> statement-breakpoint
CREATE INDEX "opt_outs_phone_idx" ON "opt_outs" USING btree ("phone");--> statement-breakpoint
CREATE INDEX "opt_outs_email_idx" ON "opt_outs" USING btree ("email");--> statement-breakpoint
CREATE INDEX "opt_outs_contact_idx" ON "opt_outs" USING btree ("contact_id");--> statement-breakpoint
CREATE INDEX "target_attempts_target_idx" ON "target_attempts" USING btree ("target_id","id");