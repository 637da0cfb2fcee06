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
CREATE INDEX "kb_proposals_status_idx" ON "kb_proposals" USING btree ("status","id");