/**
 * The node agent (kubelet equivalent): registers its Node and heartbeats a Lease, watches the pods
 * bound to its node, runs each container as a local process group, probes it, keeps its logs, and
 * writes pod status back. Owns nothing in the API but its Node, its Lease and the status of its pods.
 * Imports {@code api} and {@code client} only.
 */
package dev.hawser.orchestrator.agent;
