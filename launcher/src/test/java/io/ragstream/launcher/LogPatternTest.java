package io.ragstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.impl.Log4jLogEvent;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.apache.logging.log4j.message.ParameterizedMessage;
import org.junit.jupiter.api.Test;

/** The shipped log pattern escapes what clients control, so an id cannot forge a log line or drive a terminal. */
class LogPatternTest {
  @Test
  void controlCharactersInAMessageAreEscapedAndStackTracesStayReadable() throws Exception {
    String config;
    try (InputStream in = LogPatternTest.class.getResourceAsStream("/log4j2.xml")) {
      config = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
    Matcher m = Pattern.compile("pattern=\"([^\"]+)\"").matcher(config);
    assertThat(m.find()).isTrue();
    String pattern = m.group(1).replace("&amp;", "&");
    PatternLayout layout = PatternLayout.newBuilder().withPattern(pattern).build();
    LogEvent event = Log4jLogEvent.newBuilder().setLoggerName("t").setLevel(Level.WARN)
        .setMessage(new ParameterizedMessage("rejected {}", "doc\nINFO forged line\u001b[2J"))
        .setThrown(new IllegalStateException("boom")).build();

    String line = layout.toSerializable(event);

    assertThat(line).contains("rejected doc\\nINFO forged line?[2J").doesNotContain("\u001b");
    assertThat(line.lines().filter(l -> l.contains("forged")).count()).isEqualTo(1);
    assertThat(line).contains("java.lang.IllegalStateException: boom").contains("\tat ");
  }
}
