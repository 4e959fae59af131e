// The runtime of the generated package: validate, encode for producers, and a router for the
// `POST /events/` endpoint that answers as the Rust endpoint does. Written once by
// `contracts generate --lang typescript`; the event table is in `events.js`.
import { randomUUID } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { events, source as registrySource } from "./events.js";

export { events };

/** Structured mode, one event. */
export const STRUCTURED = "application/cloudevents+json";
/** Batched mode, a JSON array of events. */
export const BATCH = "application/cloudevents-batch+json";
/** The content type of every payload. */
export const DATA_CONTENT_TYPE = "application/json";
/** The largest record Kinesis takes. */
export const MAX_RECORD_BYTES = 1024 * 1024;

/** Splits a CloudEvents `type` `<domain>.<event>.v<N>` into `[<domain>.<event>, N]`. */
export function splitType(cloudEventsType) {
  if (typeof cloudEventsType !== "string") return null;
  const at = cloudEventsType.lastIndexOf(".v");
  if (at <= 0) return null;
  const digits = cloudEventsType.slice(at + 2);
  if (!/^[0-9]+$/.test(digits)) return null;
  const version = Number(digits);
  if (!Number.isSafeInteger(version) || version === 0 || version > 0xffffffff) return null;
  return [cloudEventsType.slice(0, at), version];
}

function entryOf(type) {
  const entry = Object.hasOwn(events, type) ? events[type] : undefined;
  if (!entry) throw new Error(`unknown event type \`${type}\`: not in the registry`);
  return entry;
}

function escapeToken(token) {
  return String(token).replaceAll("~", "~0").replaceAll("/", "~1");
}

/** The first number JSON cannot carry (NaN, ±Infinity), with its JSON Pointer. */
function nonFinite(value, pointer = "") {
  if (typeof value === "number") return Number.isFinite(value) ? null : pointer;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = nonFinite(value[i], `${pointer}/${i}`);
      if (found !== null) return found;
    }
  } else if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      const found = nonFinite(item, `${pointer}/${escapeToken(key)}`);
      if (found !== null) return found;
    }
  }
  return null;
}

function check(validator, payload) {
  const pointer = nonFinite(payload);
  if (pointer !== null) {
    return [{ pointer, message: "not a finite number: JSON has no NaN or Infinity", keyword: "type" }];
  }
  if (validator(payload)) return [];
  return (validator.errors ?? []).map((error) => ({
    pointer: error.instancePath,
    message: error.message ?? error.keyword,
    keyword: error.keyword,
  }));
}

/**
 * Every violation of `payload` against the schema of `type` (`orders.order_placed.v2`), as a
 * producer must write it.
 */
export function violations(type, payload) {
  return check(entryOf(type).validate, payload);
}

/**
 * Every violation of a received `payload` against what a consumer of `type` takes: the
 * writer's schema with objects open to members it does not know (as the Rust consumers read).
 */
export function readerViolations(type, payload) {
  return check(entryOf(type).validateReader, payload);
}

/** Whether `payload` is valid for `type`. */
export function validate(type, payload) {
  return violations(type, payload).length === 0;
}

/** A payload that breaks its schema: nothing was sent. */
export class InvalidPayload extends Error {
  constructor(type, found) {
    super(`invalid ${type} payload: ${found.map((v) => `${v.pointer || "/"}: ${v.message}`).join("; ")}`);
    this.name = "InvalidPayload";
    this.type = type;
    this.violations = found;
  }
}

function resolvePointer(value, pointer) {
  if (pointer === "") return value;
  let node = value;
  for (const raw of pointer.slice(1).split("/")) {
    const token = raw.replaceAll("~1", "/").replaceAll("~0", "~");
    if (node === null || typeof node !== "object" || !Object.hasOwn(node, token)) return undefined;
    node = node[token];
  }
  return node;
}

/**
 * Validates `payload` and wraps it in its CloudEvents envelope, with the partition key the
 * schema names: `record` is ready for the AWS SDK's `PutRecords` (`Data`, `PartitionKey`).
 */
export function encode(type, payload, options = {}) {
  const entry = entryOf(type);
  const found = violations(type, payload);
  if (found.length > 0) throw new InvalidPayload(type, found);
  const partitionKey = resolvePointer(payload, entry.partitionKey);
  if (typeof partitionKey !== "string" || partitionKey.length === 0) {
    throw new Error(`${type}: the partition key ${entry.partitionKey} is not a non-empty string`);
  }
  const time = options.time === undefined ? new Date() : new Date(options.time);
  if (Number.isNaN(time.getTime())) throw new Error(`${type}: \`time\` is not a date`);
  const envelope = {
    specversion: "1.0",
    id: options.id ?? randomUUID(),
    source: options.source ?? registrySource,
    type,
    time: time.toISOString(),
    datacontenttype: DATA_CONTENT_TYPE,
    dataschema: entry.dataschema,
    ...(options.subject === undefined ? {} : { subject: options.subject }),
    partitionkey: partitionKey,
    data: payload,
  };
  const data = Buffer.from(JSON.stringify(envelope), "utf8");
  if (data.length > MAX_RECORD_BYTES) {
    throw new Error(`${type}: the record is ${data.length} bytes, more than the ${MAX_RECORD_BYTES} Kinesis takes`);
  }
  return { envelope, record: { Data: data, PartitionKey: partitionKey } };
}

