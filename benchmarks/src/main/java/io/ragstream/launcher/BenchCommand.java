package io.ragstream.launcher;

import picocli.CommandLine.Command;

/**
 * {@code ragstream bench}: benchmarks that print a table and a last {@code RESULT} line. Each subcommand lives in
 * its own class; add new ones to the list below.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Benchmarks; each prints a table and a last line starting with RESULT.",
    subcommands = {
        BenchEmbedCommand.class,
        BenchChunkCommand.class,
        BenchPipelineCommand.class,
        BenchIngestCommand.class,
        BenchChaosCommand.class,
        FreshnessCommand.class,
        BenchQueryCommand.class,
        BenchOcrCommand.class,
    })
public final class BenchCommand {}
