package io.ragstream.runtime.http;

/**
 * An endpoint. It writes its success response (see {@link Responses}) and throws for everything else; wrap it in
 * {@link SafeHandler} to turn what it throws into JSON errors.
 */
@FunctionalInterface
public interface RequestHandler {
  void handle(Request request) throws Exception;
}
