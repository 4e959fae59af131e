// Encodes an event with the generated package, signs it with the standardwebhooks package and
// POSTs it: node send.mjs <url> <secret> <payload JSON>. Prints {"status":…,"body":…}.
import { randomUUID } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { encode, STRUCTURED } from "event-contracts";

const [url, secret, payload] = process.argv.slice(2);
const { record } = encode("payments.payment_failed.v1", JSON.parse(payload), { source: "js-producer" });
const id = `msg_${randomUUID()}`;
const timestamp = new Date();
const signature = new Webhook(secret).sign(id, timestamp, record.Data.toString("utf8"));
const response = await fetch(url, {
  method: "POST",
  headers: {
    "content-type": STRUCTURED,
    "webhook-id": id,
    "webhook-timestamp": String(Math.floor(timestamp.getTime() / 1000)),
    "webhook-signature": signature,
  },
  body: record.Data,
});
console.log(JSON.stringify({ status: response.status, body: await response.text() }));
