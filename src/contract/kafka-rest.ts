/**
 * The media types of the Kafka REST Proxy's v2 API (PIPELINE_SPEC.md §2, §3), defined once: the
 * emulation and the doctor send them, the local REST proxy accepts and answers with them.
 */

/** Records whose values are JSON: the only type the batch path sends. */
export const KAFKA_JSON_V2 = 'application/vnd.kafka.json.v2+json';
/** Records whose values are base64 bytes; the REST proxy accepts it too. */
export const KAFKA_BINARY_V2 = 'application/vnd.kafka.binary.v2+json';
/** Every v2 answer's type, and what a client accepts. */
export const KAFKA_V2 = 'application/vnd.kafka.v2+json';
