package io.ragstream.launcher;

import java.io.StringWriter;
import java.util.HashMap;
import java.util.Map;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.layout.PatternLayout;

/**
 * Captures everything this JVM logs through Log4j 2 (which SLF4J, Kafka and the stages log to), messages and stack
 * traces, by adding an appender to the root logger programmatically.
 */
final class LogCapture implements AutoCloseable {
  private final StringWriter writer = new StringWriter();
  private final LoggerContext context = (LoggerContext) LogManager.getContext(false);
  private final Appender appender;
  private final Map<LoggerConfig, Level> previousLevels = new HashMap<>();

  LogCapture(Level level) {
    Configuration config = context.getConfiguration();
    appender = WriterAppender.newBuilder().setName("secrets-capture").setTarget(writer)
        .setLayout(PatternLayout.newBuilder().withPattern("%d %p [%t] %c - %m%n%throwable").build()).build();
    appender.start();
    config.addAppender(appender);
    config.getRootLogger().addAppender(appender, level, null);
    // every configured logger (Kafka's are at WARN) down to the capture level: what an operator who turns logging
    // up would see must be clean too
    for (LoggerConfig logger : config.getLoggers().values()) {
      previousLevels.put(logger, logger.getLevel());
      logger.setLevel(level);
    }
    context.updateLoggers();
  }

  String text() {
    synchronized (writer) {
      return writer.toString();
    }
  }

  @Override
  public void close() {
    Configuration config = context.getConfiguration();
    config.getRootLogger().removeAppender(appender.getName());
    previousLevels.forEach(LoggerConfig::setLevel);
    context.updateLoggers();
    appender.stop();
  }
}
