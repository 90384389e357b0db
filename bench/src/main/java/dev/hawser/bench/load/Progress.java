package dev.hawser.bench.load;

import java.time.Duration;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** Whether runs show a progress bar: {@code auto} shows one when stderr is a terminal. */
public enum Progress {
    AUTO, ON, OFF;

    boolean enabled() {
        return this == ON || (this == AUTO && System.console() != null);
    }

    ProgressView open(String task, long total, Duration duration) {
        if (!enabled()) {
            return ProgressView.NONE;
        }
        boolean byTime = total == Long.MAX_VALUE;
        ProgressBar bar = new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(byTime ? duration.toSeconds() : total)
                .setUnit(byTime ? " s" : "", 1)
                .setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(250)
                .setConsumer(new ConsoleProgressBarConsumer(System.err))
                .continuousUpdate()
                .build();
        return new ProgressView() {
            @Override
            public void update(long completed, long elapsedNanos) {
                bar.stepTo(byTime ? Math.min(elapsedNanos / 1_000_000_000L, bar.getMax()) : completed);
            }

            @Override
            public void close() {
                bar.close();
            }
        };
    }
}
