package io.ragstream.runtime.stage;

import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A stage worker (a poll loop: {@code TransactionalStage}, {@code IndexerWorker}, ...) on its own platform thread,
 * with its liveness as {@link Health}: ready while the thread runs; failed when {@code run()} throws (a fenced
 * producer, a fatal store error) or returns without {@link #close()} having been called — either way the worker
 * does nothing any more, and a live process around it would only look healthy.
 */
public final class WorkerThread<W extends Runnable & AutoCloseable> implements Health, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(WorkerThread.class);

  private final String name;
  private final W worker;
  private final Thread thread;
  private volatile boolean closing;
  private volatile Throwable failure;

  private WorkerThread(String name, W worker) {
    this.name = Objects.requireNonNull(name, "name");
    this.worker = Objects.requireNonNull(worker, "worker");
    this.thread = Thread.ofPlatform().name("ragstream-" + name).unstarted(this::runWorker);
  }

  /** Starts {@code worker} on a thread named {@code ragstream-<name>}. */
  public static <W extends Runnable & AutoCloseable> WorkerThread<W> start(String name, W worker) {
    WorkerThread<W> handle = new WorkerThread<>(name, worker);
    handle.thread.start();
    return handle;
  }

  private void runWorker() {
    try {
      worker.run();
      if (!closing) {
        failure = new IllegalStateException("worker " + name + " stopped without being closed");
        LOG.error("{}", failure.getMessage());
      }
    } catch (Throwable e) {
      if (!closing) {
        failure = e;
        LOG.error("worker {} died", name, e);
      }
    }
  }

  public W worker() {
    return worker;
  }

  public String name() {
    return name;
  }

  @Override
  public Optional<String> notReady() {
    Throwable f = failure;
    if (f != null) {
      return Optional.of(name + " worker died: " + f);
    }
    if (closing) {
      return Optional.of(name + " worker is stopping");
    }
    return thread.isAlive() ? Optional.empty() : Optional.of(name + " worker is not running");
  }

  @Override
  public Optional<Throwable> failure() {
    return Optional.ofNullable(failure);
  }

  /** Stops the worker ({@code worker.close()} waits for its loop to end) and joins its thread. */
  @Override
  public void close() {
    closing = true;
    try {
      worker.close();
    } catch (Exception e) {
      LOG.warn("error while stopping worker {}", name, e);
    }
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
