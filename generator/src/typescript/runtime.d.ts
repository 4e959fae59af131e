
/** The CloudEvents 1.0 envelope every event travels in. */
export interface Envelope<K extends EventType = EventType> {
  specversion: "1.0";
  id: string;
  source: string;
  /** `<domain>.<event>.v<N>` */
  type: K;
  time?: string;
  datacontenttype?: "application/json";
  dataschema?: string;
  subject?: string;
  /** The partition key the record was put with (CloudEvents Partitioning extension). */
  partitionkey: string;
  data: Events[K];
}

/** One way a payload breaks its schema. */
export interface Violation {
  /** JSON Pointer into the payload. */
  pointer: string;
  message: string;
  /** The JSON Schema keyword that failed. */
  keyword: string;
}

/** What the package knows of each event. */
export interface EventEntry {
  eventType: string;
  version: number;
  /** JSON Pointer to the partition key in the payload. */
  partitionKey: string;
  dataschema: string;
  /** The Ajv standalone validator of the bundled (writer's) schema. */
  validate: ((payload: unknown) => boolean) & { errors?: unknown[] | null };
  /** The same for the reader's schema: members a consumer does not know are ignored. */
  validateReader: ((payload: unknown) => boolean) & { errors?: unknown[] | null };
}

export declare const events: { readonly [K in EventType]: EventEntry };
export declare const STRUCTURED: "application/cloudevents+json";
export declare const BATCH: "application/cloudevents-batch+json";
export declare const DATA_CONTENT_TYPE: "application/json";
export declare const MAX_RECORD_BYTES: number;

/** Splits `<domain>.<event>.v<N>` into `[<domain>.<event>, N]`; `null` when it is not one. */
export declare function splitType(cloudEventsType: string): [string, number] | null;
/** Every violation of `payload` against the schema of `type`. */
export declare function violations(type: EventType, payload: unknown): Violation[];
/** Every violation of a received payload against what a consumer of `type` takes. */
export declare function readerViolations(type: EventType, payload: unknown): Violation[];
/** Whether `payload` is valid for `type`. */
export declare function validate<K extends EventType>(type: K, payload: unknown): payload is Events[K];

/** A payload that breaks its schema: nothing was sent. */
export declare class InvalidPayload extends Error {
  readonly type: EventType;
  readonly violations: Violation[];
}

export interface EncodeOptions {
  /** The envelope `source`; the registry's by default. */
  source?: string;
  /** A UUID v4 by default. */
  id?: string;
  /** Now by default. */
  time?: Date | string;
  subject?: string;
}

export interface Encoded<K extends EventType> {
  envelope: Envelope<K>;
  /** Ready for the AWS SDK's `PutRecords` (`Records: [record]`). */
  record: { Data: Uint8Array; PartitionKey: string };
}

/** Validates `payload` and wraps it in its envelope with its partition key. */
export declare function encode<K extends EventType>(
  type: K,
  payload: Events[K],
  options?: EncodeOptions,
): Encoded<K>;

export type Handler<K extends EventType> = (
  payload: Events[K],
  envelope: Envelope<K>,
) => void | Promise<void>;

export interface RouterOptions {
  /** Standard Webhooks secrets (`whsec_…`): the current one and, while rotating, the previous. */
  secrets: string[];
  /** The largest body taken, in bytes (413 above it); 1 MiB by default. */
  bodyLimit?: number;
  /** How many handled event ids are remembered to drop duplicates; 100,000 by default. */
  dedupWindow?: number;
  /** Requests handled at once; one more is answered 429. 64 by default. */
  maxInFlight?: number;
  /** `Retry-After` of a 429, in seconds; 1 by default. */
  retryAfterSeconds?: number;
}

export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface IncomingRequest {
  headers: Record<string, string | string[] | undefined>;
  body: Uint8Array | string;
}

/** The `POST /events/` endpoint: verifies, validates, then calls the typed handlers. */
export declare class Router {
  constructor(options: RouterOptions);
  on<K extends EventType>(type: K, handler: Handler<K>): this;
  handle(request: IncomingRequest): Promise<Answer>;
  /** For `http.createServer(router.listener())` and `app.post("/events/", router.listener())`. */
  listener(): (
    request: import("node:http").IncomingMessage & { body?: unknown },
    response: import("node:http").ServerResponse,
  ) => void;
}
