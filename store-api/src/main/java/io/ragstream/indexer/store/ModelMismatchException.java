package io.ragstream.indexer.store;

/**
 * A query vector of one model was sent to vectors of another, typically because a generation of another model was
 * swapped in between embedding the query and searching. The caller embeds the query again with {@link #held()}.
 */
public final class ModelMismatchException extends RuntimeException {
  private final String held;
  private final String requested;

  public ModelMismatchException(String held, String requested) {
    super("the index holds vectors of model " + held + ", the query vector is from " + requested);
    this.held = held;
    this.requested = requested;
  }

  /** The model of the vectors the index holds. */
  public String held() {
    return held;
  }

  /** The model that computed the refused query vector. */
  public String requested() {
    return requested;
  }
}
