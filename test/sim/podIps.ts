// Loopback pod IPs. All of 127.0.0.0/8 routes to `lo` on Linux, so every pod can bind the
// same ports on its own address, as it would in its own network namespace.

export class PodIpAllocator {
  private readonly inUse = new Set<string>();
  private cursor = 0;
  private readonly prefix: string;

  /** prefix is the first two octets, e.g. "127.10"; addresses run 127.10.0.2 .. 127.10.255.254. */
  constructor(prefix = '127.10') {
    const octets = prefix.split('.');
    if (octets.length !== 2 || octets[0] !== '127' || !octets.every((o) => /^\d{1,3}$/.test(o) && Number(o) <= 255)) {
      throw new Error(`podIpPrefix must look like "127.<0-255>", got "${prefix}"`);
    }
    this.prefix = prefix;
  }

  /**
   * Hands out addresses in order and wraps around, so a freed address is reused as late as
   * possible (a restarted pod must not meet its predecessor's sockets in TIME_WAIT).
   */
  allocate(): string {
    const size = 256 * 253;
    for (let tried = 0; tried < size; tried++) {
      const index = this.cursor;
      this.cursor = (this.cursor + 1) % size;
      const ip = `${this.prefix}.${Math.floor(index / 253)}.${(index % 253) + 2}`;
      if (!this.inUse.has(ip)) {
        this.inUse.add(ip);
        return ip;
      }
    }
    throw new Error(`no free pod IP left under ${this.prefix}`);
  }

  release(ip: string): void {
    this.inUse.delete(ip);
  }
}
