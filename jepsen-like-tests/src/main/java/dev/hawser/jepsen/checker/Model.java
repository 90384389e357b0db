package dev.hawser.jepsen.checker;

import dev.hawser.jepsen.history.Operation;

import java.util.Optional;

/**
 * A sequential specification for the linearizability checker (Porcupine's Model): the initial
 * state and a step function. States must be immutable values with equals/hashCode, because
 * the search memoizes on (linearized set, state).
 */
public interface Model<S> {
    S init();

    /**
     * Applies {@code op} at its linearization point. Returns the next state if the operation's
     * observed result is legal in {@code state}, or empty if it is not. For an indeterminate
     * operation (no result seen) the step must accept the state as it is and return the state
     * the operation would produce if it took effect here.
     */
    Optional<S> step(S state, Operation op);

    /** True for operations that may be left out entirely (a failed or indeterminate read has no effect). */
    default boolean droppable(Operation op) {
        return false;
    }
}
