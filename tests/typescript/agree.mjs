// Reads lines {"type": "<domain>.<event>.v<N>", "payload": …} and prints, per line, the
// verdicts of the generated Ajv validators: {"reader": [keywords], "writer": [keywords]} (the
// failing keywords, `format:<name>` for a format; empty when valid).
import { createInterface } from "node:readline";
import { events } from "event-contracts";

const keywords = (validator, payload) =>
  validator(payload)
    ? []
    : [...new Set((validator.errors ?? []).map((e) => (e.keyword === "format" ? `format:${e.params.format}` : e.keyword)))];
for await (const line of createInterface({ input: process.stdin })) {
  const { type, payload } = JSON.parse(line);
  const entry = events[type];
  console.log(JSON.stringify({ reader: keywords(entry.validateReader, payload), writer: keywords(entry.validate, payload) }));
}
