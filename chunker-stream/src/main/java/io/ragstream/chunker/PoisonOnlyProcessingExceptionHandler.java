package io.ragstream.chunker;

import io.ragstream.schemas.RegistryAvroSerde;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.LogAndContinueProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dead-letters records whose processing failed (as {@link LogAndContinueProcessingExceptionHandler} does), except
 * when the failure is the schema registry being unreachable — e.g. the chunks could not be serialized because their
 * schema could not be registered or looked up. The input document is fine then, so the stream thread fails and
 * {@link ChunkerApp} replaces it, re-processing from the last commit.
 */
public final class PoisonOnlyProcessingExceptionHandler extends LogAndContinueProcessingExceptionHandler {
  private static final Logger LOG = LoggerFactory.getLogger(PoisonOnlyProcessingExceptionHandler.class);

  @Override
  public Response handleError(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
    if (RegistryAvroSerde.registryUnavailable(exception)) {
      LOG.warn("schema registry unavailable while processing {}-{}@{}; failing the stream thread to retry: {}",
          context.topic(), context.partition(), context.offset(), exception.toString());
      return Response.fail();
    }
    return super.handleError(context, record, exception);
  }
}
