package io.ragstream.chunker;

import io.ragstream.schemas.RegistryAvroSerde;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dead-letters records that cannot be decoded (as {@link LogAndContinueExceptionHandler} does, to the configured
 * DLQ), but not records that could not be decoded because the schema registry was unreachable: those are good
 * records, so the stream thread fails instead and {@link ChunkerApp} replaces it, re-reading from the last commit.
 */
public final class PoisonOnlyDeserializationHandler extends LogAndContinueExceptionHandler {
  private static final Logger LOG = LoggerFactory.getLogger(PoisonOnlyDeserializationHandler.class);

  @Override
  public Response handleError(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record,
      Exception exception) {
    if (RegistryAvroSerde.registryUnavailable(exception)) {
      LOG.warn("schema registry unavailable while reading {}-{}@{}; failing the stream thread to retry: {}",
          record.topic(), record.partition(), record.offset(), exception.toString());
      return Response.fail();
    }
    return super.handleError(context, record, exception);
  }
}
