package io.ragstream.ingest.extract;

import static org.assertj.core.api.Assertions.assertThat;

import io.ragstream.schemas.avro.Block;
import io.ragstream.schemas.avro.BlockKind;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The content hash, which decides whether a re-published document is chunked again. */
class ExtractionTest {

  private static List<Block> owls(String language) {
    return List.of(
        Block.newBuilder().setKind(BlockKind.HEADING).setLevel(1).setText("Owls").build(),
        Block.newBuilder().setKind(BlockKind.CODE).setText("def hunt():\n    return 'mice'").setLanguage(language)
            .build(),
        Block.newBuilder().setKind(BlockKind.PARAGRAPH).setText("They hunt at night.").build());
  }

  /**
   * The hashes the extractor gave these blocks when a fence's language travelled in the document's metadata
   * ({@code block.1.language}, commit 195c377): moving the language into the block must not change them, or every
   * document already in the documents topic would look changed when it is published again.
   */
  @Test
  void hashesAreThoseOfTheMetadataContractBeforeTheLanguageMovedIntoTheBlock() {
    assertThat(Extraction.hashOf(owls(null)))
        .isEqualTo("328df23d0a195b22b4630ac2548cdbb635c59d089893eb5dec4462679ff2f6bf");
    assertThat(Extraction.hashOf(owls("python")))
        .isEqualTo("0b96c6bc208f73827fea5ad59eca9494dea0a3fa84c09e21cae5394e30c434ed");
  }

  @Test
  void changingOnlyAFencesLanguageChangesTheHash() {
    assertThat(Extraction.hashOf(owls("python"))).isNotEqualTo(Extraction.hashOf(owls("py")))
        .isNotEqualTo(Extraction.hashOf(owls(null)));
    // length-prefixed: a language cannot imitate the next block
    List<Block> split = List.of(
        Block.newBuilder().setKind(BlockKind.CODE).setText("x").setLanguage("a\nPARAGRAPH 0 1:y").build());
    List<Block> two = List.of(
        Block.newBuilder().setKind(BlockKind.CODE).setText("x").setLanguage("a").build(),
        Block.newBuilder().setKind(BlockKind.PARAGRAPH).setText("y").build());
    assertThat(Extraction.hashOf(split)).isNotEqualTo(Extraction.hashOf(two));
  }
}
