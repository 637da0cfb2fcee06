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
CREATE INDEX "kb_proposals_status_idx" ON "kb_proposals" USING btree ("status","id");--> statement-breakpoint
CREATE UNIQUE INDEX "ticket_uploads_ticket_key_idx" ON "ticket_uploads" USING btree ("ticket_id","key");--> statement-breakpoint
CREATE INDEX "unusable_payloads_received_idx" ON "unusable_payloads" USING btree ("received_at");