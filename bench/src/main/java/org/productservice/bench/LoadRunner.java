package org.productservice.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.Histogram;

/**
 * Drives one operation with a fixed number of concurrent workers for a fixed time, closed-loop
 * (each worker sends its next request as soon as the previous one is answered) or at a fixed
 * total rate.
 *
 * <p>At a fixed rate every request has an intended start time on a schedule, and its latency is
 * measured from that time, not from when it was actually sent: a stall delays the following
 * requests too, and they are charged for the wait. That is the correction for coordinated
 * omission (as in wrk2); closed-loop figures do not have it and say so in the report.
 *
 * <p>Workers are virtual threads, like the service's request handlers, so the direct SDK calls run
 * under the same threading model as in the service.
 */
final class LoadRunner {
    /** Largest latency recorded, in microseconds; anything slower is clamped (and is a timeout anyway). */
    private static final long MAX_MICROS = TimeUnit.MINUTES.toMicros(1);

    private LoadRunner() {
    }

    /** One request of an operation, issued by one worker. */
    @FunctionalInterface
    interface Operation {
        /**
         * Performs one request.
         *
         * @param worker the calling worker's state
         * @return null on success, else a short description of the failure (e.g. "status 500")
         * @throws Exception a failure too (connection errors, SDK exceptions)
         */
        String call(Worker worker) throws Exception;
    }

    /**
     * State of one worker: its index among {@code count}, its own random numbers and, on the
     * HTTP side, its own connection.
     *
     * @param index  0-based worker index
     * @param count  number of workers in the run
     * @param random this worker's random numbers
     * @param http   this worker's connection (null on the direct side)
     */
    record Worker(int index, int count, SplittableRandom random, HttpConnection http) {
    }

    /** Creates the connection of a worker, or returns null when the operation needs none. */
    @FunctionalInterface
    interface ConnectionFactory {
        HttpConnection create();
    }

    /**
     * The outcome of one run.
     *
     * @param requests  successful requests
     * @param errors    failed requests
     * @param elapsed   wall time from the start to the last worker's end
     * @param latency   latency of the successful requests, microseconds
     * @param firstError description of the first failure, or null
     * @param slowestMicros the slowest request, successful or failed (a 503 after a deadline, a
     *                   read timeout), microseconds: what a deadline check compares with
     */
    record Result(long requests, long errors, Duration elapsed, Histogram latency, String firstError, long slowestMicros) {
        double throughput() {
            return requests / (elapsed.toNanos() / 1e9);
        }

        double millis(double percentile) {
            return latency.getTotalCount() == 0 ? Double.NaN : latency.getValueAtPercentile(percentile) / 1000.0;
        }

        /** The slowest request of the run, successful or not, ms (NaN if nothing was sent). */
        double maxMillis() {
            return requests + errors == 0 ? Double.NaN : slowestMicros / 1000.0;
        }

        double meanMillis() {
            return latency.getTotalCount() == 0 ? Double.NaN : latency.getMean() / 1000.0;
        }
    }

    /**
     * Runs an operation.
     *
     * @param operation   what each request does
     * @param connections number of concurrent workers (and connections, on the HTTP side)
     * @param duration    how long requests are started
     * @param rate        total requests per second; 0 or less means closed-loop
     * @param connect     creates a worker's connection (may return null)
     * @param seed        seed of the workers' random numbers, so that runs are repeatable
     * @return the result
     */
    static Result run(Operation operation, int connections, Duration duration, double rate,
                      ConnectionFactory connect, long seed) {
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
        long end = start + duration.toNanos();
        // Each worker takes every connections-th slot of the schedule, offset by its index.
        long interval = rate > 0 ? (long) (connections * 1e9 / rate) : 0;
        List<WorkerRun> runs = new ArrayList<>(connections);
        List<Thread> threads = new ArrayList<>(connections);
        SplittableRandom seeds = new SplittableRandom(seed);
        for (int i = 0; i < connections; i++) {
            Worker worker = new Worker(i, connections, seeds.split(), connect.create());
            long first = start + (interval * i) / connections;
            WorkerRun run = new WorkerRun(operation, worker, first, interval, end);
            runs.add(run);
            threads.add(Thread.ofVirtual().name("load-", i).start(run));
        }
        for (Thread thread : threads) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while waiting for the load workers", e);
            }
        }
        Histogram latency = new Histogram(MAX_MICROS, 3);
        long requests = 0;
        long errors = 0;
        long last = start;
        String firstError = null;
        long slowest = 0;
        for (WorkerRun run : runs) {
            slowest = Math.max(slowest, run.slowest);
            latency.add(run.latency);
            requests += run.requests;
            errors += run.errors;
            last = Math.max(last, run.finished);
            if (firstError == null) {
                firstError = run.firstError;
            }
            if (run.worker.http() != null) {
                run.worker.http().close();
            }
        }
        return new Result(requests, errors, Duration.ofNanos(Math.max(1, last - start)), latency, firstError, slowest);
    }

    private static final class WorkerRun implements Runnable {
        private final Operation operation;
        private final Worker worker;
        private final long interval;
        private final long end;
        private final Histogram latency = new Histogram(MAX_MICROS, 3);
        private long next;
        private long requests;
        private long errors;
        private long finished;
        private long slowest;
        private String firstError;

        WorkerRun(Operation operation, Worker worker, long first, long interval, long end) {
            this.operation = operation;
            this.worker = worker;
            this.next = first;
            this.interval = interval;
            this.end = end;
        }

        @Override
        public void run() {
            while (true) {
                long intended;
                if (interval > 0) {
                    if (next >= end) {
                        break;
                    }
                    for (long wait = next - System.nanoTime(); wait > 0; wait = next - System.nanoTime()) {
                        LockSupport.parkNanos(wait);
                    }
                    intended = next;
                    next += interval;
                } else {
                    // Closed loop: start after the previous request, but not before the common start.
                    for (long wait = next - System.nanoTime(); wait > 0; wait = next - System.nanoTime()) {
                        LockSupport.parkNanos(wait);
                    }
                    intended = System.nanoTime();
                    if (intended >= end) {
                        break;
                    }
                }
                String failure;
                try {
                    failure = operation.call(worker);
                } catch (Exception e) {
                    failure = e.getClass().getSimpleName() + ": " + e.getMessage();
                }
                long took = System.nanoTime() - intended;
                slowest = Math.max(slowest, took / 1000);
                if (failure == null) {
                    requests++;
                    latency.recordValue(Math.min(MAX_MICROS, Math.max(1, took / 1000)));
                } else {
                    errors++;
                    if (firstError == null) {
                        firstError = failure;
                    }
                }
            }
            finished = System.nanoTime();
        }
    }
}
