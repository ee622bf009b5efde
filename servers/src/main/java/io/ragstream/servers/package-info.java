/**
 * Real servers started as separate OS processes on this machine, without Docker: what {@code ragstream cluster}
 * supervises and what the real-server integration tests start. Stages never depend on this module.
 */
package io.ragstream.servers;
