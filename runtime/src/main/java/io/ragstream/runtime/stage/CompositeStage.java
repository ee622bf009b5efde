package io.ragstream.runtime.stage;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A stage made of parts: workers and Streams clients whose {@link Health} makes up the stage's, and resources
 * (models, stores, servers) closed with it. Everything is closed in reverse order of registration, so a worker stops
 * before the store it writes to. A stage module builds one in its {@code start} method and, when something fails
 * half-way, closes what it already started before rethrowing ({@link #closeAfterFailedStart}).
 */
public final class CompositeStage implements StageHandle {
  private static final Logger LOG = LoggerFactory.getLogger(CompositeStage.class);

  private final String name;
  private final Deque<AutoCloseable> closeables = new ArrayDeque<>();
  private final List<Health> parts = new ArrayList<>();
  private final Health health = Health.all(parts);
  private volatile int httpPort = -1;
  private volatile boolean closed;

  public CompositeStage(String name) {
    this.name = Objects.requireNonNull(name, "name");
  }

  /** Closed with the stage, in reverse order of registration. */
  public <T extends AutoCloseable> T resource(T closeable) {
    Objects.requireNonNull(closeable, "closeable");
    synchronized (closeables) {
      closeables.push(closeable);
    }
    return closeable;
  }

  /** Part of the stage's health, and closed with it. */
  public <T extends Health & AutoCloseable> T part(T part) {
    synchronized (parts) {
      parts.add(part);
    }
    return resource(part);
  }

  /** A health check that is not closed with the stage (a server's readiness, say). */
  public CompositeStage check(Health check) {
    synchronized (parts) {
      parts.add(check);
    }
    return this;
  }

  /** Starts {@code worker} on its own thread as a part of this stage. */
  public <W extends Runnable & AutoCloseable> WorkerThread<W> worker(String workerName, W worker) {
    try {
      return part(WorkerThread.start(workerName, worker));
    } catch (RuntimeException e) {
      try {
        worker.close();
      } catch (Exception suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  public CompositeStage httpPort(int port) {
    this.httpPort = port;
    return this;
  }

  @Override
  public int httpPort() {
    return httpPort;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Optional<String> notReady() {
    if (closed) {
      return Optional.of(name + " is stopped");
    }
    synchronized (parts) {
      return health.notReady();
    }
  }

  @Override
  public Optional<Throwable> failure() {
    synchronized (parts) {
      return health.failure();
    }
  }

  /** Closes what a failed {@code start} had opened and rethrows its failure. */
  public RuntimeException closeAfterFailedStart(Throwable failure) {
    try {
      close();
    } catch (RuntimeException e) {
      failure.addSuppressed(e);
    }
    if (failure instanceof RuntimeException runtime) {
      return runtime;
    }
    if (failure instanceof Error error) {
      throw error;
    }
    return new IllegalStateException(name + " did not start: " + failure.getMessage(), failure);
  }

  @Override
  public void close() {
    closed = true;
    while (true) {
      AutoCloseable closeable;
      synchronized (closeables) {
        closeable = closeables.poll();
      }
      if (closeable == null) {
        return;
      }
      try {
        closeable.close();
      } catch (Exception e) {
        LOG.warn("{}: error while closing {}", name, closeable.getClass().getSimpleName(), e);
      }
    }
  }
}
