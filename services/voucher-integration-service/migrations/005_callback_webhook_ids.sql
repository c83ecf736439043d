-- Issue 11: signed VPS callbacks (Standard Webhooks, VPS_CALLBACK_SECRET). The webhook-id of every callback that got a
-- final answer is remembered here for longer than a signature stays valid, so that a captured signed callback cannot
-- be played again; ids older than that are forgotten by the sweep. Shared by every replica.
CREATE TABLE IF NOT EXISTS callback_webhook_ids (
  webhook_id text PRIMARY KEY,
  seen_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS callback_webhook_ids_seen_at ON callback_webhook_ids (seen_at);
