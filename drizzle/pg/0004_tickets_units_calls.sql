CREATE TABLE "agent_units" (
	"agent_id" integer NOT NULL,
	"unit_id" integer NOT NULL,
	CONSTRAINT "agent_units_agent_id_unit_id_pk" PRIMARY KEY("agent_id","unit_id")
);
--> statement-breakpoint
CREATE TABLE "calls" (
	"id" serial PRIMARY KEY NOT NULL,
	"direction" text NOT NULL,
	"number" text NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"duration_seconds" integer DEFAULT 0 NOT NULL,
	"agent_id" integer,
	"contact_id" integer,
	"notes" text,
	"source" text NOT NULL,
	"external_id" text,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "calls_external_id_unique" UNIQUE("external_id")
);
--> statement-breakpoint
CREATE TABLE "canned_answers" (
	"id" serial PRIMARY KEY NOT NULL,
	"shortcut" text NOT NULL,
	"title" text NOT NULL,
	"body" text NOT NULL,
	"team_id" integer,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "canned_answers_shortcut_unique" UNIQUE("shortcut")
);
--> statement-breakpoint
CREATE TABLE "conversation_labels" (
	"conversation_id" integer NOT NULL,
	"label_id" integer NOT NULL,
	CONSTRAINT "conversation_labels_conversation_id_label_id_pk" PRIMARY KEY("conversation_id","label_id")
);
--> statement-breakpoint
CREATE TABLE "labels" (
	"id" serial PRIMARY KEY NOT NULL,
	"key" text NOT NULL,
	"name" text NOT NULL,
	"color" text,
	CONSTRAINT "labels_key_unique" UNIQUE("key")
);
--> statement-breakpoint
CREATE TABLE "ticket_counters" (
	"year" integer PRIMARY KEY NOT NULL,
	"last" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ticket_events" (
	"id" serial PRIMARY KEY NOT NULL,
	"ticket_id" integer NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"actor_id" integer,
	"actor_name" text NOT NULL,
	"action" text NOT NULL,
	"from_level" integer,
	"to_level" integer,
	"from_status" text,
	"to_status" text,
	"from_unit_id" integer,
	"to_unit_id" integer,
	"comment" text,
	"attachments" jsonb
);
--> statement-breakpoint
CREATE TABLE "tickets" (
	"id" serial PRIMARY KEY NOT NULL,
	"code" text NOT NULL,
	"channel" text NOT NULL,
	"conversation_id" integer,
	"call_id" integer,
	"contact_id" integer,
	"type" text NOT NULL,
	"tthc" boolean DEFAULT false NOT NULL,
	"field" text,
	"unit_id" integer,
	"level" integer NOT NULL,
	"status" text NOT NULL,
	"subject" text NOT NULL,
	"body" text,
	"answer" text,
	"deadline" timestamp with time zone,
	"created_by_id" integer,
	"received_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"answered_at" timestamp with time zone,
	"closed_at" timestamp with time zone,
	"satisfaction" text,
	"satisfaction_comment" text,
	"satisfaction_at" timestamp with time zone,
	"satisfaction_asked_at" timestamp with time zone,
	"due_soon_notified_at" timestamp with time zone,
	"overdue_notified_at" timestamp with time zone,
	CONSTRAINT "tickets_code_unique" UNIQUE("code")
);
--> statement-breakpoint
CREATE TABLE "units" (
	"id" serial PRIMARY KEY NOT NULL,
	"key" text NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"parent_id" integer,
	"created_at" timestamp with time zone NOT NULL,
	"disabled_at" timestamp with time zone,
	CONSTRAINT "units_key_unique" UNIQUE("key")
);
--> statement-breakpoint
ALTER TABLE "agent_units" ADD CONSTRAINT "agent_units_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "agents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agent_units" ADD CONSTRAINT "agent_units_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "conversation_labels" ADD CONSTRAINT "conversation_labels_conversation_id_conversations_id_fk" FOREIGN KEY ("conversation_id") REFERENCES "conversations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "conversation_labels" ADD CONSTRAINT "conversation_labels_label_id_labels_id_fk" FOREIGN KEY ("label_id") REFERENCES "labels"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ticket_events" ADD CONSTRAINT "ticket_events_ticket_id_tickets_id_fk" FOREIGN KEY ("ticket_id") REFERENCES "tickets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "calls_started_idx" ON "calls" USING btree ("started_at");--> statement-breakpoint
CREATE INDEX "conversation_labels_label_idx" ON "conversation_labels" USING btree ("label_id");--> statement-breakpoint
CREATE INDEX "ticket_events_ticket_idx" ON "ticket_events" USING btree ("ticket_id","id");--> statement-breakpoint
CREATE INDEX "tickets_received_idx" ON "tickets" USING btree ("received_at");--> statement-breakpoint
CREATE INDEX "tickets_unit_idx" ON "tickets" USING btree ("unit_id","status");--> statement-breakpoint
CREATE INDEX "tickets_deadline_idx" ON "tickets" USING btree ("status","deadline");--> statement-breakpoint
CREATE INDEX "tickets_conversation_idx" ON "tickets" USING btree ("conversation_id");