function problem(status, title, detail, found) {
  const body = { type: "about:blank", title, status, detail };
  if (found && found.length > 0) body.violations = found;
  return {
    status,
    headers: { "content-type": "application/problem+json" },
    body: JSON.stringify(body),
  };
}

function lowerCaseHeaders(headers) {
  const out = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : String(value);
  }
  return out;
}

function mediaType(headers) {
  return (headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
}

const ATTRIBUTES = ["specversion", "id", "source", "type", "time", "dataschema", "subject", "partitionkey"];

function percentDecode(text, name) {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new Error(`header ce-${name}: a malformed percent-escape`);
  }
}

/** The attributes of one event, checked as the Rust envelope checks them. */
function checkEnvelope(event) {
  if (event === null || typeof event !== "object" || Array.isArray(event)) {
    throw new Error("not a CloudEvents 1.0 event: not a JSON object");
  }
  for (const attribute of ["specversion", "id", "source", "type"]) {
    if (typeof event[attribute] !== "string") {
      throw new Error(`not a CloudEvents 1.0 event: the required attribute \`${attribute}\` is missing`);
    }
  }
  if (event.specversion !== "1.0") {
    throw new Error(`unsupported CloudEvents specversion \`${event.specversion}\` (only 1.0 is read)`);
  }
  if (!splitType(event.type)) {
    throw new Error(`event ${event.id}: type \`${event.type}\` does not end in .v<N>`);
  }
  if (event.datacontenttype !== undefined && event.datacontenttype.split(";")[0].trim().toLowerCase() !== DATA_CONTENT_TYPE) {
    throw new Error(`event ${event.id}: datacontenttype \`${event.datacontenttype}\` is not ${DATA_CONTENT_TYPE}`);
  }
  if (typeof event.partitionkey !== "string") {
    throw new Error(`event ${event.id}: the partitionkey extension attribute is missing`);
  }
  if (!("data" in event)) {
    throw new Error(`event ${event.id}: no \`data\` (\`data_base64\` is not read)`);
  }
  return event;
}

function parseEvents(headers, text) {
  const type = mediaType(headers);
  if (type === STRUCTURED) return [checkEnvelope(JSON.parse(text))];
  if (type === BATCH) {
    const batch = JSON.parse(text);
    if (!Array.isArray(batch)) throw new Error("a batch is a JSON array of events");
    return batch.map(checkEnvelope);
  }
  if (headers["ce-specversion"] !== undefined) {
    const event = {};
    for (const name of ATTRIBUTES) {
      const value = headers[`ce-${name}`];
      if (value !== undefined) event[name] = percentDecode(value, name);
    }
    if (headers["content-type"] !== undefined) event.datacontenttype = headers["content-type"];
    try {
      event.data = JSON.parse(text);
    } catch {
      throw new Error("the body of a binary-mode event is not JSON");
    }
    return [checkEnvelope(event)];
  }
  return null;
}

/**
 * Receives signed CloudEvents on `POST /events/`: verifies the Standard Webhooks signature,
 * validates every payload before any handler runs, and answers with the status codes of the
 * Rust endpoint (401, 400, 413, 415, 422, 429, 500, 200).
 */
export class Router {
  #handlers = new Map();
  #webhooks;
  #seen = new Set();
  #order = [];
  #inFlight = 0;
  #options;

