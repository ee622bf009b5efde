package io.ragstream.runtime.stage;

/**
 * A started stage: what {@code XStage.start(config, kafka, metrics)} of each stage module returns, whichever way it
 * runs ({@code ragstream up}, {@code ragstream stage X}, the local cluster, tests). {@link #close()} stops it
 * cleanly (the current batch is committed or aborted and re-read later) and releases what it opened.
 */
public interface StageHandle extends Health, AutoCloseable {
  /** The stage's name: extract, chunker, embedder, indexer, status, query or ingest. */
  String name();

  /**
   * The port its HTTP API serves on, with {@code /health}, {@code /ready} and {@code /metrics} beside it (query,
   * ingest), or -1 for a stage without one (a stage process then serves those three on a port of its own).
   */
  default int httpPort() {
    return -1;
  }

  @Override
  void close();
}
