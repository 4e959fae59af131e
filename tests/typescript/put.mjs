// A JavaScript producer: encodes events with the generated package and puts them on a Kinesis
// stream with the AWS SDK: node put.mjs <endpoint> <stream> <count>. Prints {"failed": n}.
import { KinesisClient, PutRecordsCommand } from "@aws-sdk/client-kinesis";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { encode } from "event-contracts";

const [endpoint, StreamName, count] = process.argv.slice(2);
const kinesis = new KinesisClient({
  endpoint,
  region: "us-east-1",
  credentials: { accessKeyId: "local", secretAccessKey: "local" },
  // The emulator speaks HTTP/1.1; the Kinesis client would use HTTP/2.
  requestHandler: new NodeHttpHandler(),
});
const Records = [];
for (let attempt = 1; attempt <= Number(count); attempt++) {
  const payment = {
    payment_id: "7a8b9c0d-1e2f-4a3b-9c4d-5e6f7a8b9c0d",
    order_id: `9b2f8c1e-1d2a-4c3b-8e4f-5a6b7c8d9e0${attempt}`,
    code: "provider_unavailable",
    retryable: true,
    attempt,
  };
  Records.push(encode("payments.payment_failed.v1", payment, { source: "js-producer" }).record);
}
const answer = await kinesis.send(new PutRecordsCommand({ StreamName, Records }));
console.log(JSON.stringify({ failed: answer.FailedRecordCount ?? 0 }));
