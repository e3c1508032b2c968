"""One module per wizard step, plus screens other engineers mount (troubleshoot, data, nodes)."""
