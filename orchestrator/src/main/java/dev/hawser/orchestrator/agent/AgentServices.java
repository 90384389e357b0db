package dev.hawser.orchestrator.agent;

import dev.hawser.orchestrator.client.EventRecorder;
import dev.hawser.orchestrator.client.ApiClient;

import java.time.Clock;
import java.util.concurrent.ScheduledExecutorService;

/** What pods and containers share on one agent: configuration, the API, limits, and the timer threads of probes and kills. */
record AgentServices(AgentConfig config, ApiClient api, ContainerEnv env, Cgroups cgroups, ScheduledExecutorService timers,
                     EventRecorder events, Clock clock) {
}
