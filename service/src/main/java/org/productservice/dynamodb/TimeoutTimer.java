package org.productservice.dynamodb;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The scheduler of the DynamoDB client's call and attempt timeouts, on a coarse clock.
 *
 * <p>The SDK arms two timeouts on every call (the call's and the attempt's) and cancels both a few
 * milliseconds later, when DynamoDB answers. On the SDK's default {@code ScheduledThreadPoolExecutor}
 * each of those schedules and cancels re-sorts a queue and wakes the timer thread: measured under
 * GET load, that thread alone took 10 % of the process's CPU (docs/PERFORMANCE.md, decision 10).
 * Here arming a timeout only appends it to a queue and cancelling it only flips its state; one
 * thread sweeps the queue every {@code tick}, drops the cancelled ones and runs the due ones. A
 * timeout then fires up to one tick late, which does not matter for timeouts of a second or more.
 *
 * <p>Only one-shot {@link Runnable} tasks, which is what the SDK's timeouts use, take this path;
 * anything else (periodic tasks, callables) goes to an ordinary scheduled executor, created on first use.
 */
public final class TimeoutTimer extends AbstractExecutorService implements ScheduledExecutorService {
    private static final int PENDING = 0;
    private static final int CANCELLED = 1;
    private static final int RUNNING = 2;
    private static final int RUN = 3;

    private final long tickNanos;
    private final ConcurrentLinkedQueue<Timeout> armed = new ConcurrentLinkedQueue<>();
    private final Thread sweeper;
    private volatile boolean shutdown;
    private volatile ScheduledExecutorService others;

    /**
     * Starts the timer's thread.
     *
     * @param tick how often due timeouts are looked for: the most a timeout fires late
     */
    public TimeoutTimer(Duration tick) {
        if (!tick.isPositive()) {
            throw new IllegalArgumentException("tick must be positive");
        }
        this.tickNanos = tick.toNanos();
        this.sweeper = Thread.ofPlatform().daemon().name("dynamodb-timeouts").start(this::sweepUntilShutdown);
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
        if (shutdown) {
            throw new RejectedExecutionException("the timeout timer is shut down");
        }
        Timeout timeout = new Timeout(command, System.nanoTime() + unit.toNanos(delay));
        armed.add(timeout);
        return timeout;
    }

    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
        return others().schedule(callable, delay, unit);
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
        return others().scheduleAtFixedRate(command, initialDelay, period, unit);
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
        return others().scheduleWithFixedDelay(command, initialDelay, delay, unit);
    }

    @Override
    public void execute(Runnable command) {
        others().execute(command);
    }

    @Override
    public void shutdown() {
        shutdown = true;
        LockSupport.unpark(sweeper);
        ScheduledExecutorService delegate = others;
        if (delegate != null) {
            delegate.shutdown();
        }
    }

    @Override
    public List<Runnable> shutdownNow() {
        shutdown();
        List<Runnable> unrun = armed.stream().filter(t -> t.state.get() == PENDING).map(t -> t.command).toList();
        armed.clear();
        ScheduledExecutorService delegate = others;
        if (delegate != null) {
            delegate.shutdownNow();
        }
        return unrun;
    }

    @Override
    public boolean isShutdown() {
        return shutdown;
    }

    @Override
    public boolean isTerminated() {
        ScheduledExecutorService delegate = others;
        return shutdown && !sweeper.isAlive() && (delegate == null || delegate.isTerminated());
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        sweeper.join(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        ScheduledExecutorService delegate = others;
        if (delegate != null) {
            delegate.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
        return isTerminated();
    }

    /** Timeouts armed and not yet run or dropped (cancelled ones stay until the next sweep). */
    int armedCount() {
        return armed.size();
    }

    private ScheduledExecutorService others() {
        ScheduledExecutorService delegate = others;
        if (delegate == null) {
            synchronized (this) {
                delegate = others;
                if (delegate == null) {
                    delegate = Executors.newSingleThreadScheduledExecutor(
                            Thread.ofPlatform().daemon().name("dynamodb-scheduler").factory());
                    others = delegate;
                }
            }
        }
        return delegate;
    }

    private void sweepUntilShutdown() {
        while (!shutdown) {
            LockSupport.parkNanos(tickNanos);
            sweep(System.nanoTime());
        }
    }

    /** Drops cancelled timeouts and runs the due ones, on this thread: a timeout's task only interrupts and aborts. */
    void sweep(long now) {
        for (var it = armed.iterator(); it.hasNext(); ) {
            Timeout timeout = it.next();
            if (timeout.state.get() == CANCELLED) {
                it.remove();
            } else if (now - timeout.due >= 0) {
                it.remove();
                timeout.run();
            }
        }
    }

    /** One armed timeout: its task, when it is due, and whether it was cancelled or has run. */
    private static final class Timeout implements ScheduledFuture<Object> {
        private final Runnable command;
        private final long due;
        private final AtomicInteger state = new AtomicInteger(PENDING);
        private volatile Throwable failure;

        Timeout(Runnable command, long due) {
            this.command = command;
            this.due = due;
        }

        void run() {
            if (!state.compareAndSet(PENDING, RUNNING)) {
                return;
            }
            try {
                command.run();
            } catch (RuntimeException | Error e) {
                // Kept for get(), as a ScheduledThreadPoolExecutor would; the sweeper lives on.
                failure = e;
            }
            state.set(RUN);
            synchronized (this) {
                notifyAll();
            }
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            if (!state.compareAndSet(PENDING, CANCELLED)) {
                return false;
            }
            synchronized (this) {
                notifyAll();
            }
            return true;
        }

        @Override
        public boolean isCancelled() {
            return state.get() == CANCELLED;
        }

        @Override
        public boolean isDone() {
            int now = state.get();
            return now == CANCELLED || now == RUN;
        }

        @Override
        public Object get() throws InterruptedException, ExecutionException {
            synchronized (this) {
                while (!isDone()) {
                    wait();
                }
            }
            return outcome();
        }

        @Override
        public Object get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
            long deadline = System.nanoTime() + unit.toNanos(timeout);
            synchronized (this) {
                while (!isDone()) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        throw new TimeoutException();
                    }
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                }
            }
            return outcome();
        }

        private Object outcome() throws ExecutionException {
            if (isCancelled()) {
                throw new CancellationException();
            }
            if (failure != null) {
                throw new ExecutionException(failure);
            }
            return null;
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(due - System.nanoTime(), TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed other) {
            return Long.compare(getDelay(TimeUnit.NANOSECONDS), other.getDelay(TimeUnit.NANOSECONDS));
        }
    }
}
