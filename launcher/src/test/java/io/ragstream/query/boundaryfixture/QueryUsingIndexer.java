package io.ragstream.query.boundaryfixture;

import io.ragstream.indexer.IndexerConfig;
import io.ragstream.indexer.store.GenerationSetting;
import io.ragstream.runtime.config.Setting;

/**
 * A deliberate violation, for ModuleBoundariesTest's own test only (test classes are not imported by the real
 * check): query code reading the indexer's config, the dependency that store-api exists to avoid; and, allowed,
 * the store SPI's generation setting.
 */
public final class QueryUsingIndexer {
  private QueryUsingIndexer() {}

  public static Setting generation() {
    return IndexerConfig.GENERATION;
  }

  public static Setting generationThroughTheSpi() {
    return GenerationSetting.GENERATION;
  }
}
