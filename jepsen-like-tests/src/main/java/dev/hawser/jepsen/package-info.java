/**
 * Jepsen-style testing of Hawser, after etcd's tests/robustness: {@code cluster} (member processes and
 * the peer proxies), {@code fault} (the nemesis), {@code workload} and {@code client} (traffic that
 * records histories), {@code history}, {@code checker} (linearizability, set, watch, lock, lease) and
 * {@code report} (JSON and an HTML timeline). Talks to members only over the etcd gRPC API and
 * imports no kvstore class.
 */
package dev.hawser.jepsen;
