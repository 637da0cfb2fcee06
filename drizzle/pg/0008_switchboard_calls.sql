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
CREATE INDEX "calls_status_idx" ON "calls" USING btree ("status");--> statement-breakpoint
ALTER TABLE "agents" ADD CONSTRAINT "agents_extension_unique" UNIQUE("extension");