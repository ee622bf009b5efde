package io.ragstream.chunker.code;

import java.util.List;

/**
 * A contiguous range of a source file that the chunker keeps together: a function, a class, part of a large function
 * (a run of statements), or the code between definitions. Ranges of one file follow each other without gaps, so the
 * chunks cover the file exactly.
 *
 * @param start char offset, inclusive
 * @param end char offset, exclusive
 * @param classPath the enclosing classes (or Go receiver type), outermost first
 * @param function the function or method the range is (part of), or null
 * @param definition whether the range holds a definition (class, function, or a block the fallback found), rather
 *     than the code between definitions: a package line, imports, a class's opening line and fields
 */
public record CodeUnit(int start, int end, List<String> classPath, String function, boolean definition) {}
