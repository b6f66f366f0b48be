// A stand-in kubelet: serves /stats/summary (the Summary API,
// stats/v1alpha1) and /pods (a PodList) as JSON, records requests, and with
// a token set answers 401 Unauthorized to a request without
// `Authorization: Bearer <token>` (as the kubelet's webhook authn does).
// The data is a realistic one-node snapshot written for the tests.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export const NODE_START = '2026-12-01T08:00:00Z';
export const POD_START = '2026-12-06T10:00:00Z';

export function summaryJson(): any {
  return {
    node: {
      nodeName: 'worker-1',
      systemContainers: [{ name: 'kubelet', startTime: NODE_START, cpu: { usageNanoCores: 21_000_000 } }],
      startTime: NODE_START,
      cpu: {
        time: '2026-12-06T12:00:00Z',
        usageNanoCores: 350_000_000,
        usageCoreNanoSeconds: 123_456_000_000_000,
      },
      memory: {
        time: '2026-12-06T12:00:00Z',
        availableBytes: 5_000_000_000,
        usageBytes: 3_200_000_000,
        workingSetBytes: 2_800_000_000,
        rssBytes: 1_900_000_000,
        pageFaults: 81_000,
        majorPageFaults: 120,
      },
      network: {
        time: '2026-12-06T12:00:00Z',
        name: 'eth0',
        rxBytes: 9_000_000,
        rxErrors: 1,
        txBytes: 4_000_000,
        txErrors: 0,
        interfaces: [
          { name: 'eth0', rxBytes: 9_000_000, rxErrors: 1, txBytes: 4_000_000, txErrors: 0 },
          { name: 'cni0', rxBytes: 700, rxErrors: 0, txBytes: 800, txErrors: 0 },
        ],
      },
      fs: {
        availableBytes: 40_000_000_000,
        capacityBytes: 100_000_000_000,
        usedBytes: 60_000_000_000,
        inodesFree: 6_000_000,
        inodes: 6_500_000,
        inodesUsed: 500_000,
      },
      runtime: {
        imageFs: { availableBytes: 40_000_000_000, capacityBytes: 100_000_000_000, usedBytes: 9_000_000_000 },
      },
      rlimit: { maxpid: 4_194_304, curproc: 812 },
    },
    pods: [
      {
        podRef: { name: 'web-7d4b9c-x2x8k', namespace: 'shop', uid: 'a1b2c3d4-0000-4000-8000-000000000001' },
        startTime: POD_START,
        containers: [
          {
            name: 'nginx',
            startTime: '2026-12-06T10:00:05Z',
            cpu: { usageNanoCores: 12_500_000, usageCoreNanoSeconds: 45_000_000_000 },
            memory: {
              usageBytes: 52_000_000,
              workingSetBytes: 48_000_000,
              rssBytes: 30_000_000,
              pageFaults: 900,
              majorPageFaults: 3,
            },
            rootfs: {
              availableBytes: 40_000_000_000,
              capacityBytes: 100_000_000_000,
              usedBytes: 40_960,
              inodesFree: 6_000_000,
              inodes: 6_500_000,
              inodesUsed: 12,
            },
            logs: { availableBytes: 40_000_000_000, capacityBytes: 100_000_000_000, usedBytes: 8_192 },
          },
        ],
        cpu: { usageNanoCores: 12_600_000, usageCoreNanoSeconds: 45_100_000_000 },
        memory: {
          usageBytes: 53_000_000,
          workingSetBytes: 49_000_000,
          rssBytes: 30_500_000,
          pageFaults: 910,
          majorPageFaults: 3,
        },
        network: {
          name: 'eth0',
          rxBytes: 1_500_000,
          rxErrors: 0,
          txBytes: 2_500_000,
          txErrors: 0,
          interfaces: [{ name: 'eth0', rxBytes: 1_500_000, rxErrors: 0, txBytes: 2_500_000, txErrors: 0 }],
        },
        volume: [
          {
            name: 'kube-api-access-abcde',
            availableBytes: 8_000_000_000,
            capacityBytes: 8_000_000_000,
            usedBytes: 12_288,
            inodesFree: 2_000_000,
            inodes: 2_000_009,
            inodesUsed: 9,
          },
          {
            name: 'data',
            availableBytes: 900_000_000,
            capacityBytes: 1_000_000_000,
            usedBytes: 100_000_000,
            inodesFree: 60_000,
            inodes: 65_536,
            inodesUsed: 5_536,
            pvcRef: { name: 'web-data', namespace: 'shop' },
          },
        ],
        'ephemeral-storage': {
          availableBytes: 40_000_000_000,
          capacityBytes: 100_000_000_000,
          usedBytes: 61_440,
          inodesFree: 6_000_000,
          inodes: 6_500_000,
          inodesUsed: 21,
        },
      },
    ],
  };
}

export function podsJson(): any {
  return {
    kind: 'PodList',
    apiVersion: 'v1',
    metadata: {},
    items: [
      {
        metadata: {
          name: 'web-7d4b9c-x2x8k',
          namespace: 'shop',
          uid: 'a1b2c3d4-0000-4000-8000-000000000001',
        },
        spec: {
          volumes: [
            { name: 'kube-api-access-abcde', projected: { sources: [] } },
            { name: 'data', persistentVolumeClaim: { claimName: 'web-data' } },
          ],
        },
        status: {
          containerStatuses: [
            { name: 'nginx', containerID: 'containerd://4f1c2e9b7a', ready: true, restartCount: 0 },
          ],
        },
      },
    ],
  };
}

export class KubeletStandin {
  readonly server: Server;
  summary = summaryJson();
  pods = podsJson();
  token: string | undefined;
  readonly requests: { path: string; authorization?: string }[] = [];

  constructor() {
    this.server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      this.requests.push({ path, authorization: req.headers.authorization });
      if (this.token !== undefined && req.headers.authorization !== `Bearer ${this.token}`) {
        res.writeHead(401, { 'content-type': 'text/plain' }).end('Unauthorized');
        return;
      }
      const body = path === '/stats/summary' ? this.summary : path === '/pods' ? this.pods : undefined;
      if (!body) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}
