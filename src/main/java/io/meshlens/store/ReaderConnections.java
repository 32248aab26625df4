package io.meshlens.store;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.duckdb.DuckDBConnection;

/**
 * Read connections to one DuckDB database, kept open between reads instead of a new {@link
 * DuckDBConnection#duplicate()} per read: closing a DuckDB connection makes the next large query on
 * the database markedly slower (a 30 s example lookup of the isolation audit over 4.5 million
 * access log entries: about 33 ms on a connection kept open, about 60 ms right after another
 * connection was closed), so every read paid that price.
 *
 * <p>{@link #get()} hands out a connection whose {@code close()} returns it here; at most {@code
 * maxIdle} wait for the next read, any more are closed. Reads run in auto-commit mode, each
 * statement in its own transaction, so a returned connection carries nothing into the next read;
 * one that is no longer in auto-commit mode is closed rather than kept. Thread-safe.
 */
public final class ReaderConnections implements AutoCloseable {

  /** Connections a store keeps open between reads: about as many reads as run at once. */
  public static final int KEPT = 4;

  private final DuckDBConnection source;
  private final int maxIdle;
  private final Deque<Connection> idle = new ArrayDeque<>(); // guarded by this
  private boolean closed; // guarded by this

  /**
   * @param source the connection new read connections are duplicated from (the store's writer)
   * @param maxIdle how many connections to keep open between reads
   */
  public ReaderConnections(DuckDBConnection source, int maxIdle) {
    this.source = source;
    this.maxIdle = maxIdle;
  }

  /** A read connection; closing it hands it back. */
  public Connection get() throws SQLException {
    Connection c;
    synchronized (this) {
      if (closed) {
        throw new SQLException("the database is closed");
      }
      c = idle.pollFirst();
    }
    if (c == null) {
      c = source.duplicate();
      // A duplicate takes the source's mode, and the stores' writers are not in auto-commit mode:
      // such a connection would be closed rather than kept when handed back.
      c.setAutoCommit(true);
    }
    return lease(c);
  }

  /** Connections waiting for a read; for tests. */
  synchronized int idle() {
    return idle.size();
  }

  private Connection lease(Connection c) {
    AtomicBoolean returned = new AtomicBoolean();
    return (Connection)
        Proxy.newProxyInstance(
            Connection.class.getClassLoader(),
            new Class<?>[] {Connection.class},
            (proxy, method, args) -> {
              String name = method.getName();
              if (method.getParameterCount() == 0) {
                if (name.equals("close")) {
                  if (returned.compareAndSet(false, true)) {
                    release(c);
                  }
                  return null;
                }
                if (name.equals("isClosed")) {
                  return returned.get() || c.isClosed();
                }
                if (name.equals("hashCode")) {
                  return System.identityHashCode(proxy);
                }
                if (name.equals("toString")) {
                  return "ReaderConnections lease of " + c;
                }
              }
              if (name.equals("equals") && method.getParameterCount() == 1) {
                return proxy == args[0];
              }
              if (returned.get()) {
                throw new SQLException("connection already closed");
              }
              try {
                return method.invoke(c, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }

  private void release(Connection c) throws SQLException {
    boolean keep;
    synchronized (this) {
      keep = !closed && idle.size() < maxIdle && !c.isClosed() && c.getAutoCommit();
      if (keep) {
        idle.offerFirst(c);
      }
    }
    if (!keep) {
      c.close();
    }
  }

  /** Closes the waiting connections; connections handed out close when they are returned. */
  @Override
  public void close() throws SQLException {
    List<Connection> waiting;
    synchronized (this) {
      closed = true;
      waiting = new ArrayList<>(idle);
      idle.clear();
    }
    SQLException first = null;
    for (Connection c : waiting) {
      try {
        c.close();
      } catch (SQLException e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
