package io.ragstream.ingest.extract;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import javax.imageio.ImageIO;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.common.PDRectangle;
import org.apache.pdfbox.pdmodel.graphics.image.LosslessFactory;
import org.apache.pdfbox.pdmodel.graphics.image.PDImageXObject;

/**
 * Scans made on the spot: printed text rendered into an image, and PDFs whose pages are only images. The OCR tests
 * and {@code ragstream bench ocr} read them, so they sit in main code (one copy, no test-jar needed by the benchmark);
 * nothing in the pipeline calls them.
 */
public final class ScannedImages {
  private ScannedImages() {}

  /** Black lines of text on white, large and clean enough for Tesseract, as the image format named (png, tiff). */
  public static byte[] image(List<String> lines, String format) throws IOException {
    BufferedImage image = render(lines);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    if (!ImageIO.write(image, format, out)) {
      throw new IllegalArgumentException("no ImageIO writer for " + format);
    }
    return out.toByteArray();
  }

  /** A PDF with one page per entry, each page only a picture of its lines: no text layer at all. */
  public static byte[] imageOnlyPdf(List<List<String>> pages) throws IOException {
    try (PDDocument document = new PDDocument()) {
      for (List<String> lines : pages) {
        PDPage page = new PDPage(PDRectangle.A4);
        document.addPage(page);
        PDImageXObject picture = LosslessFactory.createFromImage(document, render(lines));
        try (PDPageContentStream content = new PDPageContentStream(document, page)) {
          float width = page.getMediaBox().getWidth() - 72;
          float height = width * picture.getHeight() / picture.getWidth();
          content.drawImage(picture, 36, page.getMediaBox().getHeight() - 36 - height, width, height);
        }
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      document.save(out);
      return out.toByteArray();
    }
  }

  private static BufferedImage render(List<String> lines) {
    int lineHeight = 60;
    BufferedImage image = new BufferedImage(1600, 80 + lineHeight * lines.size(), BufferedImage.TYPE_BYTE_GRAY);
    Graphics2D g = image.createGraphics();
    try {
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, image.getWidth(), image.getHeight());
      g.setColor(Color.BLACK);
      g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setFont(new Font(Font.SERIF, Font.PLAIN, 40));
      for (int i = 0; i < lines.size(); i++) {
        g.drawString(lines.get(i), 40, 70 + i * lineHeight);
      }
    } finally {
      g.dispose();
    }
    return image;
  }
}
