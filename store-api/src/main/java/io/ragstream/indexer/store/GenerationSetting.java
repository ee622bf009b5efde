package io.ragstream.indexer.store;

import io.ragstream.runtime.config.Setting;

/**
 * The index generation setting, read by the indexer (which writes it) and by the query service (which serves it).
 * Declared here, beside the store SPI both depend on, so the query service needs nothing of the indexer's.
 */
public final class GenerationSetting {
  public static final Setting GENERATION = Setting.string("generation", "g1",
      "index generation written and read until the first swap (then both follow the served one)");

  private GenerationSetting() {}
}
