import t from 'tap';
import { formatProxyStatus, syncState } from './proxy-status.ts';

t.test('per type: SYNCED, STALE, NACKED or NOT SENT, with the version concerned', async (t) => {
  t.equal(syncState(undefined), 'NOT SENT');
  t.equal(syncState({}), 'NOT SENT', 'subscribed, nothing sent');
  t.equal(syncState({ sent: 'v2', acked: 'v2' }), 'SYNCED (v2)');
  t.equal(syncState({ sent: 'v3', acked: 'v2' }), 'STALE (v3)');
  t.equal(syncState({ sent: 'v3' }), 'STALE (v3)', 'never acked');
  t.equal(syncState({ sent: 'v3', acked: 'v2', nacked: { version: 'v3', message: 'bad' } }), 'NACKED (v3)');
  t.equal(
    syncState({ sent: 'v4', acked: 'v2', nacked: { version: 'v3', message: 'bad' } }),
    'STALE (v4)',
    'a NACK of an older version does not describe the newer one in flight',
  );
});

t.test('one row per proxy with its identity, then each NACK in full', async (t) => {
  const cds = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
  const lds = 'type.googleapis.com/envoy.config.listener.v3.Listener';
  const out = formatProxyStatus({
    version: 'v3',
    nacks: [],
    proxies: [
      {
        nodeId: 'sidecar~10.0.0.1~productpage.default',
        connectedAt: '2025-01-01T00:00:00.000Z',
        namespace: 'default',
        labels: { app: 'productpage', version: 'v1' },
        types: {
          [cds]: { sent: 'v3', acked: 'v3' },
          [lds]: {
            sent: 'v3',
            acked: 'v2',
            nacked: { version: 'v3', message: 'listener 0.0.0.0_9080: port in use' },
          },
        },
      },
    ],
  });
  t.equal(
    out,
    [
      'NAME                                  NAMESPACE  CDS          LDS          EDS       RDS       LABELS',
      'sidecar~10.0.0.1~productpage.default  default    SYNCED (v3)  NACKED (v3)  NOT SENT  NOT SENT  app=productpage,version=v1',
      'sidecar~10.0.0.1~productpage.default rejected LDS v3: listener 0.0.0.0_9080: port in use',
      '',
    ].join('\n'),
  );
});