  constructor(options) {
    const secrets = options?.secrets ?? [];
    if (secrets.length === 0) throw new Error("a Router needs at least one signing secret");
    this.#webhooks = secrets.map((secret) => new Webhook(secret));
    this.#options = {
      bodyLimit: options.bodyLimit ?? MAX_RECORD_BYTES,
      dedupWindow: options.dedupWindow ?? 100_000,
      maxInFlight: options.maxInFlight ?? 64,
      retryAfterSeconds: options.retryAfterSeconds ?? 1,
    };
  }

  /** Calls `handler(payload, envelope)` for each valid event of `type` (`orders.order_placed.v2`). */
  on(type, handler) {
    entryOf(type);
    this.#handlers.set(type, handler);
    return this;
  }

  #remember(id) {
    if (this.#seen.has(id)) return;
    this.#seen.add(id);
    this.#order.push(id);
    while (this.#order.length > this.#options.dedupWindow) this.#seen.delete(this.#order.shift());
  }

  /** Answers one request: `{ headers, body }` in, `{ status, headers, body }` out. */
  async handle(request) {
    if (this.#inFlight >= this.#options.maxInFlight) {
      const answer = problem(429, "too many requests in flight", "retry after the time in Retry-After");
      answer.headers["retry-after"] = String(this.#options.retryAfterSeconds);
      return answer;
    }
    this.#inFlight++;
    try {
      return await this.#handle(request);
    } finally {
      this.#inFlight--;
    }
  }

  async #handle(request) {
    const headers = lowerCaseHeaders(request.headers);
    const body = typeof request.body === "string" ? Buffer.from(request.body, "utf8") : Buffer.from(request.body ?? []);
    if (body.length > this.#options.bodyLimit) {
      return problem(413, "request too large", `the body is over ${this.#options.bodyLimit} bytes`);
    }
    const text = body.toString("utf8");
    let reason = "no signing secret matched";
    const verified = this.#webhooks.some((webhook) => {
      try {
        webhook.verify(text, headers, { jsonParse: false });
        return true;
      } catch (error) {
        reason = error.message;
        return false;
      }
    });
    if (!verified) return problem(401, "bad or missing signature", reason);
    let received;
    try {
      received = parseEvents(headers, text);
    } catch (error) {
      return problem(400, "malformed CloudEvents request", error.message);
    }
    if (received === null) {
      return problem(
        415,
        "not a CloudEvents request",
        `content type \`${mediaType(headers)}\`: send ${STRUCTURED}, ${BATCH}, or binary mode with ce-* headers`,
      );
    }
    // Every payload is checked before any handler runs.
    const ready = [];
    const refused = [];
    let duplicates = 0;
    for (const envelope of received) {
      if (this.#seen.has(envelope.id) || ready.some((r) => r.envelope.id === envelope.id)) {
        duplicates++;
        continue;
      }
      const handler = this.#handlers.get(envelope.type);
      if (handler) {
        for (const v of readerViolations(envelope.type, envelope.data)) {
          refused.push({ event_id: envelope.id, pointer: v.pointer, message: v.message });
        }
      }
      ready.push({ envelope, handler });
    }
    if (refused.length > 0) {
      return problem(422, "invalid payload: do not retry", "", refused);
    }
    let handled = 0;
    let notSubscribed = 0;
    for (const { envelope, handler } of ready) {
      if (handler) {
        try {
          await handler(envelope.data, envelope);
        } catch (error) {
          return problem(500, "handler failed: retry", `event ${envelope.id}: ${error?.message ?? error}`);
        }
        handled++;
      } else {
        notSubscribed++;
      }
      this.#remember(envelope.id);
    }
    return {
      status: 200,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ handled, not_subscribed: notSubscribed, duplicates }),
    };
  }

  /**
   * A request listener for `http.createServer` and Express (`app.post("/events/", ...)`); it
   * reads the raw body itself, or takes a Buffer or string a body parser left in `req.body`.
   */
  listener() {
    return (req, res) => {
      const reply = (answer) => {
        res.writeHead(answer.status, answer.headers);
        res.end(answer.body);
      };
      if (req.method !== "POST") {
        reply(problem(405, "method not allowed", "send events with POST"));
        return;
      }
      if (req.body !== undefined && !Buffer.isBuffer(req.body) && typeof req.body !== "string") {
        reply(
          problem(
            500,
            "the body was parsed before the router saw it",
            "the signature covers the raw bytes: mount the router without a body parser, or after express.raw()",
          ),
        );
        return;
      }
      if (Buffer.isBuffer(req.body) || typeof req.body === "string") {
        this.handle({ headers: req.headers, body: req.body }).then(reply, (error) =>
          reply(problem(500, "internal error", String(error?.message ?? error))),
        );
        return;
      }
      const chunks = [];
      let size = 0;
      let tooLarge = false;
      req.on("data", (chunk) => {
        size += chunk.length;
        if (size > this.#options.bodyLimit) {
          tooLarge = true;
          chunks.length = 0;
        } else if (!tooLarge) {
          chunks.push(chunk);
        }
      });
      req.on("end", () => {
        if (tooLarge) {
          reply(problem(413, "request too large", `the body is over ${this.#options.bodyLimit} bytes`));
          return;
        }
        this.handle({ headers: req.headers, body: Buffer.concat(chunks) }).then(reply, (error) =>
          reply(problem(500, "internal error", String(error?.message ?? error))),
        );
      });
    };
  }
}
