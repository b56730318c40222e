package org.productservice.dynamodb;

import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.junit.jupiter.api.Assertions.assertThrows;

class TimeoutTimerTest {
    private final TimeoutTimer timer = new TimeoutTimer(Duration.ofMillis(10));

    @AfterEach
    void stop() throws InterruptedException {
        timer.shutdownNow();
        assertThat(timer.awaitTermination(1, TimeUnit.SECONDS), is(true));
    }

    @Test
    void dueTimeoutRunsNoEarlierThanItsDelayAndAboutOneTickLate() throws Exception {
        CountDownLatch ran = new CountDownLatch(1);
        long start = System.nanoTime();
        ScheduledFuture<?> future = timer.schedule(ran::countDown, 50, TimeUnit.MILLISECONDS);

        assertThat(ran.await(2, TimeUnit.SECONDS), is(true));
        long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(elapsedMillis, greaterThanOrEqualTo(50L));
        assertThat(elapsedMillis, lessThan(1_000L));
        assertThat(future.get(1, TimeUnit.SECONDS) == null, is(true));
        assertThat(future.isDone(), is(true));
        assertThat(future.isCancelled(), is(false));
    }

    @Test
    void cancelledTimeoutNeverRunsAndIsDroppedAtTheNextSweep() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        ScheduledFuture<?> future = timer.schedule(count(runs), 30, TimeUnit.MILLISECONDS);

        assertThat(future.cancel(false), is(true));
        assertThat(future.cancel(false), is(false));
        Thread.sleep(100);

        assertThat(runs.get(), is(0));
        assertThat(future.isCancelled(), is(true));
        assertThat(future.isDone(), is(true));
        assertThat(timer.armedCount(), is(0));
        assertThrows(CancellationException.class, future::get);
    }

    @Test
    void timeoutThatAlreadyRanCannotBeCancelled() throws Exception {
        ScheduledFuture<?> future = timer.schedule(() -> { }, 0, TimeUnit.MILLISECONDS);
        future.get(1, TimeUnit.SECONDS);

        assertThat(future.cancel(true), is(false));
        assertThat(future.isCancelled(), is(false));
    }

    @Test
    void failingTaskIsReportedByGetAndTheTimerKeepsRunning() throws Exception {
        ScheduledFuture<?> failing = timer.schedule(() -> {
            throw new IllegalStateException("boom");
        }, 0, TimeUnit.MILLISECONDS);
        ExecutionException failure = assertThrows(ExecutionException.class, () -> failing.get(1, TimeUnit.SECONDS));
        assertThat(failure.getCause().getMessage(), is("boom"));

        CountDownLatch ran = new CountDownLatch(1);
        timer.schedule(ran::countDown, 0, TimeUnit.MILLISECONDS);
        assertThat(ran.await(1, TimeUnit.SECONDS), is(true));
    }

    @Test
    void sweepRunsOnlyWhatIsDueAndKeepsTheRest() {
        AtomicInteger runs = new AtomicInteger();
        timer.schedule(count(runs), 1, TimeUnit.HOURS);
        ScheduledFuture<?> cancelled = timer.schedule(count(runs), 1, TimeUnit.HOURS);
        cancelled.cancel(false);

        timer.sweep(System.nanoTime());

        assertThat(runs.get(), is(0));
        assertThat(timer.armedCount(), is(1));
        timer.sweep(System.nanoTime() + TimeUnit.HOURS.toNanos(2));
        assertThat(runs.get(), is(1));
        assertThat(timer.armedCount(), is(0));
    }

    @Test
    void periodicAndCallableTasksRunOnTheOrdinaryScheduler() throws Exception {
        CountDownLatch ticks = new CountDownLatch(3);
        ScheduledFuture<?> periodic = timer.scheduleAtFixedRate(ticks::countDown, 0, 5, TimeUnit.MILLISECONDS);
        assertThat(ticks.await(2, TimeUnit.SECONDS), is(true));
        periodic.cancel(false);

        assertThat(timer.schedule(() -> "answer", 1, TimeUnit.MILLISECONDS).get(1, TimeUnit.SECONDS), is("answer"));
        assertThat(timer.submit(() -> 42).get(1, TimeUnit.SECONDS), is(42));
    }

    /** A Runnable (not a Callable, which would take the ordinary scheduler's path), as the SDK's timeouts are. */
    private static Runnable count(AtomicInteger runs) {
        return runs::incrementAndGet;
    }

    @Test
    void shutDownTimerRefusesNewTimeouts() {
        timer.shutdown();

        assertThat(timer.isShutdown(), is(true));
        assertThrows(java.util.concurrent.RejectedExecutionException.class,
                     () -> timer.schedule(() -> { }, 1, TimeUnit.SECONDS));
    }
}
