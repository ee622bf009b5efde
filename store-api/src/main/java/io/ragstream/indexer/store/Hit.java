package io.ragstream.indexer.store;

/** One result of a retriever: the chunk and the retriever's own score (BM25, or vector similarity). */
public record Hit(StoredChunk chunk, float score) {}
