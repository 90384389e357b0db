package dev.hawser.bench;

import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/** Flag checks that picocli's types cannot express; each failure is one line naming the flag. */
public final class Validation {
    private final CommandLine cmd;

    public Validation(CommandLine cmd) {
        this.cmd = cmd;
    }

    public void fail(String message) {
        throw new ParameterException(cmd, message);
    }

    public void atLeast(String flag, long value, long min) {
        if (value < min) {
            fail(flag + " must be at least " + min + " (got " + value + ")");
        }
    }

    public void atLeast(String flag, double value, double min) {
        if (value < min) {
            fail(flag + " must be at least " + min + " (got " + value + ")");
        }
    }
}
