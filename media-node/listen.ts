/** "host:port" listen strings from the config, and the URL a listening server answers on. */
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";

export function parseListen(listen: string): { host: string; port: number } {
  const colon = listen.lastIndexOf(":");
  const host = listen.slice(0, colon).replace(/^\[(.*)\]$/, "$1") || "0.0.0.0";
  return { host, port: Number(listen.slice(colon + 1)) };
}

export function listenOn(server: Server, listen: string): Promise<string> {
  const { host, port } = parseListen(listen);
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      const address = server.address() as AddressInfo;
      const shown = address.family === "IPv6" ? `[${address.address}]` : address.address;
      resolve(`http://${shown}:${address.port}`);
    });
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
