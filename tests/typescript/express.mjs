// The generated Router mounted in Express as it is, without a body parser, after
// express.raw(), and (wrongly) after express.json(): prints {"port":…}, and at the end how
// many events were handled; stops when stdin closes.
import express from "express";
import { Router } from "event-contracts";

let handled = 0;
const router = new Router({ secrets: process.argv.slice(2) });
router.on("payments.payment_failed.v1", () => {
  handled++;
});
const app = express();
app.post("/events/", router.listener());
app.post("/raw/", express.raw({ type: "*/*" }), router.listener());
app.post("/parsed/", express.json({ type: "*/*" }), router.listener());
const server = app.listen(0, "127.0.0.1", () => console.log(JSON.stringify({ port: server.address().port })));
process.stdin.on("end", () => {
  console.log(JSON.stringify({ handled }));
  process.exit(0);
});
process.stdin.resume();
