package io.ragstream.launcher;

import io.ragstream.ingest.extract.Extraction;
import io.ragstream.ingest.extract.ExtractLimits;
import io.ragstream.ingest.extract.OcrSettings;
import io.ragstream.ingest.extract.ScannedImages;
import io.ragstream.ingest.extract.TikaExtractor;
import io.ragstream.schemas.avro.Block;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Measures OCR as the extract stage runs it: one isolated extract child (the production path, Tika driving
 * Tesseract) reads an image-only PDF of {@code --pages} generated A4 pages, then {@code --images} PNGs of printed
 * text. The scans are made here ({@link ScannedImages}), so anyone can re-take the figure in docs/BENCHMARKS.md; a
 * one-page PDF warms the child first and is not counted. The words-found column is the share of the printed words
 * that came back, so a fast run that read nothing cannot pass for a result. The last line is
 * {@code RESULT ocr_pages_per_s=<x> ocr_images_per_s=<y>}.
 */
@Command(name = "ocr", mixinStandardHelpOptions = true,
    description = "Benchmark OCR: pages/s of the isolated extract child (Tika + Tesseract) on generated scans.")
public final class BenchOcrCommand implements Callable<Integer> {

  @Option(names = "--pages", defaultValue = "20", description = "pages of the image-only PDF (default: ${DEFAULT-VALUE})")
  int pages;

  @Option(names = "--images", defaultValue = "10", description = "PNG images read one by one (default: ${DEFAULT-VALUE})")
  int images;

  @Option(names = "--child-heap-mb", defaultValue = "768",
      description = "heap of the extract child (default: ${DEFAULT-VALUE})")
  int childHeapMb;

  @Override
  public Integer call() throws Exception {
    if (pages < 1 || images < 0 || childHeapMb < 64) {
      System.err.println("bench ocr: --pages must be at least 1, --images at least 0, --child-heap-mb at least 64");
      return 2;
    }
    OcrSettings ocr;
    try {
      ocr = OcrSettings.fromEnvironment();
    } catch (IllegalArgumentException | IllegalStateException e) {
      System.err.println("bench ocr: " + e.getMessage());
      return 2;
    }
    if (!ocr.enabled()) {
      System.err.println("bench ocr: OCR is off (no 'tesseract' on the PATH, or " + OcrSettings.MODE_VARIABLE
          + "=off); install it (Debian: apt-get install tesseract-ocr) to measure");
      return 2;
    }
    // the page cap and the document budget protect the pipeline; here they must not cut the measured PDF short
    Duration budget = ocr.pageTimeout().multipliedBy(pages);
    ocr = ocr.withMaxPages(Math.max(ocr.maxPages(), pages))
        .withDocumentTimeout(budget.compareTo(ocr.documentTimeout()) > 0 ? budget : ocr.documentTimeout());

    List<List<String>> pdfPages = new ArrayList<>();
    for (int i = 1; i <= pages; i++) {
      pdfPages.add(lines(i));
    }
    byte[] pdf = ScannedImages.imageOnlyPdf(pdfPages);
    List<byte[]> pngs = new ArrayList<>();
    for (int i = 1; i <= images; i++) {
      pngs.add(ScannedImages.image(lines(1000 + i), "png"));
    }

    System.out.printf("Tesseract language %s, extract child heap %d MiB, %d cores%n", ocr.language(), childHeapMb,
        Runtime.getRuntime().availableProcessors());
    try (TikaExtractor extractor = TikaExtractor.isolated(ExtractLimits.DEFAULTS, childHeapMb, ocr)) {
      extractor.extract(ScannedImages.imageOnlyPdf(List.of(lines(0))), "application/pdf", "warm-up.pdf");

      long start = System.nanoTime();
      Extraction read = extractor.extract(pdf, "application/pdf", "survey.pdf");
      double pdfSeconds = (System.nanoTime() - start) / 1e9;
      String ocrPages = read.metadata().get(Extraction.OCR_PAGES);
      if (!"true".equals(read.metadata().get(Extraction.OCR)) || !String.valueOf(pages).equals(ocrPages)) {
        System.err.printf("bench ocr: the PDF was not OCR'd page by page (ocr=%s, ocrPages=%s, skipped=%s)%n",
            read.metadata().get(Extraction.OCR), ocrPages, read.metadata().get(Extraction.OCR_SKIPPED));
        return 1;
      }
      double pdfFound = wordsFound(pdfPages, read);

      double imageSeconds = 0;
      List<List<String>> imageLines = new ArrayList<>();
      List<Extraction> imageReads = new ArrayList<>();
      for (int i = 0; i < pngs.size(); i++) {
        long t = System.nanoTime();
        imageReads.add(extractor.extract(pngs.get(i), "image/png", "scan-" + i + ".png"));
        imageSeconds += (System.nanoTime() - t) / 1e9;
        imageLines.add(lines(1001 + i));
      }

      double pagesPerSecond = pages / pdfSeconds;
      double imagesPerSecond = images == 0 ? Double.NaN : images / imageSeconds;
      System.out.printf("%-22s %7s %9s %10s %12s%n", "input", "items", "time s", "items/s", "words found");
      System.out.printf("%-22s %7d %9.1f %10.2f %11.1f%%%n", "image-only PDF pages", pages, pdfSeconds,
          pagesPerSecond, 100 * pdfFound);
      if (images > 0) {
        System.out.printf("%-22s %7d %9.1f %10.2f %11.1f%%%n", "PNG images", images, imageSeconds, imagesPerSecond,
            100 * wordsFound(imageLines, imageReads));
      }
      System.out.printf(Locale.ROOT, "RESULT ocr_pages_per_s=%.3f ocr_images_per_s=%.3f%n", pagesPerSecond,
          imagesPerSecond);
    }
    return 0;
  }

  /** Three printed lines; the number makes each page's text its own. */
  static List<String> lines(int number) {
    return List.of("Survey sheet " + number + " of the harbour authority",
        "The breakwater was inspected and found sound.",
        "Tide gauges on the northern pier read normal levels.");
  }

  /** The share of the distinct printed words (letters and digits, lower case) that the extracted text contains. */
  static double wordsFound(List<List<String>> printed, List<Extraction> reads) {
    Set<String> expected = words(printed.stream().flatMap(List::stream).collect(Collectors.joining(" ")));
    Set<String> got = words(reads.stream().flatMap(r -> r.blocks().stream()).map(Block::getText)
        .collect(Collectors.joining(" ")));
    long found = expected.stream().filter(got::contains).count();
    return expected.isEmpty() ? 1 : (double) found / expected.size();
  }

  private static double wordsFound(List<List<String>> printed, Extraction read) {
    return wordsFound(printed, List.of(read));
  }

  private static Set<String> words(String text) {
    return Arrays.stream(text.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+")).filter(w -> !w.isEmpty())
        .collect(Collectors.toCollection(TreeSet::new));
  }
}
