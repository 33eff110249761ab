/**
 * What the media path counts, as the media path sees it: a few counters it increments. The
 * metrics registry (observe/metrics.ts) implements this with prom-client; the media path never
 * imports the registry (architecture: the media path knows no HTTP route or metric registry),
 * and a unit test can hand it any object with `inc`.
 */
export interface MediaCounter {
  inc(value?: number): void;
  inc(labels: Record<string, string>, value?: number): void;
}

export interface MediaCounters {
  rtpPacketsSent: MediaCounter;
  rtpBytesSent: MediaCounter;
  rtpPacketsReceived: MediaCounter;
  rtpBytesReceived: MediaCounter;
  retransmittedPackets: MediaCounter;
  nackRequests: MediaCounter;
  nackMisses: MediaCounter;
  nackSuppressed: MediaCounter;
  pliForwarded: MediaCounter;
  rtcpSenderReports: MediaCounter;
  sourceRestarts: MediaCounter;
  malformedInput: MediaCounter;
  sessionsEnded: MediaCounter;
  viewersLinked: MediaCounter;
}
