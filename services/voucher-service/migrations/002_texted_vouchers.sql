-- Codes the gateway texted, as it reports them: the listing says SMS for these (a code meant for the web whose page had
-- gone was texted). Kept apart from vouchers because a report can arrive before the outcome it corrects is
-- stored (the two come by different roads), and a row here needs no order.
CREATE TABLE IF NOT EXISTS texted_vouchers (
  request_id uuid PRIMARY KEY,
  phone_number text NOT NULL,
  reported_at timestamptz NOT NULL DEFAULT now()
);
