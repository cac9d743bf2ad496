// brook cluster info: cluster id, controller, brokers and API versions.
import { apiVersions, describeCluster } from '../../client/cluster-admin.js';
import { openClient, outputFormat, type ClientFlags, type FormatFlags } from '../client-options.js';
import { printJson, renderPairs, renderTable, Sections } from '../output.js';

export async function clusterInfo(flags: ClientFlags & FormatFlags): Promise<void> {
  const client = await openClient(flags);
  try {
    const [cluster, apis] = await Promise.all([describeCluster(client), apiVersions(client)]);
    const bootstrap = await client.any();
    if (outputFormat(flags) === 'json') {
      printJson({
        clusterId: cluster.clusterId,
        controllerId: cluster.controllerId,
        brokers: cluster.brokers.map((b) => ({ ...b, controller: b.nodeId === cluster.controllerId })),
        apiVersions: { broker: bootstrap.address, apis },
      });
      return;
    }
    const sections = new Sections();
    sections.add('CLUSTER', renderPairs([['CLUSTER-ID', cluster.clusterId], ['CONTROLLER', cluster.controllerId], ['BROKERS', cluster.brokers.length]]));
    sections.add('BROKERS', renderTable(['ID', 'HOST', 'PORT', 'RACK', 'CONTROLLER'], cluster.brokers.map((b) => [b.nodeId, b.host, b.port, b.rack, b.nodeId === cluster.controllerId ? 'yes' : ''])));
    sections.add(`API VERSIONS (${bootstrap.address})`, renderTable(['KEY', 'API', 'MIN', 'MAX', 'USED'], apis.map((a) => [a.apiKey, a.name, a.brokerMin, a.brokerMax, a.used])));
  } finally {
    client.close();
  }
}
