CREATE TABLE "attachments" (
	"id" serial PRIMARY KEY NOT NULL,
	"message_id" integer,
	"conversation_id" integer,
	"position" integer DEFAULT 0 NOT NULL,
	"direction" text NOT NULL,
	"kind" text NOT NULL,
	"name" text,
	"mime_type" text,
	"size" integer,
	"state" text NOT NULL,
	"state_detail" text,
	"source_url" text,
	"storage_key" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone,
	"locked_until" timestamp with time zone,
	"uploaded_by" text,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "file_blobs" (
	"key" text PRIMARY KEY NOT NULL,
	"bytes" "bytea" NOT NULL,
	"size" integer NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "kb_proposals" (
	"id" serial PRIMARY KEY NOT NULL,
	"entry_id" text NOT NULL,
	"question" text NOT NULL,
	"status" text NOT NULL,
	"conversation_id" integer,
	"reply_message_id" integer NOT NULL,
	"proposed_by" text NOT NULL,
	"proposed_at" timestamp with time zone NOT NULL,
	"decided_by" text,
	"decided_at" timestamp with time zone,
	"accepted_question" text,
	CONSTRAINT "kb_proposals_reply_message_id_unique" UNIQUE("reply_message_id")
);
--> statement-breakpoint
CREATE TABLE "leases" (
	"name" text PRIMARY KEY NOT NULL,
	"holder" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ticket_uploads" (
	"id" serial PRIMARY KEY NOT NULL,
	"ticket_id" integer NOT NULL,
	"key" text NOT NULL,
	"name" text,
	"mime_type" text NOT NULL,
	"size" integer NOT NULL,
	"uploaded_by_id" integer,
	"uploaded_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "unusable_payloads" (
	"id" serial PRIMARY KEY NOT NULL,
	"inbox_id" integer,
	"channel" text NOT NULL,
	"reason" text NOT NULL,
	"raw" jsonb,
	"received_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "agents" ADD COLUMN "mfa_last_step" integer;--> statement-breakpoint
ALTER TABLE "agents" ADD COLUMN "extension" text;--> statement-breakpoint
ALTER TABLE "calls" ADD COLUMN "status" text;--> statement-breakpoint
ALTER TABLE "calls" ADD COLUMN "answered_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "calls" ADD COLUMN "ended_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "calls" ADD COLUMN "queue_wait_seconds" integer;--> statement-breakpoint
ALTER TABLE "calls" ADD COLUMN "queue" text;--> statement-breakpoint
ALTER TABLE "calls" ADD COLUMN "extension" text;--> statement-breakpoint
ALTER TABLE "calls" ADD COLUMN "recording_url" text;--> statement-breakpoint
ALTER TABLE "calls" ADD COLUMN "called_back_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "calls" ADD COLUMN "called_back_by" integer;--> statement-breakpoint
ALTER TABLE "canned_answers" ADD COLUMN "attachment_id" integer;--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "source" text;--> statement-breakpoint
CREATE INDEX "attachments_message_idx" ON "attachments" USING btree ("message_id","position");--> statement-breakpoint
CREATE INDEX "attachments_due_idx" ON "attachments" USING btree ("state","next_attempt_at");--> statement-breakpoint
CREATE INDEX "attachments_storage_key_idx" ON "attachments" USING btree ("storage_key");--> statement-breakpoint
CREATE INDEX "kb_proposals_status_idx" ON "kb_proposals" USING btree ("status","id");--> statement-breakpoint
CREATE UNIQUE INDEX "ticket_uploads_ticket_key_idx" ON "ticket_uploads" USING btree ("ticket_id","key");--> statement-breakpoint
CREATE INDEX "unusable_payloads_received_idx" ON "unusable_payloads" USING btree ("received_at");--> statement-breakpoint
CREATE INDEX "calls_status_idx" ON "calls" USING btree ("status");--> statement-breakpoint
ALTER TABLE "agents" ADD CONSTRAINT "agents_extension_unique" UNIQUE("extension");