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
CREATE INDEX "unusable_payloads_received_idx" ON "unusable_payloads" USING btree ("received_at");