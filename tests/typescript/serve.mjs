// Serves the generated Router on a free loopback port: prints {"port":…}, then one line per
// handled event; stops when stdin closes. Attempt 9 makes the handler throw.
import http from "node:http";
import { Router } from "event-contracts";

const router = new Router({ secrets: process.argv.slice(2) });
router.on("payments.payment_failed.v1", (payment, envelope) => {
  if (payment.attempt === 9) throw new Error("the mailer is down");
  console.log(
    JSON.stringify({ handled: envelope.id, attempt: payment.attempt, key: envelope.partitionkey, subject: envelope.subject }),
  );
});
const server = http.createServer(router.listener());
server.listen(0, "127.0.0.1", () => console.log(JSON.stringify({ port: server.address().port })));
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
