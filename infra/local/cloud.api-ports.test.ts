import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCloud } from './cloud.ts';
import { cloudFolders, startTestCloud, writeAssembly } from './cloud-test-support.ts';

// `LOCAL_API_PORT=0 npm start` (apiBasePort 0): every HTTP API gets a free port of its own, and the
// functions are told the same URLs the APIs listen on.

const api = (name: string) => ({
  Type: 'AWS::ApiGatewayV2::Api',
  Properties: { Name: name, ProtocolType: 'HTTP' },
});
const stage = (apiId: string) => ({
  Type: 'AWS::ApiGatewayV2::Stage',
  Properties: { ApiId: { Ref: apiId }, StageName: '$default', AutoDeploy: true },
});

const TEMPLATE = {
  Resources: {
    Public: api('public'),
    PublicStage: stage('Public'),
    Internal: api('internal'),
    InternalStage: stage('Internal'),
    Echo: {
      Type: 'AWS::Lambda::Function',
      Properties: {
        Code: {
          ZipFile:
            'exports.handler = async () => ({ publicUrl: process.env.PUBLIC_URL, internalUrl: process.env.INTERNAL_URL });',
        },
        Handler: 'index.handler',
        Runtime: 'nodejs20.x',
        Environment: {
          Variables: {
            PUBLIC_URL: { 'Fn::GetAtt': ['Public', 'ApiEndpoint'] },
            INTERNAL_URL: { 'Fn::GetAtt': ['Internal', 'ApiEndpoint'] },
          },
        },
      },
    },
  },
};

describe('a local cloud started with API port 0', () => {
  let folders: Awaited<ReturnType<typeof cloudFolders>>;
  let cloud: LocalCloud;

  beforeAll(async () => {
    folders = await cloudFolders();
    await writeAssembly(folders.dir, TEMPLATE);
    cloud = await startTestCloud(folders, { apiBasePort: 0 });
  });

  afterAll(async () => {
    await cloud?.stop();
    await folders?.remove();
  });

  it('serves each HTTP API on a free port of its own and tells the functions those URLs', async () => {
    const urls = Object.fromEntries(cloud.urls.apis.map((served) => [served.logicalId, served.url]));
    const ports = Object.values(urls).map((url) => Number(new URL(url).port));

    const answer = await cloud.lambda.invoke('Echo', {});

    expect(ports).toHaveLength(2);
    expect(new Set(ports).size).toBe(2);
    for (const port of ports) expect(port).toBeGreaterThan(1024);
    expect(answer).toEqual({ ok: true, payload: { publicUrl: urls.Public, internalUrl: urls.Internal } });
    // Each answers on its port: no route here, so API Gateway's 404.
    for (const url of Object.values(urls)) expect((await fetch(`${url}/anything`)).status).toBe(404);
  });
});
