// A consumer and a producer written against the generated declarations: `tsc --strict`
// accepts it.
import * as http from "node:http";
import { PutRecordsCommand } from "@aws-sdk/client-kinesis";
import { Router, encode, validate, type AnyEvent, type PaymentFailedV1 } from "event-contracts";

const router = new Router({ secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"] });
router.on("payments.payment_failed.v1", (payment, envelope) => {
  const attempt: number = payment.attempt;
  const code: "insufficient_funds" | "card_expired" | "fraud_suspected" | "provider_unavailable" =
    payment.code;
  const message: string | undefined = payment.message;
  const key: string = envelope.partitionkey;
  console.log(attempt, code, message, key);
});
router.on("orders.order_placed.v2", async (order) => {
  for (const line of order.lines) {
    const cents: number = line.unit_price.amount_minor;
    console.log(line.sku, cents);
  }
  if (order.delivery.method === "pickup") {
    const store: string = order.delivery.store_id;
    console.log(store);
  }
});
http.createServer(router.listener());

const payment: PaymentFailedV1 = {
  payment_id: "7a8b9c0d-1e2f-4a3b-9c4d-5e6f7a8b9c0d",
  order_id: "9b2f8c1e-1d2a-4c3b-8e4f-5a6b7c8d9e0f",
  code: "provider_unavailable",
  retryable: true,
  attempt: 1,
};
const { record, envelope } = encode("payments.payment_failed.v1", payment);
// The record is what the AWS SDK's PutRecords takes, as it is.
const putRecords = new PutRecordsCommand({ StreamName: "events", Records: [record] });
console.log(putRecords, envelope.data.attempt);

function describe(event: AnyEvent): string {
  switch (event.type) {
    case "orders.order_placed.v2":
      return event.data.order_id;
    case "payments.payment_failed.v1":
      return event.data.code;
    default:
      return event.type;
  }
}
const unknown: unknown = JSON.parse("{}");
if (validate("payments.payment_failed.v1", unknown)) {
  console.log(unknown.attempt, describe({ type: "payments.payment_failed.v1", data: unknown }));
}
