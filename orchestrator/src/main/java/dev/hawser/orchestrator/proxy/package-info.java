/**
 * The service proxy (kube-proxy's original userspace mode, without iptables): for every Service port
 * with a cluster IP it listens on clusterIP:port itself and splices each TCP connection to a ready
 * endpoint picked round-robin, trying the next one when a connect fails. Imports {@code api} and
 * {@code client} only.
 */
package dev.hawser.orchestrator.proxy;
