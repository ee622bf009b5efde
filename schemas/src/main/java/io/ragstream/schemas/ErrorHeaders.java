package io.ragstream.schemas;

/**
 * Header names of dead-letter records and of records that carry routing facts. The error headers are the ones
 * Kafka Streams' built-in dead-letter queue writes (KIP-1034), so that the plain-consumer stages and the Streams
 * stage produce DLQ records one tool can read and re-drive.
 */
public final class ErrorHeaders {
  public static final String EXCEPTION = "__streams.errors.exception";
  public static final String EXCEPTION_MESSAGE = "__streams.errors.message";
  public static final String EXCEPTION_STACKTRACE = "__streams.errors.stacktrace";
  public static final String TOPIC = "__streams.errors.topic";
  public static final String PARTITION = "__streams.errors.partition";
  public static final String OFFSET = "__streams.errors.offset";

  /** Our own: the stage that gave up on the record, and a short machine-readable reason. */
  public static final String STAGE = "ragstream.errors.stage";
  public static final String REASON = "ragstream.errors.reason";

  /** The docId of a chunk or embedding tombstone, which has no value to carry it. */
  public static final String DOC_ID = "ragstream.docId";
  /** The tenant of that docId ({@link DocumentKey}); tombstones written before tenant-scoped identity lack it. */
  public static final String TENANT = "ragstream.tenant";

  private ErrorHeaders() {}
}
