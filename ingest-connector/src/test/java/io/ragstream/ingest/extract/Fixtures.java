package io.ragstream.ingest.extract;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.encryption.AccessPermission;
import org.apache.pdfbox.pdmodel.encryption.StandardProtectionPolicy;
import org.apache.pdfbox.pdmodel.font.PDType1Font;
import org.apache.pdfbox.pdmodel.font.Standard14Fonts;
import org.apache.poi.xwpf.usermodel.XWPFAbstractNum;
import org.apache.poi.xwpf.usermodel.XWPFDocument;
import org.apache.poi.xwpf.usermodel.XWPFNumbering;
import org.apache.poi.xwpf.usermodel.XWPFParagraph;
import org.apache.poi.xwpf.usermodel.XWPFStyle;
import org.apache.poi.xwpf.usermodel.XWPFStyles;
import org.apache.poi.xwpf.usermodel.XWPFTable;
import org.openxmlformats.schemas.wordprocessingml.x2006.main.CTAbstractNum;
import org.openxmlformats.schemas.wordprocessingml.x2006.main.CTLvl;
import org.openxmlformats.schemas.wordprocessingml.x2006.main.CTStyle;
import org.openxmlformats.schemas.wordprocessingml.x2006.main.STNumberFormat;
import org.openxmlformats.schemas.wordprocessingml.x2006.main.STStyleType;

/** Documents generated in memory with the libraries Tika itself uses, so no test reads a file. */
final class Fixtures {
  private Fixtures() {}

  static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /** One page per entry, each entry's lines written as one text block. */
  static byte[] pdf(String title, List<List<String>> pages) {
    return pdf(title, pages, null, doc -> { });
  }

  static byte[] encryptedPdf(String text) {
    return pdf(null, List.of(List.of(text)), "secret");
  }

  /** Builds something in a PDF that its pages are already part of: an outline, named destinations. */
  @FunctionalInterface
  interface PdfPart {
    void addTo(PDDocument doc) throws IOException;
  }

  /** A PDF as {@link #pdf(String, List)} makes one, with {@code outline} run on it before it is saved. */
  static byte[] pdf(String title, List<List<String>> pages, PdfPart outline) {
    return pdf(title, pages, null, outline);
  }

  private static byte[] pdf(String title, List<List<String>> pages, String userPassword) {
    return pdf(title, pages, userPassword, doc -> { });
  }

  private static byte[] pdf(String title, List<List<String>> pages, String userPassword, PdfPart extra) {
    try (PDDocument doc = new PDDocument(); ByteArrayOutputStream out = new ByteArrayOutputStream()) {
      PDType1Font font = new PDType1Font(Standard14Fonts.FontName.HELVETICA);
      for (List<String> lines : pages) {
        PDPage page = new PDPage();
        doc.addPage(page);
        try (PDPageContentStream stream = new PDPageContentStream(doc, page)) {
          stream.beginText();
          stream.setFont(font, 12);
          stream.newLineAtOffset(72, 700);
          for (String line : lines) {
            stream.showText(line);
            stream.newLineAtOffset(0, -15);
          }
          stream.endText();
        }
      }
      if (title != null) {
        doc.getDocumentInformation().setTitle(title);
      }
      extra.addTo(doc);
      if (userPassword != null) {
        StandardProtectionPolicy policy = new StandardProtectionPolicy("owner-" + userPassword, userPassword,
            new AccessPermission());
        policy.setEncryptionKeyLength(128);
        doc.protect(policy);
      }
      doc.save(out);
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A Word document as Word writes one: the heading and list paragraphs use the built-in "heading 1" and
   * "List Paragraph" styles (which a blank POI document lacks, so they are declared here), the bullets come from a
   * numbering definition.
   */
  static byte[] docx(String heading, String paragraph, List<String> bullets, String nestedBullet,
      List<List<String>> table) {
    try (XWPFDocument doc = new XWPFDocument(); ByteArrayOutputStream out = new ByteArrayOutputStream()) {
      XWPFStyles styles = doc.createStyles();
      styles.addStyle(new XWPFStyle(style("Heading1", "heading 1")));
      styles.addStyle(new XWPFStyle(style("ListParagraph", "List Paragraph")));

      XWPFParagraph title = doc.createParagraph();
      title.setStyle("Heading1");
      title.createRun().setText(heading);
      doc.createParagraph().createRun().setText(paragraph);

      BigInteger numId = bulletNumbering(doc.createNumbering());
      for (String bullet : bullets) {
        listParagraph(doc, numId, 0, bullet);
      }
      listParagraph(doc, numId, 1, nestedBullet);

      XWPFTable grid = doc.createTable(table.size(), table.getFirst().size());
      for (int r = 0; r < table.size(); r++) {
        for (int c = 0; c < table.get(r).size(); c++) {
          grid.getRow(r).getCell(c).setText(table.get(r).get(c));
        }
      }
      doc.getProperties().getCoreProperties().setCreator("Ada Lovelace");
      doc.write(out);
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static CTStyle style(String id, String name) {
    CTStyle style = CTStyle.Factory.newInstance();
    style.setStyleId(id);
    style.addNewName().setVal(name);
    style.setType(STStyleType.PARAGRAPH);
    return style;
  }

  private static BigInteger bulletNumbering(XWPFNumbering numbering) {
    CTAbstractNum bullets = CTAbstractNum.Factory.newInstance();
    bullets.setAbstractNumId(BigInteger.ZERO);
    String[] glyphs = {"\u2022", "o"};
    for (int level = 0; level < glyphs.length; level++) {
      CTLvl lvl = bullets.addNewLvl();
      lvl.setIlvl(BigInteger.valueOf(level));
      lvl.addNewStart().setVal(BigInteger.ONE);
      lvl.addNewNumFmt().setVal(STNumberFormat.BULLET);
      lvl.addNewLvlText().setVal(glyphs[level]);
    }
    return numbering.addNum(numbering.addAbstractNum(new XWPFAbstractNum(bullets)));
  }

  private static void listParagraph(XWPFDocument doc, BigInteger numId, int level, String text) {
    XWPFParagraph item = doc.createParagraph();
    item.setStyle("ListParagraph");
    item.setNumID(numId);
    item.setNumILvl(BigInteger.valueOf(level));
    item.createRun().setText(text);
  }
}
